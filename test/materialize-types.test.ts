/**
 * Hand-made edge cases of materialization on a small table written by
 * DuckDB SQL: composite keys, a TIMESTAMPTZ event column, every scalar and
 * some list types, nulls, created-time ties, rows outside the window and
 * rows without a full key, read back from SQLite.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import type { RepoConfig } from "../src/config/types.js";
import { materialize } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore, readStoredRows } from "../src/online/index.js";
import type { OnlineStore } from "../src/online/online-store.js";
import { openRegistry } from "../src/registry/index.js";
import type { FeatureViewDef, FileSourceDef } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import { tempRepo } from "./materialize-fixtures.js";

const f = (name: string, dtype: ValueType) => ({ name, dtype, description: "", tags: {} });
const meta = { description: "", tags: {}, owner: "" };

describe("materialize: types, composite keys, TIMESTAMPTZ, ties and exclusions", () => {
  let db: DuckDBInstance;
  let config: RepoConfig;
  let registry: Registry;
  let store: OnlineStore;
  let view: FeatureViewDef;

  beforeAll(async () => {
    db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
    config = tempRepo();
    const dir = join(config.repoPath, "data", "trips");
    mkdirSync(dir, { recursive: true });
    const conn = await db.connect();
    // id, city, ts (TIMESTAMPTZ), created, n32, f32, raw, seen, counts, scores, ok
    await conn.run(`COPY (SELECT * FROM (VALUES
      (1, 'paris',  TIMESTAMPTZ '2025-01-01 10:00:00+00', TIMESTAMP '2025-01-01 10:05:00', 7,    1.5::FLOAT, '\\x01\\x02'::BLOB, TIMESTAMP '2024-12-31 00:00:00', [1, 2]::BIGINT[], [0.5]::DOUBLE[], true),
      (1, 'paris',  TIMESTAMPTZ '2025-01-01 12:00:00+02', TIMESTAMP '2025-01-01 10:01:00', 8,    2.5::FLOAT, '\\x03'::BLOB,     TIMESTAMP '2025-01-01 00:00:00', [3]::BIGINT[],    []::DOUBLE[],    false),
      (1, 'lyon',   TIMESTAMPTZ '2025-01-01 09:00:00+00', TIMESTAMP '2025-01-01 09:00:00', NULL, NULL,       NULL,              NULL,                            NULL,              NULL,            NULL),
      (2, 'paris',  TIMESTAMPTZ '2025-01-02 00:00:00+00', TIMESTAMP '2025-01-02 00:00:00', 9,    3.5::FLOAT, '\\x04'::BLOB,     TIMESTAMP '2025-01-02 00:00:00', [4]::BIGINT[],    [1.25]::DOUBLE[], true),
      (2, 'paris',  TIMESTAMPTZ '2025-01-05 00:00:00+00', TIMESTAMP '2025-01-05 00:00:00', 10,   4.5::FLOAT, '\\x05'::BLOB,     TIMESTAMP '2025-01-05 00:00:00', [5]::BIGINT[],    [2.0]::DOUBLE[],  true),
      (NULL, 'nice', TIMESTAMPTZ '2025-01-01 10:00:00+00', TIMESTAMP '2025-01-01 10:00:00', 11,  5.5::FLOAT, '\\x06'::BLOB,     TIMESTAMP '2025-01-01 00:00:00', [6]::BIGINT[],    [3.0]::DOUBLE[],  true)
    ) t(id, city, ts, created, n32, f32, raw, seen, counts, scores, ok)) TO '${join(dir, "part-0.parquet")}' (FORMAT parquet)`);
    conn.closeSync();
    const source: FileSourceDef = {
      kind: "file",
      name: "trips_source",
      path: "data/trips",
      timestampField: "ts",
      createdTimestampColumn: "created",
      fieldMapping: { n32: "passengers" },
      ...meta,
    };
    view = {
      name: "trips",
      entities: ["driver", "city"],
      entityColumns: [f("id", ValueType.INT64), f("city", ValueType.STRING)],
      features: [
        f("passengers", ValueType.INT32),
        f("f32", ValueType.FLOAT),
        f("raw", ValueType.BYTES),
        f("seen", ValueType.UNIX_TIMESTAMP),
        f("counts", ValueType.INT64_LIST),
        f("scores", ValueType.DOUBLE_LIST),
        f("ok", ValueType.BOOL),
      ],
      ttlSeconds: 0,
      source,
      online: true,
      ...meta,
    };
    registry = await openRegistry(config);
    await registry.apply({
      entities: [
        { name: "driver", joinKeys: ["id"], valueType: ValueType.INT64, ...meta },
        { name: "city", joinKeys: ["city"], valueType: ValueType.STRING, ...meta },
      ],
      dataSources: [source],
      featureViews: [view],
      featureServices: [],
      onDemandFeatureViews: [],
    });
    store = createOnlineStore(config);
  });
  afterAll(async () => {
    await store?.close();
    registry?.close();
    db?.closeSync();
  });

  it("stores exactly the expected latest rows", async () => {
    const events = [];
    for await (const ev of materialize(
      { config, registry, onlineStore: store, duckdb: async () => db },
      { start: new Date("2025-01-01T00:00:00Z"), end: new Date("2025-01-03T00:00:00Z"), incremental: false },
    )) {
      events.push(ev);
    }
    const summary = events.at(-1);
    // 4 rows in the window with a full key (the 2025-01-05 row is outside; the null-id row has no key).
    expect(summary?.kind === "summary" && summary.views[0]).toMatchObject({
      rowsRead: 4,
      entitiesWritten: 3,
    });
    const keys = [
      [1n, "paris"],
      [1n, "lyon"],
      [2n, "paris"],
      [3n, "paris"],
    ];
    const [rows] = await readStoredRows(store, [
      { view, features: view.features.map((x) => x.name), entityKeys: keys },
    ]);
    const [paris1, lyon1, paris2, missing] = rows ?? [];
    // 10:00Z and 12:00+02 are the same instant: the later created time (10:05) wins.
    expect(new Date((paris1?.eventTimeUs ?? 0) / 1000).toISOString()).toBe("2025-01-01T10:00:00.000Z");
    expect(Object.fromEntries(paris1?.values ?? [])).toEqual({
      passengers: 7,
      f32: 1.5,
      raw: new Uint8Array([1, 2]),
      seen: new Date("2024-12-31T00:00:00Z"),
      counts: [1n, 2n],
      scores: [0.5],
      ok: true,
    });
    expect(Object.fromEntries(lyon1?.values ?? [])).toEqual({
      passengers: null,
      f32: null,
      raw: null,
      seen: null,
      counts: null,
      scores: null,
      ok: null,
    });
    expect(new Date((paris2?.eventTimeUs ?? 0) / 1000).toISOString()).toBe("2025-01-02T00:00:00.000Z");
    expect(paris2?.values.get("passengers")).toBe(9);
    expect(missing).toBeUndefined();
  });
});

/**
 * A window larger than `rowsPerPart` is split by entity key into temp Parquet
 * parts and read one part at a time: the rows are the same as the single
 * latest-rows query's (same winners under ties on event and created time,
 * file name and row), they come in the stored keys' byte order (an integer
 * first key), and the parts' files are gone afterwards.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { connectUtc } from "../src/materialize/duckdb.js";
import { readLatestRows } from "../src/materialize/latest-rows-reader.js";
import { partCountOf } from "../src/materialize/latest-rows-sql.js";
import { openDuckDb } from "../src/offline/index.js";
import { createEntityKeyEncoder } from "../src/online/entity-key.js";
import type { OnlineRow } from "../src/online/online-store.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import { tempRepo } from "./materialize-fixtures.js";

const f = (name: string, dtype: ValueType) => ({ name, dtype, description: "", tags: {} });

function viewOf(dir: string, keyType: ValueType): FeatureViewDef {
  return {
    name: "v",
    entities: ["e"],
    entityColumns: [f("id", keyType)],
    features: [f("tag", ValueType.STRING), f("score", ValueType.DOUBLE), f("seen", ValueType.UNIX_TIMESTAMP)],
    ttlSeconds: 0,
    source: {
      kind: "file",
      name: "s",
      path: dir,
      timestampField: "ts",
      createdTimestampColumn: "created",
      fieldMapping: {},
      description: "",
      tags: {},
      owner: "",
    },
    online: true,
    description: "",
    tags: {},
    owner: "",
  };
}

async function readAll(
  conn: DuckDBConnection,
  view: FeatureViewDef,
  files: string[],
  rowsPerPart?: number,
): Promise<{ rows: OnlineRow[]; rowsRead: number }> {
  const rows: OnlineRow[] = [];
  let rowsRead = 0;
  for await (const b of readLatestRows(conn, view, {
    files,
    start: new Date(Date.UTC(2025, 0, 1)),
    end: new Date(Date.UTC(2025, 0, 2)),
    batchSize: 64,
    ...(rowsPerPart !== undefined ? { rowsPerPart, splitAboveRows: rowsPerPart } : {}),
  })) {
    rows.push(...b.rows);
    rowsRead += b.rowsRead;
  }
  return { rows, rowsRead };
}

const text = (r: OnlineRow) =>
  JSON.stringify([
    r.entityKey.map(String),
    r.eventTimeUs,
    r.values.map((v) => (v instanceof Date ? v.getTime() : v)),
  ]);

describe("latest rows split into parts by entity key", () => {
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  let dir: string;
  let spill: string;
  beforeAll(async () => {
    dir = join(tempRepo().repoPath, "data");
    spill = join(dir, "..", "spill");
    db = await openDuckDb({ threads: 2, memoryLimit: "256MB", tempDirectory: spill });
    conn = await connectUtc(db);
    mkdirSync(dir, { recursive: true });
  });
  afterAll(() => {
    conn?.closeSync();
    db?.closeSync();
  });

  it("splits by powers of two, up to 256 parts", () => {
    expect(partCountOf(0n, 100, 100)).toBe(1);
    expect(partCountOf(100n, 100, 100)).toBe(1);
    expect(partCountOf(101n, 100, 100)).toBe(2);
    expect(partCountOf(1_000n, 100, 100)).toBe(16);
    expect(partCountOf(10n ** 12n, 100, 100)).toBe(256);
    // Split only above splitAboveRows, then into parts of rowsPerPart.
    expect(partCountOf(1_600n, 100, 1_600)).toBe(1);
    expect(partCountOf(1_601n, 100, 1_600)).toBe(32);
    // The defaults: the materialize bench's 10M-row window in one query; the 10x set's 105M in 128 parts.
    expect(partCountOf(10_000_000n)).toBe(1);
    expect(partCountOf(105_081_549n)).toBe(128);
  });

  it("reads nothing when no row of a split window has a complete key", async () => {
    const sub = join(dir, "no-keys");
    mkdirSync(sub, { recursive: true });
    await conn.run(`COPY (
      SELECT CAST(NULL AS BIGINT) AS id, make_timestamp(1735689600000000 + i) AS ts,
             make_timestamp(1735689600000000) AS created, 'x' AS tag, 1.0 AS score,
             make_timestamp(1700000000000000) AS seen
      FROM range(2000) t(i)
    ) TO '${join(sub, "part-0.parquet")}' (FORMAT parquet)`);
    const view = viewOf(sub, ValueType.INT64);
    const read = await readAll(conn, view, [join(sub, "part-0.parquet")], 100);
    expect(read.rows).toEqual([]);
    expect(read.rowsRead).toBe(0);
  });

  // Whole-second times pack the order into one BIGINT; created times days apart to the µs do not
  // (the parts then carry the order's four columns).
  const packed = { step: "1000000", createdStep: "1000000" };
  const unpacked = { step: "1000001", createdStep: "86400000001" };
  it.each([
    ["INT64", ValueType.INT64, "CAST(i % 700 AS BIGINT) - 350", packed],
    ["INT32", ValueType.INT32, "CAST(i % 700 AS INTEGER) * 9973", packed],
    ["STRING", ValueType.STRING, "'e' || repeat('x', CAST(i % 7 AS INTEGER)) || (i % 100)", packed],
    ["INT64 (order not packed)", ValueType.INT64, "CAST(i % 700 AS BIGINT) - 350", unpacked],
    ["STRING (order not packed)", ValueType.STRING, "'e' || (i % 300)", unpacked],
  ])("gives the single query's rows, %s keys", async (name, keyType, idSql, times) => {
    const sub = join(dir, name.replace(/\W+/g, "-"));
    mkdirSync(sub, { recursive: true });
    // 3 files x 4,000 rows: few distinct times, so (event, created) ties are common and file name
    // and row decide; a fifth of the created times are NULL; some rows have no key.
    for (let file = 0; file < 3; file++) {
      await conn.run(`COPY (
        SELECT CASE WHEN i % 37 = 0 THEN NULL ELSE ${idSql} END AS id,
               make_timestamp(1735689600000000 + CAST(hash(i, ${file}) % 5 AS BIGINT) * ${times.step}) AS ts,
               CASE WHEN hash(i, ${file}, 1) % 5 = 0 THEN NULL
                    ELSE make_timestamp(1735689600000000 + CAST(hash(i, ${file}, 2) % 3 AS BIGINT) * ${times.createdStep}) END AS created,
               'f${file}-r' || i AS tag,
               CASE WHEN i % 11 = 0 THEN NULL ELSE i / 7.0 END AS score,
               make_timestamp(1700000000000000 + i * 1000) AS seen
        FROM range(4000) t(i)
      ) TO '${join(sub, `part-${file}.parquet`)}' (FORMAT parquet)`);
    }
    const view = viewOf(sub, keyType);
    const files = [0, 1, 2].map((i) => join(sub, `part-${i}.parquet`));
    const single = await readAll(conn, view, files);
    const parts = await readAll(conn, view, files, 500);
    expect(single.rows.length).toBeGreaterThan(90);
    expect(parts.rows.map(text).sort()).toEqual(single.rows.map(text).sort());
    expect(parts.rowsRead).toBe(single.rowsRead);
    // Both hand rows over in stored key order: over the whole window, or (hash parts) per part.
    const encode = createEntityKeyEncoder(view.entityColumns, "p");
    const ascending = (rows: OnlineRow[]) =>
      rows
        .map((r) => encode(r.entityKey))
        .filter((k, i, all) => i > 0 && Buffer.compare(all[i - 1] as Buffer, k) >= 0).length === 0;
    expect(ascending(single.rows)).toBe(true);
    if (keyType !== ValueType.STRING) expect(ascending(parts.rows)).toBe(true);
    // No part files left beside the spill folder.
    expect(readdirSync(join(spill, "..")).filter((n) => n.includes("-parts-"))).toEqual([]);
  });
});

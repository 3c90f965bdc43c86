/**
 * Event times keep their microseconds online, on every store: a Parquet
 * source in µs (rows 1 µs apart, a time at …18.123456) is materialized, read
 * back, served (Timestamp seconds + nanos) and validated at the source's
 * precision; a re-materialization never replaces a stored row 500 µs newer.
 * Expectations are hand-made from the rows below.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoConfig } from "../src/config/types.js";
import { validateConsistency } from "../src/consistency/index.js";
import { materialize } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import {
  createOnlineRetrieval,
  createOnlineStore,
  type OnlineStore,
  readStoredRows,
  toOnlineResponseMessage,
  writeOnlineRows,
} from "../src/online/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { EntityDef } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import {
  featureView,
  field,
  redisStoreConfig,
  repoConfig,
  sqliteStoreConfig,
  ValueType,
} from "./support/online-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";

/** 2025-01-01T00:00:00Z in µs. */
const T = Date.UTC(2025, 0, 1) * 1000;
const view = featureView(
  "ticks",
  [field("id", ValueType.INT64)],
  [field("v", ValueType.STRING), field("x", ValueType.DOUBLE)],
);
const entity: EntityDef = {
  name: "id",
  joinKeys: ["id"],
  valueType: ValueType.INT64,
  description: "",
  tags: {},
  owner: "",
};

/** Source rows: id, µs since the epoch, v, x. Entity 1's two rows are 1 µs apart (the later wins). */
const SOURCE: [number, number, string, number][] = [
  [1, T + 1, "first", 1.5],
  [1, T + 2, "second", 2.5],
  [2, T + 18_123_456, "late", 3.5],
  [3, T, "base", 4.5],
];
/** Entity 3 gets a pushed row 500 µs newer than its source row before a re-materialization. */
const PUSHED_US = T + 500;

let redis: StartedRedis;
let db: DuckDBInstance;
beforeAll(async () => {
  [redis, db] = await Promise.all([startRedis(), openDuckDb({ threads: 1, memoryLimit: "256MB" })]);
});
afterAll(async () => {
  db?.closeSync();
  await redis?.close();
});

const stores: [string, () => RepoConfig][] = [
  ["sqlite", () => repoConfig(sqliteStoreConfig(), "p_us_sqlite")],
  ["redis packed", () => repoConfig(redisStoreConfig(redis.connectionString, "packed"), "p_us_packed")],
  ["redis feast", () => repoConfig(redisStoreConfig(redis.connectionString, "feast"), "p_us_feast")],
];

describe.each(stores)("microsecond event times: %s", (_name, configOf) => {
  let config: RepoConfig;
  let registry: Registry;
  let store: OnlineStore;

  beforeAll(async () => {
    config = configOf();
    mkdirSync(join(config.repoPath, "data"), { recursive: true });
    const conn = await db.connect();
    const rows = SOURCE.map(
      ([id, us, v, x]) => `(${id}, make_timestamptz(${us}::BIGINT), '${v}', ${x}::DOUBLE)`,
    ).join(", ");
    await conn.run(
      `COPY (SELECT * FROM (VALUES ${rows}) t(id, event_timestamp, v, x)) TO '${join(config.repoPath, "data", "ticks.parquet")}' (FORMAT parquet)`,
    );
    conn.closeSync();
    registry = await openRegistry(config);
    await registry.apply({
      entities: [entity],
      dataSources: [view.source],
      featureViews: [view],
      featureServices: [],
      onDemandFeatureViews: [],
    });
    store = createOnlineStore(config);
  });
  afterAll(async () => {
    await store?.close();
    registry?.close();
  });

  const run = async () => {
    let written = 0;
    let skipped = 0;
    for await (const ev of materialize(
      { config, registry, onlineStore: store, duckdb: async () => db },
      { start: new Date(T / 1000 - 1000), end: new Date(T / 1000 + 60_000), incremental: false },
    )) {
      if (ev.kind === "summary") {
        written += ev.views[0]?.entitiesWritten ?? 0;
        skipped += ev.views[0]?.skippedStale ?? 0;
      }
    }
    return { written, skipped };
  };
  const lookup = () => ({ view, features: ["v", "x"], entityKeys: [[1n], [2n], [3n]] });

  it("materializes, reads and serves the source's microseconds", async () => {
    expect(await run()).toEqual({ written: 3, skipped: 0 });
    const [rows] = await readStoredRows(store, [lookup()]);
    expect(rows?.map((r) => r && [r.eventTimeUs, r.values.get("v")])).toEqual([
      [T + 2, "second"],
      [T + 18_123_456, "late"],
      [T, "base"],
    ]);

    const retrieval = createOnlineRetrieval({
      registry,
      store,
      maxEntitiesPerRequest: 100,
      now: () => T / 1000 + 60_000,
    });
    const result = await retrieval.getOnlineFeatures({
      selection: { features: ["ticks:v"], featureServices: [] },
      entities: { id: { val: [1n, 2n, 3n].map((id) => ({ val: { case: "int64Val", value: id } })) } },
      fullFeatureNames: false,
      requestContext: {},
    } as never);
    const times = toOnlineResponseMessage(result).results[1]?.eventTimestamps.map((t) => [
      Number(t.seconds),
      t.nanos,
    ]);
    expect(times).toEqual([
      [T / 1e6, 2_000],
      [T / 1e6 + 18, 123_456_000],
      [T / 1e6, 0],
    ]);
  });

  it("keeps a stored row 500 µs newer when re-materializing (older never over newer)", async () => {
    const pushed = await writeOnlineRows(store, view, [
      { entityKey: [3n], eventTimeUs: PUSHED_US, values: ["pushed", 9.5] },
    ]);
    expect(pushed).toEqual({ written: 1, skippedStale: 0 });
    // Entity 3's source row is 500 µs older than the pushed one: a ms comparison would call them equal.
    const again = await run();
    expect(again.skipped).toBe(1);
    const [rows] = await readStoredRows(store, [lookup()]);
    expect(rows?.[2] && [rows[2].eventTimeUs, rows[2].values.get("v")]).toEqual([PUSHED_US, "pushed"]);
    // A row 1 µs newer than the stored one is written; one 1 µs older is not.
    const older = await writeOnlineRows(store, view, [
      { entityKey: [1n], eventTimeUs: T + 1, values: ["older", 0] },
    ]);
    expect(older).toEqual({ written: 0, skippedStale: 1 });
  });

  it("validates at the source's precision: rows 1 µs apart are told apart", async () => {
    const report = await validateConsistency(
      {
        repoPath: config.repoPath,
        snapshot: registry.snapshot(),
        registry,
        onlineStore: store,
        connect: () => db.connect(),
      },
      { featureViews: ["ticks"], sampleFrom: "online", options: {} },
    );
    // Entities 1 and 2 equal their source rows at their exact µs; entity 3 holds the pushed row,
    // which has no offline row at its time.
    for (const f of report.features) {
      expect([f.feature, f.compared, f.equal, f.mismatched, f.onlineOnly]).toEqual([f.feature, 3, 2, 0, 1]);
    }
  });
});

/**
 * The offline half of stream feature views. GetHistoricalFeatures (the offline store, real
 * DuckDB over real Parquet raw events): every aggregate of every function and
 * window, at random entity-row times (on events, on tile and window
 * boundaries, one microsecond either side, anywhere, keys without events),
 * agrees exactly with the brute-force oracle of test/support/stream-oracle.ts;
 * with exclude_created_after, with the oracle over the events ingested by the
 * row's time. In the same request: an ordinary feature view and an on-demand
 * view reading an aggregate. Materialize builds the online tiles from the
 * same raw events (SQLite online store), and the values read from them at
 * times after each entity's newest event equal the oracle's.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { validateConsistency } from "../src/consistency/validate-consistency.js";
import { loadRepoDefinitions } from "../src/definitions/index.js";
import { materialize } from "../src/materialize/materialize.js";
import type { HistoricalQuery } from "../src/offline/index.js";
import { createOfflineStore, openDuckDb } from "../src/offline/index.js";
import type { PitOptions } from "../src/offline/pit-query-sql.js";
import { createSqliteOnlineStore } from "../src/online/index.js";
import { applyRepo } from "../src/registry/apply-repo.js";
import type { FeatureViewDef, RepoDefinitions } from "../src/registry/model.js";
import type { RegistrySnapshot } from "../src/registry/registry.js";
import { readEntityTiles, tileLayoutOf, valuesAt, writeEntityTiles } from "../src/streaming/index.js";
import type { Cell } from "./offline-fixtures.js";
import { column, rowsOfBatch, writeParquet } from "./offline-fixtures.js";
import { createMemoryRegistry, startTestServer, testConfig } from "./support/server.js";
import { randomStreamEvents, seededRandom } from "./support/stream-events.js";
import type { OracleEvent } from "./support/stream-oracle.js";
import { oracleValue } from "./support/stream-oracle.js";
import { createTempRepo } from "./support/temp-repo.js";

const START_US = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z
const SPAN_US = 2 * 3600 * 1_000_000;

const DEFS = `import { Aggregation, Entity, Field, FileSource, Float64, Int64, OnDemandFeatureView,
  StreamFeatureView, StreamSource, UnixTimestamp, FeatureView } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
export const raw = new FileSource({ name: "tx_raw", path: "data/tx_raw", timestampField: "ts" });
export const tx = new StreamSource({ name: "tx", stream: { kind: "redis", stream: "tx" },
  schema: [new Field({ name: "user_id", dtype: Int64 }), new Field({ name: "amount", dtype: Float64 }),
           new Field({ name: "items", dtype: Int64 }), new Field({ name: "ts", dtype: UnixTimestamp })],
  timestampField: "ts", batchSource: raw });
const fns = ["count", "sum", "mean", "min", "max", "last"];
export const spend = new StreamFeatureView({ name: "spend", entities: [user], source: tx, aggregations: [
  ...fns.map((f) => new Aggregation({ column: "amount", function: f, window: "1m" })),
  ...fns.map((f) => new Aggregation({ column: "amount", function: f, window: "10m", slide: "1m" })),
  ...fns.map((f) => new Aggregation({ column: "amount", function: f, window: "1h", slide: "15m" })),
  ...["sum", "mean", "min", "max", "last"].map((f) => new Aggregation({ column: "items", function: f, window: "10m", slide: "2m" })),
]});
export const profiles = new FileSource({ name: "profiles", path: "data/profiles.parquet", timestampField: "ts" });
export const profile = new FeatureView({ name: "profile", entities: [user], source: profiles, ttl: 0,
  schema: [new Field({ name: "tier", dtype: Int64 })] });
export const ratio = new OnDemandFeatureView({ name: "ratio", sources: [spend],
  schema: [new Field({ name: "avg_10m", dtype: Float64 })],
  udf: (inputs) => ({ avg_10m: inputs.amount_sum_10m.map((v, i) => v / Math.max(1, Number(inputs.amount_count_10m[i]))) }) });
`;

const repo = createTempRepo();
let defs: RepoDefinitions;
let snapshot: RegistrySnapshot;
let spend: FeatureViewDef;
let events: OracleEvent[];
const db = openDuckDb({ memoryLimit: "512MB", threads: 2 });

function snapshotOf(d: RepoDefinitions): RegistrySnapshot {
  const byName = <T extends { name: string }>(xs: T[]) => new Map(xs.map((x) => [x.name, x]));
  return {
    project: "test",
    version: 1,
    entities: byName(d.entities),
    dataSources: byName(d.dataSources),
    featureViews: byName(d.featureViews),
    featureServices: byName(d.featureServices),
    onDemandFeatureViews: byName(d.onDemandFeatureViews),
    permissions: new Map(),
    meta: new Map(),
  };
}

const ts = (us: number): Cell => ({ micros: BigInt(us), tz: true });

beforeAll(async () => {
  repo.write("defs.ts", DEFS);
  defs = await loadRepoDefinitions(repo.path);
  snapshot = snapshotOf(defs);
  spend = snapshot.featureViews.get("spend") as FeatureViewDef;
  events = randomStreamEvents({
    seed: 16,
    entities: 9,
    events: 2500,
    startUs: START_US,
    spanUs: SPAN_US,
    boundariesUs: [1e6, 60e6, 120e6, 900e6],
    columns: ["amount", "items"],
  }).map((e) => ({
    ...e,
    values: { amount: e.values.amount as number, items: (e.values.items as number) * 4 },
  }));
  mkdirSync(join(repo.path, "data", "tx_raw"), { recursive: true });
  const instance = await db;
  const cols = [
    { name: "user_id", type: "BIGINT" },
    { name: "amount", type: "DOUBLE" },
    { name: "items", type: "BIGINT" },
    { name: "ts", type: "TIMESTAMPTZ" },
    { name: "created", type: "TIMESTAMPTZ" },
  ];
  const rowOf = (e: OracleEvent): Cell[] => [
    BigInt(e.entity),
    e.values.amount as number,
    BigInt(e.values.items as number),
    ts(e.eventTimeUs),
    ts(e.createdUs),
  ];
  // Two files, as batches of raw events are appended.
  const half = Math.floor(events.length / 2);
  await writeParquet(
    instance,
    join(repo.path, "data/tx_raw/part-0.parquet"),
    cols,
    events.slice(0, half).map(rowOf),
  );
  await writeParquet(
    instance,
    join(repo.path, "data/tx_raw/part-1.parquet"),
    cols,
    events.slice(half).map(rowOf),
  );
  await writeParquet(
    instance,
    join(repo.path, "data/profiles.parquet"),
    [
      { name: "user_id", type: "BIGINT" },
      { name: "ts", type: "TIMESTAMPTZ" },
      { name: "tier", type: "BIGINT" },
    ],
    Array.from({ length: 10 }, (_, u) => [BigInt(u), ts(START_US - 1), BigInt(u * 10)]),
  );
}, 120_000);
afterAll(() => repo.cleanup());

/** Entity rows: on events, on boundaries, one µs either side, at created times, anywhere; user 9 has no events. */
function entityRows(seed: number, n = 500, users?: readonly string[]): { user: number; t: number }[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const rows: { user: number; t: number }[] = [];
  const pool = users ? events.filter((e) => users.includes(e.entity)) : events;
  for (let i = 0; i < n; i++) {
    const e = pick(pool);
    const kind = r();
    const user = r() < 0.8 ? Number(e.entity) : Math.floor(r() * 10);
    let t: number;
    if (kind < 0.35) t = e.eventTimeUs + pick([0, 0, 1, -1]);
    else if (kind < 0.6) {
      const b = pick([1e6, 60e6, 120e6, 900e6]);
      t = e.eventTimeUs - (e.eventTimeUs % b) + pick([0, 0, 1, -1]) + pick([0, b, 10 * b]);
    } else if (kind < 0.75) t = e.createdUs + pick([0, 1, -1]);
    else t = START_US - 3600e6 + Math.floor(r() * (SPAN_US + 7200e6));
    rows.push({ user, t });
  }
  return rows;
}

async function historical(rows: { user: number; t: number }[], options: Partial<PitOptions>) {
  const store = createOfflineStore({ repoPath: repo.path, outputDir: join(repo.path, "out"), duckdb: db });
  const refs = [...spend.features.map((f) => `spend:${f.name}`), "profile:tier", "ratio:avg_10m"];
  const query: HistoricalQuery = {
    snapshot,
    selection: { kind: "features", refs },
    entities: {
      kind: "inline",
      columns: {
        user_id: column(
          "int64Val",
          rows.map((r) => r.user),
        ),
      },
      timestamps: rows.map((r) => ({
        seconds: BigInt(Math.floor(r.t / 1e6)),
        nanos: (((r.t % 1e6) + 1e6) % 1e6) * 1000,
      })),
    },
    fullFeatureNames: false,
    options: {
      strict: false,
      dropUnmatched: false,
      excludeCreatedAfter: false,
      includeFeatureTimestamps: true,
      ...options,
    },
  };
  const out: Record<string, unknown>[] = [];
  let summary: { violations: number } | undefined;
  for await (const ev of store.streamHistorical(query, 200)) {
    if (ev.kind === "batch") out.push(...rowsOfBatch(ev.encoded));
    if (ev.kind === "summary") summary = ev.result;
  }
  expect(summary?.violations).toBe(0);
  return out;
}

function compare(
  rows: { user: number; t: number }[],
  got: Record<string, unknown>[],
  visible: OracleEvent[][],
) {
  expect(got).toHaveLength(rows.length);
  const mismatches: string[] = [];
  rows.forEach((row, i) => {
    const out = got[i] as Record<string, unknown>;
    const known = visible[i] as OracleEvent[];
    spend.features.forEach((f, j) => {
      const agg = spend.aggregations?.[j];
      if (!agg) throw new Error("no aggregation");
      const want = oracleValue(agg, known, String(row.user), row.t);
      const value = out[f.name];
      const norm = value === null ? null : Number(value);
      if (f.dtype === ValueType.INT64 && value !== null) expect(typeof value).toBe("bigint");
      if (norm !== want && mismatches.length < 10) {
        mismatches.push(`row ${i} user ${row.user} t ${row.t}: ${f.name} got ${value} want ${want}`);
      }
    });
    // Every user's profile row is at START_US - 1.
    expect(out.tier).toBe(row.t >= START_US - 1 ? BigInt(row.user * 10) : null);
    const sum = oracleValue(spend.aggregations?.[7] as never, known, String(row.user), row.t) as number;
    const count = oracleValue(spend.aggregations?.[6] as never, known, String(row.user), row.t) as number;
    expect(out.avg_10m).toBe(sum / Math.max(1, count));
    // The view's timestamp: its latest event over all windows, never after the row.
    const latest = out.spend__event_timestamp;
    if (latest !== null) expect(Number(latest)).toBeLessThanOrEqual(row.t);
  });
  expect(mismatches).toEqual([]);
}

describe("stream feature views in GetHistoricalFeatures agree with the oracle", () => {
  it("every function and window, at random row times", async () => {
    const rows = entityRows(1);
    const got = await historical(rows, {});
    compare(
      rows,
      got,
      rows.map(() => events),
    );
    // The test is not vacuous: many windows hold events, many are empty.
    const counts = got.map((r) => Number(r.amount_count_10m));
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(100);
    expect(counts.filter((c) => c === 0).length).toBeGreaterThan(20);
  });

  it("many rows of few users (the window-frame plan rather than the range join)", async () => {
    const rows = entityRows(3, 1500, ["1", "2"]);
    const got = await historical(rows, {});
    compare(
      rows,
      got,
      rows.map(() => events),
    );
  });

  it("with exclude_created_after, only the events ingested by the row's time", async () => {
    const rows = entityRows(2);
    const got = await historical(rows, { excludeCreatedAfter: true });
    compare(
      rows,
      got,
      rows.map((row) => events.filter((e) => e.createdUs <= row.t)),
    );
  });
});

describe("Materialize builds a stream view's tiles from its raw events", () => {
  for (const [label, endUs] of [
    ["all of them", START_US + SPAN_US],
    ["those up to a time in the middle", START_US + SPAN_US / 2 + 1],
  ] as const) {
    it(`${label}: values read from the tiles equal the oracle's`, async () => {
      const store = createSqliteOnlineStore({ project: "test", path: join(repo.path, `online-${endUs}.db`) });
      const ctx = {
        config: testConfig(repo.path),
        registry: createMemoryRegistry("test", defs),
        onlineStore: store,
        duckdb: () => db,
      };
      const end = new Date(endUs / 1000);
      // Materialized times are whole milliseconds.
      const known = events.filter((e) => e.eventTimeUs <= end.getTime() * 1000);
      for await (const ev of materialize(ctx, {
        start: new Date(START_US / 1000 - 86_400_000),
        end,
        incremental: false,
        views: ["spend"],
        batchSize: 3,
      })) {
        if (ev.kind === "summary")
          expect(ev.views[0]?.entitiesWritten).toBe(new Set(known.map((e) => e.entity)).size);
      }
      const layout = tileLayoutOf(spend);
      const r = seededRandom(5);
      const mismatches: string[] = [];
      for (let user = 0; user < 10; user++) {
        const [tiles] = await readEntityTiles(store, spend, [[BigInt(user)]]);
        const own = known.filter((e) => e.entity === String(user));
        if (own.length === 0) {
          expect(tiles).toBeUndefined();
          continue;
        }
        const newest = Math.max(...own.map((e) => e.eventTimeUs));
        expect(tiles?.newestUs).toBe(newest);
        // At and after the entity's newest event (what tiles serve): on it, on boundaries, anywhere.
        const times = [newest, newest + 1, end.getTime() * 1000];
        for (const b of [60e6, 120e6, 900e6])
          times.push(newest - (newest % b) + b, newest - (newest % b) + 2 * b);
        for (let i = 0; i < 30; i++) times.push(newest + Math.floor(r() * 2 * 3600e6));
        for (const t of times) {
          const got = valuesAt(layout, tiles, t);
          spend.aggregations?.forEach((agg, j) => {
            const want = oracleValue(agg, own, String(user), t);
            if (got[j] !== want && mismatches.length < 10) {
              mismatches.push(`user ${user} t ${t} ${agg.name}: tiles ${got[j]} oracle ${want}`);
            }
          });
        }
      }
      expect(mismatches).toEqual([]);
      await store.close();
    });
  }
});

describe("ValidateConsistency of a stream view: online tiles against offline aggregates at the same time", () => {
  it("materialized tiles agree for every aggregate; a changed tile is a mismatch, a missing one missing online", async () => {
    const store = createSqliteOnlineStore({
      project: "test",
      path: join(repo.path, "online-consistency.db"),
    });
    const registry = createMemoryRegistry("test", defs);
    const end = new Date((START_US + SPAN_US) / 1000);
    for await (const _ of materialize(
      { config: testConfig(repo.path), registry, onlineStore: store, duckdb: () => db },
      { start: new Date(START_US / 1000 - 86_400_000), end, incremental: false, views: ["spend"] },
    )) {
      // progress events
    }
    const ctx = {
      repoPath: repo.path,
      snapshot,
      registry,
      onlineStore: store,
      connect: async () => (await db).connect(),
    };
    const validate = (sampleFrom: "online" | "offline") =>
      validateConsistency(ctx, { featureViews: ["spend"], sampleFrom, options: { sampleSize: 100 } });
    const entities = new Set(events.map((e) => e.entity)).size;
    for (const from of ["online", "offline"] as const) {
      const report = await validate(from);
      expect(report.passed).toBe(true);
      expect(report.entitiesChecked).toBe(entities);
      expect(report.features.map((f) => f.feature)).toEqual(spend.features.map((f) => f.name));
      for (const f of report.features) {
        expect([f.feature, f.compared, f.equal, f.mismatched]).toEqual([f.feature, entities, entities, 0]);
      }
    }

    // Tiles gone: every entity is missing online.
    const [tiles] = await readEntityTiles(store, spend, [[3n]]);
    if (!tiles) throw new Error("no tiles for user 3");
    await store.deleteView(spend);
    const gone = await validate("offline");
    expect(gone.passed).toBe(false);
    for (const f of gone.features) expect(f.missingOnline).toBe(entities);
    // One entity's newest 1-minute tile (the 10-minute windows' series) counts one event too many.
    const series = tileLayoutOf(spend).series.findIndex((s) => s.slideUs === 60e6);
    const newestTile = tiles.series[series]?.at(-1) as Float64Array;
    newestTile[1] = (newestTile[1] as number) + 1;
    await writeEntityTiles(store, spend, [{ entityKey: [3n], tiles }]);
    const one = await validateConsistency(ctx, {
      featureViews: ["spend"],
      sampleFrom: "online",
      options: { sampleSize: 100 },
    });
    const count10m = one.features.find((f) => f.feature === "amount_count_10m");
    expect([count10m?.compared, count10m?.mismatched]).toEqual([1, 1]);
    expect(count10m?.examples[0]?.entityKey[0]?.value).toBe(3n);
    const sum1h = one.features.find((f) => f.feature === "amount_sum_1h");
    expect([sum1h?.compared, sum1h?.equal]).toEqual([1, 1]);
    await store.close();
  });
});

describe("apply of a new stream view over existing raw events", () => {
  it("builds its online tiles, so its values are right before its first live event", async () => {
    const fresh = createTempRepo();
    try {
      fresh.write("defs.ts", DEFS);
      const nowUs = Date.now() * 1000;
      const recent = randomStreamEvents({
        seed: 17,
        entities: 9,
        events: 1500,
        startUs: nowUs - SPAN_US,
        spanUs: SPAN_US - 1_000_000,
        boundariesUs: [1e6, 60e6, 900e6],
        columns: ["amount", "items"],
      }).map((e) => ({
        ...e,
        values: { amount: e.values.amount as number, items: (e.values.items as number) * 4 },
      }));
      mkdirSync(join(fresh.path, "data", "tx_raw"), { recursive: true });
      const instance = await db;
      await writeParquet(
        instance,
        join(fresh.path, "data/tx_raw/part-0.parquet"),
        [
          { name: "user_id", type: "BIGINT" },
          { name: "amount", type: "DOUBLE" },
          { name: "items", type: "BIGINT" },
          { name: "ts", type: "TIMESTAMPTZ" },
          { name: "created", type: "TIMESTAMPTZ" },
        ],
        recent.map((e) => [
          BigInt(e.entity),
          e.values.amount as number,
          BigInt(e.values.items as number),
          ts(e.eventTimeUs),
          ts(e.createdUs),
        ]),
      );
      await writeParquet(
        instance,
        join(fresh.path, "data/profiles.parquet"),
        [
          { name: "user_id", type: "BIGINT" },
          { name: "ts", type: "TIMESTAMPTZ" },
          { name: "tier", type: "BIGINT" },
        ],
        [[1n, ts(nowUs - SPAN_US), 10n]],
      );
      const applied = await applyRepo(fresh.path, {});
      expect(applied.backfilledStreamViews).toEqual(["spend"]);
      const atUs = Date.now() * 1000;
      const store = createSqliteOnlineStore({
        project: "test_project",
        path: join(fresh.path, "data/online_store.db"),
      });
      const view = applied.definitions.featureViews.find((v) => v.name === "spend") as FeatureViewDef;
      const layout = tileLayoutOf(view);
      const mismatches: string[] = [];
      let nonEmpty = 0;
      for (let user = 0; user < 10; user++) {
        const [tiles] = await readEntityTiles(store, view, [[BigInt(user)]]);
        const got = valuesAt(layout, tiles, atUs);
        view.aggregations?.forEach((agg, j) => {
          const want = oracleValue(agg, recent, String(user), atUs);
          if (agg.function === "count" && (want as number) > 0) nonEmpty++;
          if (got[j] !== want && mismatches.length < 10) {
            mismatches.push(`user ${user} ${agg.name}: tiles ${got[j]} oracle ${want}`);
          }
        });
      }
      expect(mismatches).toEqual([]);
      expect(nonEmpty).toBeGreaterThan(10);
      await store.close();
    } finally {
      fresh.cleanup();
    }
  });
});

describe("over gRPC: GetHistoricalFeatures, then Materialize and GetOnlineFeatures from the tiles", () => {
  it("both agree with the oracle (online at injected request times after each entity's newest event)", async () => {
    let nowMs = 0;
    const config = testConfig(repo.path, {
      online_store: { type: "sqlite", path: "data/online-grpc.db" },
      streaming: { ingest_in_serve: false },
    });
    const t = await startTestServer({
      config,
      registry: createMemoryRegistry("test_project", defs),
      clock: () => nowMs,
    });
    try {
      // Historical: row times in whole milliseconds (what the client sends).
      const rows = entityRows(4, 300).map((r) => ({ user: r.user, t: Math.floor(r.t / 1000) * 1000 }));
      const set = await t.client.getHistoricalFeatures({
        features: [...spend.features.map((f) => `spend:${f.name}`), "profile:tier"],
        entityRows: {
          columns: { user_id: rows.map((r) => BigInt(r.user)) },
          eventTimestamps: rows.map((r) => new Date(r.t / 1000)),
        },
      });
      expect(set.summary.leakageViolations).toBe(0);
      const mismatches: string[] = [];
      rows.forEach((row, i) => {
        spend.features.forEach((f, j) => {
          const agg = spend.aggregations?.[j];
          if (!agg) return;
          const want = oracleValue(agg, events, String(row.user), row.t);
          const value = set.columns[f.name]?.[i] ?? null;
          if ((value === null ? null : Number(value)) !== want && mismatches.length < 10) {
            mismatches.push(`row ${i} user ${row.user} t ${row.t}: ${f.name} got ${value} want ${want}`);
          }
        });
      });
      expect(mismatches).toEqual([]);

      // Materialize every event, then read online at times at and after the newest event.
      const end = new Date((START_US + SPAN_US) / 1000);
      for await (const _ of t.client.materialize({
        start: new Date(START_US / 1000 - 86_400_000),
        end,
        featureViews: ["spend"],
      })) {
        // progress
      }
      const newest = Math.max(...events.map((e) => e.eventTimeUs));
      const users = Array.from({ length: 10 }, (_, u) => BigInt(u));
      for (const atMs of [
        Math.ceil(newest / 1000),
        end.getTime(),
        end.getTime() + 60_000,
        end.getTime() + 3_600_000,
      ]) {
        nowMs = atMs;
        const res = await t.client.getOnlineFeatures({
          features: spend.features.map((f) => `spend:${f.name}`),
          entities: { user_id: users },
        });
        res.rows.forEach((row, u) => {
          spend.features.forEach((f, j) => {
            const agg = spend.aggregations?.[j];
            if (!agg) return;
            const want = oracleValue(agg, events, String(u), atMs * 1000);
            const value = row[f.name] ?? null;
            if ((value === null ? null : Number(value)) !== want && mismatches.length < 10) {
              mismatches.push(`online at ${atMs} user ${u}: ${f.name} got ${value} want ${want}`);
            }
          });
        });
      }
      expect(mismatches).toEqual([]);
    } finally {
      await t.shutdown();
    }
  });
});

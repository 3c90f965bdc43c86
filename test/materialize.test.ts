/**
 * Materialization end to end on real Parquet (written by DuckDB from rows
 * generated in TypeScript), a real SQLite registry and each online store:
 * online values equal a brute-force oracle of the latest offline rows.
 */
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoConfig } from "../src/config/types.js";
import { Code } from "../src/errors/index.js";
import type { MaterializeContext, MaterializeEvent, MaterializeRequest } from "../src/materialize/index.js";
import { materialize } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import type { OnlineStore } from "../src/online/online-store.js";
import { openRegistry } from "../src/registry/index.js";
import type { FeatureViewDef, PushSourceDef } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import {
  type DriverRow,
  definitions,
  driverSource,
  driverView,
  expectedValues,
  generateRows,
  HOUR,
  oracleLatest,
  readDrivers,
  T0,
  tempRepo,
  writeDriverParquet,
} from "./materialize-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";

interface StoreCase {
  name: string;
  open: (config: RepoConfig) => Promise<OnlineStore>;
}

let redis: StartedRedis | undefined;

const storeCases: StoreCase[] = [
  { name: "sqlite", open: async (config) => createOnlineStore(config) },
  {
    name: "redis",
    open: async (config) => {
      redis ??= await startRedis();
      return createOnlineStore({
        ...config,
        onlineStore: {
          type: "redis",
          connectionString: redis.connectionString,
          redisType: "redis",
          keyTtlSeconds: null,
          layout: "packed",
        },
      });
    },
  },
];

let db: DuckDBInstance;
beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "512MB" });
});
afterAll(async () => {
  db?.closeSync();
  await redis?.close();
});

async function run(ctx: MaterializeContext, req: MaterializeRequest): Promise<MaterializeEvent[]> {
  const events: MaterializeEvent[] = [];
  for await (const ev of materialize(ctx, req)) events.push(ev);
  return events;
}

function summaryOf(events: MaterializeEvent[]) {
  const last = events.at(-1);
  if (last?.kind !== "summary") throw new Error("no summary");
  return last;
}

function countInWindow(files: DriverRow[][], start: number, end: number): number {
  return files.flat().filter((r) => r.event_ts.getTime() >= start && r.event_ts.getTime() <= end).length;
}

async function expectOnlineEqualsOracle(
  store: OnlineStore,
  view: FeatureViewDef,
  oracle: Map<bigint, DriverRow>,
  allIds: bigint[],
): Promise<void> {
  const got = await readDrivers(store, view, allIds);
  let present = 0;
  for (const id of allIds) {
    const want = oracle.get(id);
    const row = got.get(id);
    if (!want) {
      expect(row, `driver ${id} should not be online`).toBeUndefined();
      continue;
    }
    present++;
    expect(row, `driver ${id} should be online`).toBeDefined();
    expect(row?.eventTimeUs, `driver ${id} event time`).toBe(want.event_ts.getTime() * 1000);
    const values = ["conv_rate", "trips", "name", "active", "tags"].map((f) => row?.values.get(f));
    expect(values, `driver ${id} values`).toEqual(expectedValues(want));
  }
  expect(present).toBe(oracle.size);
}

describe.each(storeCases)("materialize on $name", (sc) => {
  let config: RepoConfig;
  let registry: Registry;
  let store: OnlineStore;
  let ctx: MaterializeContext;
  const files: DriverRow[][] = [];
  const ENTITIES = 300;
  const allIds = Array.from({ length: ENTITIES + 5 }, (_, i) => BigInt(1000 + i));
  let view: FeatureViewDef;
  let ttlView: FeatureViewDef;
  let pushView: FeatureViewDef;

  beforeAll(async () => {
    config = tempRepo();
    const folder = join(config.repoPath, "data", "drivers");
    // Three files; the third repeats some rows of the first exactly (full ties broken by file order).
    files.push(generateRows(1, 3000, ENTITIES, 0, 48));
    files.push(generateRows(2, 3000, ENTITIES, 0, 48));
    const dups = (files[0] as DriverRow[]).slice(0, 200).map((r) => ({ ...r, trips_src: -1n, name: "dup" }));
    files.push([...generateRows(3, 1000, ENTITIES, 0, 48), ...dups]);
    for (const [i, rows] of files.entries())
      await writeDriverParquet(db, join(folder, `part-${i}.parquet`), rows);
    view = driverView(driverSource("data/drivers"));
    ttlView = driverView(driverSource("data/drivers", "driver_ttl_source"), 5 * 3600, "driver_ttl");
    const push: PushSourceDef = {
      kind: "push",
      name: "driver_push",
      batchSource: driverSource("data/pushed", "driver_pushed_source"),
      description: "",
      tags: {},
      owner: "",
    };
    pushView = driverView(push, 0, "driver_pushed");
    const offline = {
      ...driverView(driverSource("data/drivers", "driver_offline_source"), 0, "driver_offline"),
      online: false,
    };
    registry = await openRegistry(config);
    await registry.apply(definitions([view, ttlView, pushView, offline]));
    store = await sc.open(config);
    ctx = { config, registry, onlineStore: store, duckdb: async () => db };
  });
  afterAll(async () => {
    await store?.close();
    registry?.close();
  });

  it("rejects unknown views, views not online, and start after end, writing nothing", async () => {
    const end = new Date(T0 + 48 * HOUR);
    await expect(
      run(ctx, { start: new Date(T0), end, incremental: false, views: ["nope"] }),
    ).rejects.toMatchObject({
      code: Code.NotFound,
      message: expect.stringContaining('"nope"'),
    });
    await expect(
      run(ctx, { start: new Date(T0), end, incremental: false, views: ["driver_offline"] }),
    ).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
    await expect(
      run(ctx, { start: end, end: new Date(T0), incremental: false, views: ["driver_stats"] }),
    ).rejects.toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining("after end time"),
    });
    expect(await registry.materializationIntervals("driver_stats")).toEqual([]);
    expect((await readDrivers(store, view, allIds)).size).toBe(allIds.length);
    expect([...(await readDrivers(store, view, allIds)).values()].every((r) => r === undefined)).toBe(true);
  });

  it("an older window never overwrites a newer one; online equals the latest offline row of both windows", async () => {
    const mid = T0 + 30 * HOUR;
    const end = T0 + 47 * HOUR;
    const newer = await run(ctx, {
      start: new Date(mid),
      end: new Date(end),
      incremental: false,
      views: ["driver_stats"],
    });
    await expectOnlineEqualsOracle(store, view, oracleLatest(files, mid, end), allIds);
    const s1 = summaryOf(newer).views[0];
    expect(s1?.rowsRead).toBe(countInWindow(files, mid, end));
    expect(s1?.entitiesWritten).toBe(oracleLatest(files, mid, end).size);

    await run(ctx, {
      start: new Date(T0),
      end: new Date(mid - 1),
      incremental: false,
      views: ["driver_stats"],
    });
    await expectOnlineEqualsOracle(store, view, oracleLatest(files, T0, end), allIds);

    const intervals = (await registry.materializationIntervals("driver_stats")).map((i) => [
      i.start.getTime(),
      i.end.getTime(),
    ]);
    expect(intervals).toEqual(
      expect.arrayContaining([
        [mid, end],
        [T0, mid - 1],
      ]),
    );
    const lastRun = await registry.lastMaterializationRun("driver_stats");
    expect(lastRun).toMatchObject({
      outcome: "succeeded",
      scheduled: false,
      rowsRead: countInWindow(files, T0, mid - 1),
    });
  });

  it("streams progress per view and ends with a summary; batches stay bounded", async () => {
    const sizes: number[] = [];
    const counting: OnlineStore = {
      ...store,
      type: store.type,
      write: (v, batch) => {
        sizes.push(batch.count);
        return store.write(v, batch);
      },
      read: (l, s) => store.read(l, s),
    };
    const events = await run(
      { ...ctx, onlineStore: counting },
      {
        start: new Date(T0),
        end: new Date(T0 + 48 * HOUR),
        incremental: false,
        views: ["driver_stats"],
        batchSize: 100,
        progressIntervalMs: 0,
      },
    );
    const progress = events
      .filter((e) => e.kind === "progress")
      .map((e) => (e.kind === "progress" ? e.progress : undefined));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)?.done).toBe(true);
    expect(progress.slice(0, -1).every((p) => !p?.done)).toBe(true);
    // Counts only grow.
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.rowsRead).toBeGreaterThanOrEqual(progress[i - 1]?.rowsRead as number);
    }
    expect(progress.at(-1)?.rowsRead).toBe(countInWindow(files, T0, T0 + 48 * HOUR));
    // A batch is at most batchSize plus one DuckDB chunk (2,048 rows).
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100 + 2048);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(oracleLatest(files, T0, T0 + 48 * HOUR).size);
    expect(summaryOf(events).views).toHaveLength(1);
  });

  it("incremental without intervals starts at end - ttl, and twice covers the gap exactly", async () => {
    const end1 = T0 + 20 * HOUR;
    await run(ctx, { end: new Date(end1), incremental: true, views: ["driver_ttl"] });
    const ttlStart = end1 - 5 * HOUR;
    await expectOnlineEqualsOracle(store, ttlView, oracleLatest(files, ttlStart, end1), allIds);
    const end2 = T0 + 33 * HOUR;
    const events = await run(ctx, { end: new Date(end2), incremental: true, views: ["driver_ttl"] });
    const intervals = (await registry.materializationIntervals("driver_ttl")).map((i) => [
      i.start.getTime(),
      i.end.getTime(),
    ]);
    expect(intervals).toEqual([
      [ttlStart, end1],
      [end1, end2],
    ]);
    const p = summaryOf(events).views[0];
    expect(p?.start.getTime()).toBe(end1);
    expect(p?.rowsRead).toBe(countInWindow(files, end1, end2));
    // Every row of the gap landed: online is the latest over the union of both windows.
    await expectOnlineEqualsOracle(store, ttlView, oracleLatest(files, ttlStart, end2), allIds);
    // An incremental end before the last interval's end has nothing to do.
    const again = await run(ctx, { end: new Date(end1), incremental: true, views: ["driver_ttl"] });
    expect(summaryOf(again).views[0]).toMatchObject({ skipped: true, entitiesWritten: 0 });
    expect((await registry.lastMaterializationRun("driver_ttl"))?.outcome).toBe("skipped");
    expect(await registry.materializationIntervals("driver_ttl")).toHaveLength(2);
    // Nor does one ending at the last interval's end (a scheduled slot that already ran, taken over
    // from a server that died after its run but before releasing the lease): no second interval.
    const same = await run(ctx, { end: new Date(end2), incremental: true, views: ["driver_ttl"] });
    expect(summaryOf(same).views[0]).toMatchObject({ skipped: true, entitiesWritten: 0, rowsRead: 0 });
    expect(await registry.materializationIntervals("driver_ttl")).toHaveLength(2);
  });

  it("ttl 0 incremental reaches back 365 days; a push source without files yet materializes nothing", async () => {
    const end = new Date(T0 + 48 * HOUR);
    const events = await run(ctx, { end, incremental: true });
    const byView = new Map(summaryOf(events).views.map((v) => [v.featureView, v]));
    expect([...byView.keys()].sort()).toEqual(["driver_pushed", "driver_stats", "driver_ttl"]);
    expect(byView.get("driver_pushed")).toMatchObject({ rowsRead: 0, entitiesWritten: 0 });
    expect(byView.get("driver_pushed")?.start.getTime()).toBe(end.getTime() - 365 * 24 * HOUR);
    expect((await registry.lastMaterializationRun("driver_pushed"))?.outcome).toBe("succeeded");
    await expectOnlineEqualsOracle(store, view, oracleLatest(files, T0, end.getTime()), allIds);
  });
});

describe("materialize while Redis is down", () => {
  it("fails UNAVAILABLE, records a failed run and no interval, and a rerun after recovery converges", async () => {
    const own = await startRedis();
    const config = tempRepo({ redis: own.connectionString });
    const rows = generateRows(7, 2000, 100);
    await writeDriverParquet(db, join(config.repoPath, "data", "drivers", "part-0.parquet"), rows);
    const view = driverView(driverSource("data/drivers"));
    const registry = await openRegistry(config);
    await registry.apply(definitions([view]));
    const store = createOnlineStore(config);
    const ctx: MaterializeContext = { config, registry, onlineStore: store, duckdb: async () => db };
    const req: MaterializeRequest = {
      start: new Date(T0),
      end: new Date(T0 + 48 * HOUR),
      incremental: false,
    };
    try {
      await own.stop();
      const started = Date.now();
      await expect(run(ctx, req)).rejects.toMatchObject({ code: Code.Unavailable });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await registry.lastMaterializationRun("driver_stats")).toMatchObject({
        outcome: "failed",
        error: expect.any(String),
      });
      expect(await registry.materializationIntervals("driver_stats")).toEqual([]);

      await own.start();
      const until = Date.now() + 15_000;
      let events: MaterializeEvent[] | undefined;
      while (!events && Date.now() < until) {
        events = await run(ctx, req).catch(() => undefined);
        if (!events) await new Promise((r) => setTimeout(r, 200));
      }
      expect(events && summaryOf(events).views[0]?.entitiesWritten).toBe(100);
      expect(await registry.materializationIntervals("driver_stats")).toHaveLength(1);
      await expectOnlineEqualsOracle(store, view, oracleLatest([rows], T0, T0 + 48 * HOUR), [
        ...oracleLatest([rows], T0, T0 + 48 * HOUR).keys(),
      ]);
    } finally {
      await store.close();
      await registry.close();
      await own.close();
    }
  }, 60_000);
});

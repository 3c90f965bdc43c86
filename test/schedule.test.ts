/**
 * Scheduled incremental materialization with node-cron at a seconds
 * schedule: it fires, and instances sharing one online store (two schedule
 * instances on one SQLite file or one redis-server; two real servers) run
 * each fire once. The last run shows through GetFeatureView.
 */
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoConfig } from "../src/config/types.js";
import type { MaterializeContext, ScheduledFire } from "../src/materialize/index.js";
import { startMaterializationSchedule } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import type { OnlineStore } from "../src/online/online-store.js";
import { openRegistry } from "../src/registry/index.js";
import type { Registry } from "../src/registry/registry.js";
import {
  definitions,
  driverSource,
  driverView,
  generateRows,
  HOUR,
  readDrivers,
  T0,
  tempRepo,
  writeDriverParquet,
} from "./materialize-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";
import { startTestServer } from "./support/server.js";

const EVERY_2S = "*/2 * * * * *";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: DuckDBInstance;
let redis: StartedRedis | undefined;
beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
});
afterAll(async () => {
  db?.closeSync();
  await redis?.close();
});

/** A repo with 500 driver rows over 50 drivers, all in the last two days. */
async function setup(online?: { redis: string }): Promise<{ config: RepoConfig; registry: Registry }> {
  const config = tempRepo(online);
  // Shifted to the last two days: a first incremental run (ttl 0) reaches back 365 days.
  const shift = Math.floor((Date.now() - 49 * HOUR - T0) / HOUR) * HOUR;
  const rows = generateRows(5, 500, 50).map((r) => ({
    ...r,
    event_ts: new Date(r.event_ts.getTime() + shift),
    created: new Date(r.created.getTime() + shift),
  }));
  await writeDriverParquet(db, join(config.repoPath, "data", "drivers", "part-0.parquet"), rows);
  const registry = await openRegistry(config);
  await registry.apply(definitions([driverView(driverSource("data/drivers"))]));
  return { config, registry };
}

/** What each instance did, per scheduled slot. */
function bySlot(fires: ScheduledFire[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const f of fires) {
    const list = out.get(f.slot.getTime()) ?? [];
    list.push(f.outcome);
    out.set(f.slot.getTime(), list);
  }
  return out;
}

describe.each([{ store: "sqlite" as const }, { store: "redis" as const }])(
  "schedule on $store",
  ({ store: kind }) => {
    it("fires every 2 s, and two instances sharing the store run each fire once", async () => {
      if (kind === "redis") redis ??= await startRedis();
      const { config, registry } = await setup(
        kind === "redis" ? { redis: (redis as StartedRedis).connectionString } : undefined,
      );
      // Two "servers": separate store connections to the same SQLite file / redis-server.
      const stores: OnlineStore[] = [createOnlineStore(config), createOnlineStore(config)];
      const fires: ScheduledFire[] = [];
      const stops = stores.map((store) =>
        startMaterializationSchedule({
          cron: EVERY_2S,
          context: (): MaterializeContext => ({
            config,
            registry,
            onlineStore: store,
            duckdb: async () => db,
          }),
          onFire: (f) => fires.push(f),
          // A short lease, so an instance waiting on the other's run asks again every 300 ms.
          leaseTtlMs: 900,
        }),
      );
      try {
        await sleep(6500);
      } finally {
        for (const stop of stops) await stop();
      }
      // Stopping cancels a fire in progress (it records a failed run and no interval), or ends an
      // instance's wait for the other's run ("stopped"); only the last slot can be either.
      const lastSlot = Math.max(...fires.map((f) => f.slot.getTime()));
      const cancelled = fires.filter((f) => f.outcome === "failed");
      for (const f of fires.filter((f) => f.outcome === "failed" || f.outcome === "stopped")) {
        expect(f.slot.getTime(), JSON.stringify(fires)).toBe(lastSlot);
        if (f.outcome === "failed") expect(f.error).toMatch(/cancelled|stopped/);
      }
      const slots = bySlot(
        fires.filter(
          (f) => f.outcome !== "stopped" && (f.slot.getTime() !== lastSlot || cancelled.length === 0),
        ),
      );
      expect(slots.size, JSON.stringify(fires)).toBeGreaterThanOrEqual(2);
      for (const [slot, outcomes] of slots) {
        expect(new Date(slot).getUTCSeconds() % 2, "fires on even seconds").toBe(0);
        // Exactly one instance ran each fire; the other (when its timer was not skipped as late) found it taken.
        expect(
          outcomes.filter((o) => o === "ran"),
          `slot ${new Date(slot).toISOString()}: ${outcomes}`,
        ).toEqual(["ran"]);
        expect(
          outcomes.every((o) => o === "ran" || o === "elsewhere"),
          JSON.stringify(fires),
        ).toBe(true);
      }
      expect(
        [...slots.values()].some((o) => o.length === 2),
        "both instances fired at least once",
      ).toBe(true);
      // One interval per fire, contiguous, each ending at its slot.
      const intervals = await registry.materializationIntervals("driver_stats");
      expect(intervals.map((i) => i.end.getTime()).sort()).toEqual([...slots.keys()].sort());
      for (let i = 1; i < intervals.length; i++) {
        expect(intervals[i]?.start.getTime()).toBe(intervals[i - 1]?.end.getTime());
      }
      const first = fires.find((f) => f.outcome === "ran");
      expect(first?.entitiesWritten).toBe(50);
      expect(await registry.lastMaterializationRun("driver_stats")).toMatchObject({
        outcome: cancelled.length > 0 ? "failed" : "succeeded",
        scheduled: true,
      });
      const online = await readDrivers(stores[0] as OnlineStore, driverView(driverSource("data/drivers")), [
        1000n,
        1049n,
      ]);
      expect([...online.values()].every((r) => r !== undefined)).toBe(true);
      for (const s of stores) await s.close();
      await registry.close();
    }, 30_000);
  },
);

describe("schedule inside two real servers", () => {
  it("runs each fire once across both servers and shows the last run in GetFeatureView", async () => {
    const { config, registry } = await setup();
    await registry.close();
    const scheduled: RepoConfig = { ...config, materialization: { schedule: EVERY_2S } };
    // Each server opens the registry and the online store from the config, like two deployments.
    const a = await startTestServer({ config: scheduled });
    const b = await startTestServer({ config: scheduled });
    try {
      await sleep(5500);
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
    const check = await openRegistry(config);
    try {
      const intervals = await check.materializationIntervals("driver_stats");
      const ends = intervals.map((i) => i.end.getTime());
      expect(intervals.length).toBeGreaterThanOrEqual(2);
      // A fire run twice would record a second [slot, slot] interval with the same end.
      expect(new Set(ends).size).toBe(ends.length);
      for (const e of ends) expect(new Date(e).getUTCSeconds() % 2).toBe(0);
    } finally {
      await check.close();
    }
    const c = await startTestServer({ config });
    try {
      const view = await c.client.getFeatureView("driver_stats");
      // The last fire either succeeded (nothing new: rows read 0) or was cancelled by the shutdown.
      expect(view.lastRun?.scheduled).toBe(true);
      if (view.lastRun?.outcome === "failed") expect(view.lastRun.error).toMatch(/cancelled|stopped/);
      else expect(view.lastRun).toMatchObject({ outcome: "succeeded", rowsRead: 0, entitiesWritten: 0 });
      expect(view.materializationIntervals.length).toBeGreaterThanOrEqual(2);
    } finally {
      await c.shutdown();
    }
  }, 40_000);
});

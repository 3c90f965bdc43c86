/**
 * The schedule's lease in the registry: a server that dies while holding it
 * (simulated by a holder that never renews) stops blocking the others after
 * one lease ttl; the next server takes the run over, and the dead run is
 * recorded as abandoned, visible in GetFeatureView.
 */
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MaterializeContext, ScheduledFire } from "../src/materialize/index.js";
import { SCHEDULE_LEASE, startMaterializationSchedule } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import { openRegistry } from "../src/registry/index.js";
import {
  definitions,
  driverSource,
  driverView,
  generateRows,
  HOUR,
  T0,
  tempRepo,
  writeDriverParquet,
} from "./materialize-fixtures.js";
import { startTestServer } from "./support/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: DuckDBInstance;
beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
});
afterAll(() => {
  db?.closeSync();
});

async function setup() {
  const config = tempRepo();
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

describe("registry leases", () => {
  it("a dead holder's lease is taken over after its ttl, and its run recorded as abandoned", async () => {
    const { config, registry } = await setup();
    const other = await openRegistry(config);
    try {
      const slotMs = Math.floor(Date.now() / 1000) * 1000;
      const req = { name: SCHEDULE_LEASE, slotMs, ttlMs: 400 };
      expect(await registry.acquireLease({ ...req, holder: "dead-server" })).toEqual({
        kind: "grant",
        abandonedRuns: [],
      });
      // Another process sharing the file: held while the ttl runs.
      expect(await other.acquireLease({ ...req, holder: "b" })).toMatchObject({
        kind: "held",
        holder: "dead-server",
      });
      await sleep(500);
      const taken = await other.acquireLease({ ...req, holder: "b" });
      expect(taken.kind).toBe("grant");
      if (taken.kind !== "grant") return;
      expect(taken.abandonedRuns).toHaveLength(1);
      expect(taken.abandonedRuns[0]?.error).toMatch(
        /abandoned: the scheduled run of .* by dead-server stopped renewing/,
      );
      // The dead holder cannot renew any more; the new holder can, then finishes the slot.
      expect(await registry.renewLease(SCHEDULE_LEASE, "dead-server", 400)).toBe(false);
      expect(await other.renewLease(SCHEDULE_LEASE, "b", 400)).toBe(true);
      expect(await registry.lastMaterializationRun("driver_stats")).toMatchObject({
        outcome: "abandoned",
        scheduled: true,
      });
      // Shown by GetFeatureView (and by `fstore status`, which reads lastMaterializationRun).
      const server = await startTestServer({ config });
      try {
        const view = await server.client.getFeatureView("driver_stats");
        expect(view.lastRun?.outcome).toBe("abandoned");
        expect(view.lastRun?.error).toMatch(/dead-server/);
      } finally {
        await server.shutdown();
      }
      await other.releaseLease(SCHEDULE_LEASE, "b", true);
      expect(await registry.acquireLease({ ...req, holder: "c" })).toEqual({ kind: "done", holder: "b" });
      // A shutdown mid-run leaves the slot to others at once.
      const next = { ...req, slotMs: slotMs + 1000 };
      expect((await registry.acquireLease({ ...next, holder: "c" })).kind).toBe("grant");
      await registry.releaseLease(SCHEDULE_LEASE, "c", false);
      expect(await other.acquireLease({ ...next, holder: "b" })).toEqual({
        kind: "grant",
        abandonedRuns: [],
      });
    } finally {
      await other.close();
      await registry.close();
    }
  });

  it("a schedule waiting on a dead holder takes its run over within the ttl", async () => {
    const { config, registry } = await setup();
    const store = createOnlineStore(config);
    const fires: ScheduledFire[] = [];
    // A server that took the lease for the coming slots and died: it never renews.
    const slotMs = Math.ceil(Date.now() / 2000) * 2000;
    await registry.acquireLease({
      name: SCHEDULE_LEASE,
      holder: "dead-server",
      slotMs: slotMs + 10_000,
      ttlMs: 1500,
    });
    const stop = startMaterializationSchedule({
      cron: "*/2 * * * * *",
      context: (): MaterializeContext => ({ config, registry, onlineStore: store, duckdb: async () => db }),
      onFire: (f) => fires.push(f),
      leaseTtlMs: 600,
    });
    try {
      for (let waited = 0; waited < 15_000 && !fires.some((f) => f.outcome === "ran"); waited += 100)
        await sleep(100);
    } finally {
      await stop();
      await store.close();
    }
    const ran = fires.find((f) => f.outcome === "ran");
    expect(ran, JSON.stringify(fires)).toBeDefined();
    expect(ran?.tookOverFrom).toMatch(/by dead-server stopped renewing its lease/);
    expect(ran?.entitiesWritten).toBe(50);
    await registry.close();
  }, 30_000);
});

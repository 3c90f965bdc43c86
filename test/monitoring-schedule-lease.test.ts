/**
 * The monitoring schedule under the registry lease: two real servers over
 * one SQLite registry file, each with `monitoring.schedule` every second,
 * check each slot once between them (one runs it, the other finds it done);
 * a server that died holding a slot's lease is taken over after the lease
 * ttl, and the taker checks only the services the dead one had not stored
 * a profile for. No materialization run is recorded for a monitoring lease.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoConfig } from "../src/config/types.js";
import { DEFAULT_THRESHOLDS, openProfileStore, type ProfileStore } from "../src/monitoring/index.js";
import { createOnlineStore, writeOnlineRows } from "../src/online/index.js";
import type { FeatureServiceDef, Registry, RepoDefinitions } from "../src/registry/index.js";
import { openRegistry } from "../src/registry/index.js";
import { serverFeatureLogger } from "../src/server/handlers/online.js";
import { MONITORING_LEASE, type MonitoringFire } from "../src/server/monitoring-schedule.js";
import { featureView, field, ValueType } from "./support/online-fixtures.js";
import { startTestServer, type TestServer, testConfig } from "./support/server.js";

const ENTITIES = 50;
const described = { description: "", tags: {}, owner: "" };
const obs = featureView("obs", [field("id", ValueType.INT64)], [field("x", ValueType.DOUBLE)], 24 * 3600, [
  "thing",
]);
const logged = (name: string): FeatureServiceDef => ({
  ...described,
  name,
  projections: [{ featureView: "obs", features: [] }],
  logging: { sampleRate: 1, destination: { path: name } },
});
const definitions: RepoDefinitions = {
  entities: [{ ...described, name: "thing", joinKeys: ["id"], valueType: ValueType.INT64 }],
  dataSources: [obs.source],
  featureViews: [obs],
  featureServices: [logged("model_a"), logged("model_b")],
  onDemandFeatureViews: [],
};

let repo: string;
let registry: Registry;
let profiles: ProfileStore;
const configOf = (schedule: string | null): RepoConfig =>
  testConfig(repo, {
    online_store: { type: "sqlite", path: "data/online.db" },
    materialization: { schedule: "off" },
    feature_logging: { write_to_disk_interval_secs: 3600 },
    monitoring: { schedule: schedule ?? "off", window_seconds: 3600, lease_ttl_seconds: 3 },
  });

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), "fstore-monitor-lease-"));
  mkdirSync(join(repo, "data"), { recursive: true });
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  await c.run(
    `COPY (SELECT i::BIGINT AS id, (i % 17)::DOUBLE AS x, TIMESTAMP '2026-01-01 00:00:00' AS event_timestamp
       FROM range(${ENTITIES}) r(i)) TO '${join(repo, "data/obs.parquet")}' (FORMAT parquet)`,
  );
  c.closeSync();
  db.closeSync();
  const config = configOf(null);
  registry = await openRegistry(config);
  await registry.apply(definitions);
  const online = createOnlineStore(config);
  for (let i = 0; i < ENTITIES; i++) {
    await writeOnlineRows(online, obs, [
      { entityKey: [BigInt(i)], eventTimeUs: (Date.now() - 60_000) * 1000, values: [i % 17] },
    ]);
  }
  await online.close();
  // Serving logs of both services, and their baselines (the offline rows), from a server without the schedule.
  const t = await startTestServer({ config });
  try {
    for (const service of ["model_a", "model_b"]) {
      await t.client.getOnlineFeatures({
        featureServices: [service],
        entities: { id: Array.from({ length: ENTITIES }, (_, i) => BigInt(i)) },
      });
    }
    await serverFeatureLogger(t.server.deps).rotate();
    profiles = openProfileStore({ project: config.project, registry: config.registry });
    for (const service of ["model_a", "model_b"]) {
      const p = await t.client.getFeatureStatistics({
        source: { source: { case: "featureService", value: service } },
        save: true,
      });
      await profiles.saveBaseline(service, Number(p.id), DEFAULT_THRESHOLDS);
    }
  } finally {
    await t.shutdown();
  }
}, 120_000);

afterAll(async () => {
  await profiles?.close();
  await registry?.close();
  rmSync(repo, { recursive: true, force: true });
});

/** Two servers over the registry file with `schedule`, each fire recorded by server. */
async function twoServers(schedule: string) {
  const fires: { server: number; fire: MonitoringFire }[] = [];
  const servers: TestServer[] = [];
  for (const server of [0, 1]) {
    servers.push(
      await startTestServer({
        config: configOf(schedule),
        start: { onMonitoringFire: (fire) => fires.push({ server, fire }) },
      }),
    );
  }
  return { fires, stop: () => Promise.all(servers.map((s) => s.shutdown())) };
}

const servingProfiles = async (service: string) =>
  profiles.listProfiles({ kind: "serving_log", name: service }, 1000);

describe("the monitoring schedule across servers sharing a registry", () => {
  it("checks each slot once: one server runs it, the other finds it done", async () => {
    const { fires, stop } = await twoServers("* * * * * *");
    const deadline = Date.now() + 20_000;
    // At least four slots run (and seen by both servers), or the deadline.
    const ranSlots = () => new Set(fires.filter((f) => f.fire.outcome === "ran").map((f) => +f.fire.slot));
    while (ranSlots().size < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await stop();

    expect(fires.filter((f) => f.fire.outcome === "failed")).toEqual([]);
    const bySlot = new Map<number, MonitoringFire[]>();
    for (const { fire } of fires) bySlot.set(+fire.slot, [...(bySlot.get(+fire.slot) ?? []), fire]);
    const ran = [...bySlot.entries()].filter(([, f]) => f.some((x) => x.outcome === "ran"));
    expect(ran.length).toBeGreaterThanOrEqual(4);
    for (const [, slotFires] of bySlot) {
      // Never twice; a slot one server ran is "elsewhere" (or stopped by the shutdown) on the other.
      expect(slotFires.filter((f) => f.outcome === "ran").length).toBeLessThanOrEqual(1);
      expect(slotFires.length).toBeLessThanOrEqual(2);
    }
    const elsewhere = fires.filter((f) => f.fire.outcome === "elsewhere");
    expect(elsewhere.length).toBeGreaterThan(0);
    // "elsewhere": the other server ran the slot, or was already running a later one (the slot is over).
    for (const e of elsewhere) expect([...ranSlots()].some((s) => s >= +e.fire.slot)).toBe(true);

    // What was stored says the same: one profile per service per slot it was checked in, the window ending
    // at the slot. A run the shutdown stopped may have checked only the first service.
    for (const service of ["model_a", "model_b"]) {
      const checkedAt = fires
        .filter((f) => f.fire.outcome === "ran" && f.fire.checks.some((c) => c.featureService === service))
        .map((f) => f.fire.slot.toISOString());
      const ends = (await servingProfiles(service)).map((p) => p.window?.end);
      expect(ends.sort()).toEqual(checkedAt.sort());
      for (const p of await servingProfiles(service)) {
        expect(Date.parse(p.window?.end as string) - Date.parse(p.window?.start as string)).toBe(3_600_000);
      }
    }
    const complete = fires.filter((f) => f.fire.outcome === "ran" && f.fire.checks.length === 2);
    expect(complete.length).toBeGreaterThanOrEqual(3);
    for (const { fire } of fires.filter((f) => f.fire.outcome === "ran")) {
      expect(fire.checks.map((c) => [c.featureService, c.verdict])).toEqual(
        [
          ["model_a", "ok"],
          ["model_b", "ok"],
        ].slice(0, fire.checks.length),
      );
    }
  }, 60_000);

  it("takes over a slot whose holder died, checking only what the dead holder had not", async () => {
    // A slot 6 s ahead; the "dead" server took its lease (1 s ttl, never renewed) and had checked model_a.
    const slotMs = (Math.floor(Date.now() / 1000) + 6) * 1000;
    const slot = new Date(slotMs);
    await registry.acquireLease({
      name: MONITORING_LEASE,
      holder: "dead-server",
      slotMs,
      ttlMs: slotMs + 1000 - Date.now(),
      materializationRuns: false,
    });
    const start = new Date(slotMs - 3_600_000);
    const earlier = (await servingProfiles("model_a"))[0];
    if (!earlier) throw new Error("the first test stored no serving-log profile of model_a");
    const deadProfile = await profiles.saveProfile({
      ...earlier,
      id: null,
      window: { start: start.toISOString(), end: slot.toISOString() },
    });
    const cronAt = `${slot.getUTCSeconds()} ${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`;
    const { fires, stop } = await twoServers(cronAt);
    const deadline = slotMs + 20_000;
    while (fires.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await stop();

    expect(fires.map((f) => +f.fire.slot)).toEqual([slotMs, slotMs]);
    const taker = fires.filter((f) => f.fire.outcome === "ran");
    expect(taker).toHaveLength(1);
    expect(taker[0]?.fire.tookOverFrom).toBe("dead-server");
    expect(taker[0]?.fire.checks).toEqual([
      { featureService: "model_a", skipped: `window already checked (profile ${deadProfile.id})` },
      { featureService: "model_b", verdict: "ok", currentProfileId: expect.any(Number) },
    ]);
    expect(fires.filter((f) => f.fire.outcome === "elsewhere")).toHaveLength(1);
    // The slot's model_b profile exists once; a monitoring takeover records no materialization run.
    const b = (await servingProfiles("model_b")).filter((p) => p.window?.end === slot.toISOString());
    expect(b).toHaveLength(1);
    expect(await registry.lastMaterializationRun("obs")).toBeUndefined();
  }, 60_000);
});

/**
 * `fstore status` in-process and `fstore status --server` agree, view by view,
 * because the registry RPC and the CLI compute freshness with one function:
 * a never-materialized view is due from its creation (overdue once that first
 * run is missed), a materialized one from its last end, an offline-only view
 * is never due. The expected next-due times are written out by hand for the
 * daily midnight schedule, not computed by the code under test.
 */
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadRepoConfig } from "../src/config/index.js";
import type { RepoConfig } from "../src/config/types.js";
import { openRegistry } from "../src/registry/index.js";
import type { RepoDefinitions } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import { driverEntity, driverView, tempRepo } from "./consistency-fixtures.js";
import { startTestServer, type TestServer } from "./support/server.js";

const root = join(import.meta.dirname, "..");
const DAY = 86_400_000;

interface ViewStatus {
  featureView: string;
  online: boolean;
  lastMaterializedEnd: string | null;
  ageSeconds: number | null;
  overdue: boolean;
  nextDue: string | null;
  lastRun: unknown;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { FSTORE_TOKEN: _inherited, ...parent } = process.env;
    const child = spawn(process.execPath, [join(root, "bin/fstore.js"), ...args], {
      cwd: root,
      env: { ...parent, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The first midnight UTC strictly after `t`. */
const nextMidnight = (t: number) => {
  const d = new Date(t);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString();
};

let repo: string;
let config: RepoConfig;
let registry: Registry;
let server: TestServer;
let appliedLongAgo: number;
let appliedNow: number;
let recentEnd: number;
const STALE_END = Date.UTC(2025, 0, 1, 2);

function definitions(names: string[]): RepoDefinitions {
  const views = names.map((name) =>
    name === "offline_only"
      ? { ...driverView("data/drivers.parquet", name), online: false }
      : driverView("data/drivers.parquet", name),
  );
  return {
    entities: [driverEntity],
    dataSources: [views[0]?.source ?? driverView("data/drivers.parquet").source],
    featureViews: views,
    featureServices: [],
    onDemandFeatureViews: [],
  };
}

beforeAll(async () => {
  repo = tempRepo("fstore-status-agreement-");
  writeFileSync(
    join(repo, "feature_store.yaml"),
    [
      "project: status_check",
      "provider: local",
      "registry: data/registry.db",
      "online_store:",
      "  type: sqlite",
      "  path: data/online.db",
      "materialization:",
      '  schedule: "0 0 * * *"',
      "",
    ].join("\n"),
  );
  config = loadRepoConfig(repo);
  registry = await openRegistry(config);
  // Three views applied three days ago (the registry stamps creation with the clock)...
  appliedLongAgo = Date.now() - 3 * DAY;
  vi.useFakeTimers({ toFake: ["Date"], now: appliedLongAgo });
  try {
    await registry.apply(definitions(["fresh", "never_old", "stale"]));
  } finally {
    vi.useRealTimers();
  }
  // ...and two today.
  appliedNow = Date.now();
  await registry.apply(definitions(["fresh", "never_new", "never_old", "offline_only", "stale"]));
  recentEnd = Date.now() - 3_600_000;
  await registry.recordMaterializationInterval("fresh", new Date(recentEnd - DAY), new Date(recentEnd));
  await registry.recordMaterializationInterval("stale", new Date(STALE_END - DAY), new Date(STALE_END));
  await registry.recordMaterializationRun({
    featureView: "stale",
    start: new Date(STALE_END - DAY),
    end: new Date(STALE_END),
    outcome: "succeeded",
    rowsRead: 40,
    entitiesWritten: 20,
    error: "",
    scheduled: false,
  });
  server = await startTestServer({ config, registry });
});

afterAll(async () => {
  await server?.shutdown();
  registry?.close();
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("fstore status and status --server", () => {
  it("agree on never-materialized, materialized and offline-only views (JSON)", async () => {
    const started = Date.now();
    const local = await run(["status", "--repo", repo, "--json"]);
    const remote = await run(["status", "--server", server.address, "--json"]);
    // Both ages are taken while the two processes ran, one after the other: at most this far apart.
    const apartSeconds = Math.ceil((Date.now() - started) / 1000) + 1;
    expect(local.stderr).toBe("");
    expect(remote.stderr).toBe("");
    // Overdue views: both exit 1.
    expect(local.code).toBe(1);
    expect(remote.code).toBe(1);
    const localViews = (JSON.parse(local.stdout) as { views: ViewStatus[] }).views;
    const remoteViews = (JSON.parse(remote.stdout) as { views: ViewStatus[] }).views;

    // Ages are measured apart by the two processes: compare them within that time, the rest exactly.
    const withoutAge = (v: ViewStatus) => ({ ...v, ageSeconds: v.ageSeconds === null ? null : "age" });
    expect(remoteViews.map(withoutAge)).toEqual(localViews.map(withoutAge));
    localViews.forEach((v, i) => {
      if (v.ageSeconds === null) return;
      expect(Math.abs(v.ageSeconds - (remoteViews[i]?.ageSeconds ?? Number.NaN))).toBeLessThanOrEqual(
        apartSeconds,
      );
    });

    const byName = new Map(localViews.map((v) => [v.featureView, v]));
    expect([...byName.keys()]).toEqual(["fresh", "never_new", "never_old", "offline_only", "stale"]);
    // Materialized an hour ago: due at the midnight after that end, not overdue.
    expect(byName.get("fresh")).toMatchObject({
      lastMaterializedEnd: new Date(recentEnd).toISOString(),
      overdue: false,
      nextDue: nextMidnight(recentEnd),
      lastRun: null,
    });
    expect(Math.abs((byName.get("fresh")?.ageSeconds ?? 0) - 3600)).toBeLessThan(60);
    // Never materialized, applied just now: due at the next midnight, not overdue yet.
    expect(byName.get("never_new")).toMatchObject({
      lastMaterializedEnd: null,
      ageSeconds: null,
      overdue: false,
      nextDue: nextMidnight(appliedNow),
    });
    // Never materialized, applied three days ago: the first run after that was missed.
    expect(byName.get("never_old")).toMatchObject({
      lastMaterializedEnd: null,
      ageSeconds: null,
      overdue: true,
      nextDue: nextMidnight(appliedLongAgo),
    });
    // Offline only: not scheduled, never due.
    expect(byName.get("offline_only")).toMatchObject({ online: false, overdue: false, nextDue: null });
    // Materialized up to 2025-01-01T02:00Z: due 2025-01-02T00:00Z, long missed.
    expect(byName.get("stale")).toMatchObject({
      lastMaterializedEnd: new Date(STALE_END).toISOString(),
      overdue: true,
      nextDue: "2025-01-02T00:00:00.000Z",
      lastRun: { outcome: "succeeded", entitiesWritten: 20, rowsRead: 40 },
    });
  });

  it("shows the next due time in the server's table too", async () => {
    const table = await run(["status", "--server", server.address]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/never_old\s+never\s+-\s+OVERDUE\s+\S+Z/);
    expect(table.stdout).toMatch(
      /stale\s+2025-01-01T02:00:00\.000Z\s+\S+ \S+\s+OVERDUE\s+2025-01-02T00:00:00\.000Z/,
    );
    expect(table.stdout).toMatch(/offline_only \(offline only\)\s+never\s+-\s+no\s+-\s+-/);
  });

  it("says what to check when nothing listens at --server (status exits 2, materialize 1)", async () => {
    // A port that was just free: listen, note it, close.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const address = `127.0.0.1:${port}`;
    const status = await run(["status", "--server", address]);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(
      new RegExp(
        `^fstore status: UNAVAILABLE: ${address}: .*ECONNREFUSED.*is an fstore server listening at --server`,
      ),
    );
    expect(status.stderr).not.toMatch(/Resolution note/);
    const mat = await run(["materialize-incremental", "now", "--server", address]);
    expect(mat.code).toBe(1);
    expect(mat.stderr).toMatch(
      /^fstore materialize-incremental: UNAVAILABLE: .*ECONNREFUSED.*is an fstore server listening/,
    );
  });
});

/**
 * The materialize CLI as a real child process: SIGKILL in the middle of a
 * run records no interval, and a rerun converges to the oracle; the same
 * command against a running server (--server); errors exit 1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRepoConfig } from "../src/config/index.js";
import type { RepoConfig } from "../src/config/types.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import { openRegistry } from "../src/registry/index.js";
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
  writeDriverParquet,
} from "./materialize-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";
import { startTestServer, type TestServer } from "./support/server.js";

const ROOT = join(import.meta.dirname, "..");
const ENTITIES = 120_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function fstore(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Run> {
  const child = spawn(process.execPath, [join(ROOT, "bin/fstore.js"), ...args], { cwd: ROOT, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b) => {
    stdout += b;
  });
  child.stderr.on("data", (b) => {
    stderr += b;
    onStderr?.(stderr, child);
  });
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

/** Kills a materialization mid-way (SIGKILL), checks nothing was recorded, reruns and compares with the oracle. */
async function killAndRerun(t: {
  repo: string;
  config: RepoConfig;
  registry: Registry;
  rows: DriverRow[];
  start: string;
  end: string;
}): Promise<void> {
  const { repo, config, registry, rows, start, end } = t;
  let killedAt = "";
  const killed = await fstore(
    ["materialize", "--repo", repo, start, end, "--batch-size", "500"],
    (text, child) => {
      // Kill once some entities are written but the view is not done.
      const line = text.split("\n").find((l) => /entities_written=[1-9]/.test(l) && !l.endsWith("done"));
      if (line && !killedAt) {
        killedAt = line;
        child.kill("SIGKILL");
      }
    },
  );
  expect(killedAt, `stderr: ${killed.stderr}`).not.toBe("");
  expect(killed.signal).toBe("SIGKILL");
  expect(await registry.materializationIntervals("driver_stats")).toEqual([]);
  expect(await registry.lastMaterializationRun("driver_stats")).toBeUndefined();
  const written = Number(/entities_written=(\d+)/.exec(killedAt)?.[1]);
  expect(written).toBeGreaterThan(0);
  expect(written).toBeLessThan(ENTITIES);

  const rerun = await fstore(["materialize", "--repo", repo, start, end]);
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(rerun.stdout).toMatch(/driver_stats: \d+ entities written from 150000 rows/);
  const intervals = await registry.materializationIntervals("driver_stats");
  expect(intervals.map((i) => [i.start.toISOString(), i.end.toISOString()])).toEqual([[start, end]]);
  expect(await registry.lastMaterializationRun("driver_stats")).toMatchObject({
    outcome: "succeeded",
    rowsRead: 150_000,
  });

  const oracle = oracleLatest([rows], T0, T0 + 48 * HOUR);
  const store = createOnlineStore(config);
  try {
    const view = driverView(driverSource("data/drivers"));
    const ids = [...oracle.keys()];
    const got = await readDrivers(store, view, ids);
    let equal = 0;
    for (const id of ids) {
      const want = oracle.get(id) as DriverRow;
      const row = got.get(id);
      const values = ["conv_rate", "trips", "name", "active", "tags"].map((f) => row?.values.get(f));
      if (
        row?.eventTimeUs === want.event_ts.getTime() * 1000 &&
        JSON.stringify(values, big) === JSON.stringify(expectedValues(want), big)
      )
        equal++;
    }
    expect(equal).toBe(oracle.size);
  } finally {
    await store.close();
  }
}

describe("fstore materialize (CLI)", () => {
  let repo: string;
  let config: RepoConfig;
  let registry: Registry;
  let db: DuckDBInstance;
  let rows: DriverRow[];
  const start = new Date(T0).toISOString();
  const end = new Date(T0 + 48 * HOUR).toISOString();

  beforeAll(async () => {
    db = await openDuckDb({ threads: 2, memoryLimit: "512MB" });
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    repo = mkdtempSync(join(tmpdir(), "fstore-mat-cli-"));
    writeFileSync(
      join(repo, "feature_store.yaml"),
      [
        "project: cli_test",
        "provider: local",
        "registry: data/registry.db",
        "online_store:",
        "  type: sqlite",
        "  path: data/online.db",
        "materialization:",
        "  schedule: null",
        "",
      ].join("\n"),
    );
    config = loadRepoConfig(repo);
    rows = generateRows(21, 150_000, ENTITIES, 0, 48);
    await writeDriverParquet(db, join(repo, "data", "drivers", "part-0.parquet"), rows);
    registry = await openRegistry(config);
    await registry.apply(definitions([driverView(driverSource("data/drivers"))]));
  }, 120_000);
  afterAll(() => {
    registry?.close();
    db?.closeSync();
  });

  it("a run killed mid-way records no interval; a rerun converges", async () => {
    await killAndRerun({ repo, config, registry, rows, start, end });
  }, 180_000);

  describe("against a server", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ config, registry });
    });
    afterAll(async () => {
      await server?.shutdown();
    });

    it("runs incremental materialization on the server with --server", async () => {
      const later = new Date(T0 + 50 * HOUR).toISOString();
      const res = await fstore([
        "materialize-incremental",
        "--repo",
        repo,
        later,
        "--server",
        server.address,
      ]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/driver_stats: 0 entities written from 0 rows/);
      expect(res.stderr).toMatch(/materialize driver_stats .* done/);
      expect((await registry.materializationIntervals("driver_stats")).at(-1)?.end.toISOString()).toBe(later);
    }, 60_000);

    it("reports errors with their status and exits 1", async () => {
      const res = await fstore([
        "materialize",
        "--repo",
        repo,
        start,
        end,
        "--views",
        "nope",
        "--server",
        server.address,
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/NOT_FOUND: feature view "nope" not found/);
      const backwards = await fstore(["materialize", "--repo", repo, end, start]);
      expect(backwards.code).toBe(1);
      expect(backwards.stderr).toMatch(/INVALID_ARGUMENT: start time .* is after end time/);
    }, 60_000);
  });
});

function big(_k: string, v: unknown) {
  return typeof v === "bigint" ? `${v}n` : v;
}

describe("fstore materialize (CLI) on Redis, packed layout (HSETNX first, then the script)", () => {
  let redis: StartedRedis;
  let repo: string;
  let config: RepoConfig;
  let registry: Registry;
  let rows: DriverRow[];
  const start = new Date(T0).toISOString();
  const end = new Date(T0 + 48 * HOUR).toISOString();

  beforeAll(async () => {
    redis = await startRedis();
    const db = await openDuckDb({ threads: 2, memoryLimit: "512MB" });
    repo = mkdtempSync(join(tmpdir(), "fstore-mat-cli-redis-"));
    writeFileSync(
      join(repo, "feature_store.yaml"),
      [
        "project: cli_redis",
        "provider: local",
        "registry: data/registry.db",
        "online_store:",
        "  type: redis",
        `  connection_string: "${redis.connectionString}"`,
        "materialization:",
        "  schedule: null",
        "",
      ].join("\n"),
    );
    config = loadRepoConfig(repo);
    rows = generateRows(22, 150_000, ENTITIES, 0, 48);
    try {
      await writeDriverParquet(db, join(repo, "data", "drivers", "part-0.parquet"), rows);
    } finally {
      db.closeSync();
    }
    registry = await openRegistry(config);
    await registry.apply(definitions([driverView(driverSource("data/drivers"))]));
  }, 120_000);
  afterAll(async () => {
    registry?.close();
    await redis?.close();
  });

  it("a run killed mid-way records no interval; a rerun converges", async () => {
    await killAndRerun({ repo, config, registry, rows, start, end });
  }, 180_000);
});

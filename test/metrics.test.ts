/**
 * Prometheus metrics scraped over real HTTP from a real server after real
 * gRPC calls: counters move by exactly the calls made, errors carry their
 * status code, feature services are labelled, online reads are timed and
 * serving statuses counted, materialization runs counted by outcome with the
 * rows and entities they moved, and the last-run, freshness and consistency
 * gauges reflect the registry and the last validation.
 */
import { spawn } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoConfig } from "../src/config/types.js";
import { materialize } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import { createLogger } from "../src/server/logger.js";
import { startServer } from "../src/server/server.js";
import {
  type DriverRow,
  driverDefinitions,
  generateRows,
  HOUR,
  T0,
  tempRepo,
  writeParquet,
} from "./consistency-fixtures.js";
import { freePort } from "./support/redis.js";
import { startTestServer, type TestServer, testConfig } from "./support/server.js";

const DRIVERS = 12;
const HOURS = 3;
const WINDOW_END = T0 + (HOURS - 1) * HOUR;

/** One sample of a Prometheus text exposition: its name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of `name` with exactly `labels` (0 when absent, as Prometheus treats a missing counter). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  const found = samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === wanted.length &&
      wanted.every(([k, v]) => s.labels[k] === v),
  );
  return found?.value ?? 0;
}

async function scrape(
  address: string,
  path = "/metrics",
): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(`http://${address}${path}`);
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type") ?? "" };
}

let repo: string;
let config: RepoConfig;
let registry: Registry;
let t: TestServer;
let metricsAddress: string;
let rows: DriverRow[];

beforeAll(async () => {
  repo = tempRepo("fstore-metrics-");
  rows = generateRows(DRIVERS, HOURS, 3);
  await writeParquet(join(repo, "data", "drivers.parquet"), rows);
  config = testConfig(repo, {
    online_store: { type: "sqlite", path: "data/online.db" },
    materialization: { schedule: "0 0 * * *" },
    metrics: { enabled: true, host: "127.0.0.1", port: 0 },
  });
  registry = await openRegistry(config);
  const defs = driverDefinitions("data/drivers.parquet");
  // A one-hour ttl: the 2025 values are all served OUTSIDE_MAX_AGE.
  defs.featureViews = defs.featureViews.map((v): FeatureViewDef => ({ ...v, ttlSeconds: 3600 }));
  await registry.apply(defs);
  const store = createOnlineStore(config);
  const db = await openDuckDb({ threads: 2 });
  try {
    for await (const _ of materialize(
      { config, registry, onlineStore: store, duckdb: async () => db },
      { start: new Date(T0), end: new Date(WINDOW_END), incremental: false },
    )) {
      // drain
    }
  } finally {
    db.closeSync();
    await store.close();
  }
  t = await startTestServer({ config, registry });
  metricsAddress = t.server.deps.metrics?.httpAddress ?? "";
});

afterAll(async () => {
  await t?.shutdown();
  registry?.close();
});

describe("metrics endpoint", () => {
  it("is served over HTTP in Prometheus's text format, 404 elsewhere", async () => {
    expect(metricsAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const res = await scrape(metricsAddress);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain("# TYPE fstore_rpc_requests_total counter");
    expect((await scrape(metricsAddress, "/other")).status).toBe(404);
  });

  it("counts calls per RPC, errors by status code, and latency", async () => {
    const before = parseMetrics((await scrape(metricsAddress)).text);
    await t.client.listFeatureViews();
    await t.client.listFeatureViews();
    await expect(t.client.getFeatureView("nope")).rejects.toThrow(/NOT_FOUND/);
    const after = parseMetrics((await scrape(metricsAddress)).text);
    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta("fstore_rpc_requests_total", { method: "ListFeatureViews" })).toBe(2);
    expect(delta("fstore_rpc_requests_total", { method: "GetFeatureView" })).toBe(1);
    expect(delta("fstore_rpc_errors_total", { method: "GetFeatureView", code: "NOT_FOUND" })).toBe(1);
    expect(delta("fstore_rpc_errors_total", { method: "ListFeatureViews", code: "NOT_FOUND" })).toBe(0);
    expect(delta("fstore_rpc_duration_seconds_count", { method: "ListFeatureViews" })).toBe(2);
    expect(value(after, "fstore_rpc_duration_seconds_sum", { method: "ListFeatureViews" })).toBeGreaterThan(
      0,
    );
    expect(
      value(after, "fstore_rpc_duration_seconds_bucket", { method: "ListFeatureViews", le: "+Inf" }),
    ).toBe(value(after, "fstore_rpc_duration_seconds_count", { method: "ListFeatureViews" }));
  });

  it("labels calls by feature service, times online reads, counts NOT_FOUND and OUTSIDE_MAX_AGE per view", async () => {
    const before = parseMetrics((await scrape(metricsAddress)).text);
    const res = await t.client.getOnlineFeatures({
      featureServices: ["driver_model"],
      entities: { driver_id: [1000n, 99_999n, 1001n] },
    });
    expect(res).toBeDefined();
    await expect(
      t.client.getOnlineFeatures({ featureServices: ["no_such_service"], entities: { driver_id: [1n] } }),
    ).rejects.toThrow(/NOT_FOUND/);
    const after = parseMetrics((await scrape(metricsAddress)).text);
    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);
    const svc = { feature_service: "driver_model", method: "GetOnlineFeatures" };
    expect(delta("fstore_feature_service_requests_total", svc)).toBe(1);
    expect(delta("fstore_feature_service_duration_seconds_count", svc)).toBe(1);
    expect(
      delta("fstore_feature_service_errors_total", {
        feature_service: "no_such_service",
        method: "GetOnlineFeatures",
        code: "NOT_FOUND",
      }),
    ).toBe(1);
    expect(delta("fstore_online_store_read_duration_seconds_count", { store: "sqlite" })).toBe(1);
    // driver_model has 2 features: 99999 is not found (2 values); 1000 and 1001 are older than the 1 h ttl (4 values).
    expect(
      delta("fstore_online_feature_status_total", { feature_view: "driver_stats", status: "NOT_FOUND" }),
    ).toBe(2);
    expect(
      delta("fstore_online_feature_status_total", {
        feature_view: "driver_stats",
        status: "OUTSIDE_MAX_AGE",
      }),
    ).toBe(4);
  });

  it("counts materialization runs by outcome, with the rows read and entities written", async () => {
    const view = { feature_view: "driver_stats" };
    const run = (outcome: string) => ({ ...view, outcome });
    const before = parseMetrics((await scrape(metricsAddress)).text);
    // Every online view has its counters from the start, at 0 (the in-process run above was not this server's).
    for (const outcome of ["succeeded", "failed", "skipped", "abandoned"]) {
      expect(
        before.some((x) => x.name === "fstore_materialization_runs_total" && x.labels.outcome === outcome),
      ).toBe(true);
      expect(value(before, "fstore_materialization_runs_total", run(outcome))).toBe(0);
    }
    expect(value(before, "fstore_materialization_rows_read_total", view)).toBe(0);

    // A run over the whole window: every source row in it is read, every driver written.
    const inWindow = rows.filter((r) => r.eventMs >= T0 && r.eventMs <= WINDOW_END).length;
    for await (const _ of t.client.materialize({ start: new Date(T0), end: new Date(WINDOW_END) })) {
      // drain
    }
    // Incremental up to a time before the last end: nothing to read, recorded as skipped.
    for await (const _ of t.client.materialize({ incremental: true, end: new Date(T0) })) {
      // drain
    }
    // The source is gone: a failed run.
    const parquet = join(repo, "data", "drivers.parquet");
    renameSync(parquet, `${parquet}.away`);
    try {
      const events = t.client.materialize({ start: new Date(T0), end: new Date(WINDOW_END) });
      await expect(
        (async () => {
          for await (const _ of events) {
            // drain
          }
        })(),
      ).rejects.toThrow();
    } finally {
      renameSync(`${parquet}.away`, parquet);
    }

    const after = parseMetrics((await scrape(metricsAddress)).text);
    expect(value(after, "fstore_materialization_runs_total", run("succeeded"))).toBe(1);
    expect(value(after, "fstore_materialization_runs_total", run("skipped"))).toBe(1);
    expect(value(after, "fstore_materialization_runs_total", run("failed"))).toBe(1);
    expect(value(after, "fstore_materialization_rows_read_total", view)).toBe(inWindow);
    expect(value(after, "fstore_materialization_entities_written_total", view)).toBe(DRIVERS);
    expect((await scrape(metricsAddress)).text).toContain("# TYPE fstore_materialization_runs_total counter");

    // The last run (the failed one) and the last success, from the registry.
    expect(value(after, "fstore_materialization_last_run_succeeded", view)).toBe(0);
    expect(value(after, "fstore_materialization_last_duration_seconds", view)).toBeGreaterThanOrEqual(0);
    const lastRun = value(after, "fstore_materialization_last_run_timestamp_seconds", view);
    expect(Math.abs(lastRun - Date.now() / 1000)).toBeLessThan(60);
    const lastSuccess = value(after, "fstore_materialization_last_success_timestamp_seconds", view);
    expect(lastSuccess).toBeLessThanOrEqual(lastRun);
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(60);
    // The last-run counts are counters now, not gauges.
    expect(after.some((x) => x.name === "fstore_materialization_last_rows_read")).toBe(false);
  });

  it("shows freshness computed at scrape time", async () => {
    const samples = parseMetrics((await scrape(metricsAddress)).text);
    const view = { feature_view: "driver_stats" };
    const age = value(samples, "fstore_feature_view_freshness_age_seconds", view);
    expect(Math.abs(age - (Date.now() - WINDOW_END) / 1000)).toBeLessThan(60);
    // Daily schedule, last end in 2025: the next run was due long ago.
    expect(value(samples, "fstore_feature_view_overdue", view)).toBe(1);
  });

  it("records the last consistency result per feature, without counting validation reads as serving", async () => {
    const before = parseMetrics((await scrape(metricsAddress)).text);
    const report = await t.client.validateConsistency({ featureServices: ["driver_model"] });
    expect(report.passed).toBe(true);
    const after = parseMetrics((await scrape(metricsAddress)).text);
    const labels = { feature_view: "driver_stats", feature: "conv_rate" };
    expect(value(after, "fstore_consistency_passed", labels)).toBe(1);
    expect(value(after, "fstore_consistency_mismatch_rate", labels)).toBe(0);
    expect(value(after, "fstore_consistency_compared", labels)).toBe(DRIVERS);
    expect(value(after, "fstore_consistency_last_run_timestamp_seconds")).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    const svc = { feature_service: "driver_model", method: "ValidateConsistency" };
    expect(value(after, "fstore_feature_service_requests_total", svc)).toBe(1);
    expect(value(after, "fstore_online_store_read_duration_seconds_count", { store: "sqlite" })).toBe(
      value(before, "fstore_online_store_read_duration_seconds_count", { store: "sqlite" }),
    );
  });
});

describe("metrics switches", () => {
  it("are off by default: no metrics on the server", async () => {
    const plain = await startTestServer({ config: testConfig(tempRepo("fstore-metrics-off-")) });
    try {
      expect(plain.server.deps.metrics).toBeUndefined();
    } finally {
      await plain.shutdown();
    }
  });

  it("turn on with the metricsPort option (fstore serve --metrics-port), and a busy port is UNAVAILABLE", async () => {
    const port = await freePort();
    const cfg = testConfig(tempRepo("fstore-metrics-flag-"));
    const logger = createLogger({ level: "silent" });
    const a = await startServer({ config: cfg, logger, host: "127.0.0.1", port: 0, metricsPort: port });
    try {
      expect(a.deps.metrics?.httpAddress).toBe(`127.0.0.1:${port}`);
      expect((await scrape(`127.0.0.1:${port}`)).status).toBe(200);
      await expect(
        startServer({ config: cfg, logger, host: "127.0.0.1", port: 0, metricsPort: port }),
      ).rejects.toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(new RegExp(`${port}`)) });
    } finally {
      await a.shutdown();
    }
    // Closed with the server.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe("fstore serve --metrics-port", () => {
  it("serves the metrics endpoint from the CLI flag, and stops with the server", async () => {
    const dir = tempRepo("fstore-metrics-cli-");
    writeFileSync(join(dir, "feature_store.yaml"), "project: cli_metrics\nregistry: data/registry.db\n");
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, "..", "bin/fstore.js"),
        "serve",
        "--repo",
        dir,
        "--port",
        "0",
        "--metrics-port",
        String(port),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let res: { status: number; text: string } | undefined;
      for (let i = 0; i < 150 && !res; i++) {
        res = await scrape(`127.0.0.1:${port}`).catch(() => undefined);
        if (!res) await new Promise((r) => setTimeout(r, 100));
      }
      expect(res?.status).toBe(200);
      expect(res?.text).toContain("# TYPE fstore_rpc_requests_total counter");
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      if (child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      await exited;
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

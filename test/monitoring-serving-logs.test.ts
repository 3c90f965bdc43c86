/**
 * Serving logs as a profile source, and training-serving skew: a real server
 * logs what it serves for a feature service; the logs are profiled (their
 * NOT_FOUND and OUTSIDE_MAX_AGE shares, coverage and moments checked against
 * values computed here from the responses themselves) and compared with the
 * offline rows: values served as they are offline show no skew; online
 * values changed after materialization do.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetOnlineFeaturesRequestSchema,
  type GetOnlineFeaturesResponse,
  GetOnlineFeaturesResponseSchema,
} from "../gen/fstore/v1/feature_service_pb.js";
import {
  DetectDriftRequestSchema,
  DetectDriftResponseSchema,
  GetFeatureStatisticsRequestSchema,
  GetFeatureStatisticsResponseSchema,
} from "../gen/fstore/v1/monitoring_pb.js";
import { createRawClient } from "../src/fuzz/raw-client.js";
import { FstoreMetrics } from "../src/metrics/fstore-metrics.js";
import {
  computeProfile,
  computeServingSkew,
  DEFAULT_THRESHOLDS,
  type Profile,
} from "../src/monitoring/index.js";
import { createOnlineStore, writeOnlineRows } from "../src/online/index.js";
import type { FeatureServiceDef, RepoDefinitions } from "../src/registry/model.js";
import { runScheduledDriftChecks, serverProfileStore } from "../src/server/handlers/monitoring.js";
import { serverFeatureLogger } from "../src/server/handlers/online.js";
import { featureView, field, ValueType } from "./support/online-fixtures.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

const HOUR = 3_600_000;
const ENTITIES = 300;
const described = { description: "", tags: {}, owner: "" };
const obs = featureView(
  "obs",
  [field("id", ValueType.INT64)],
  [field("x", ValueType.DOUBLE), field("color", ValueType.STRING)],
  2 * 3600,
  ["thing"],
);
const service: FeatureServiceDef = {
  ...described,
  name: "model",
  projections: [{ featureView: "obs", features: [] }],
  logging: { sampleRate: 1, destination: { path: "model" } },
};
const definitions: RepoDefinitions = {
  entities: [{ ...described, name: "thing", joinKeys: ["id"], valueType: ValueType.INT64 }],
  dataSources: [obs.source],
  featureViews: [obs],
  featureServices: [service],
  onDemandFeatureViews: [],
};
const COLORS = ["red", "green", "blue", "amber"];
const xOf = (i: number) => (i * 37) % 101;

let t: TestServer;
let repo: string;
let registry: ReturnType<typeof createMemoryRegistry>;
let db: DuckDBInstance;

/** Writes online rows of entities [0, n): x shifted by `shift`; entity i % 10 === 9 stale. */
async function writeOnline(n: number, shift: number): Promise<void> {
  const store = createOnlineStore(t.config);
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const ts = i % 10 === 9 ? now - 3 * HOUR : now - 60_000;
    await writeOnlineRows(store, obs, [
      { entityKey: [BigInt(i)], eventTimeUs: ts * 1000, values: [xOf(i) + shift, COLORS[i % 4] as string] },
    ]);
  }
  await store.close();
}

/** Asks for entities [0, ENTITIES + 30) in requests of 10 (the last 30 are not online: NOT_FOUND). */
async function serveAll(): Promise<GetOnlineFeaturesResponse[]> {
  const raw = createRawClient(t.address);
  const out: GetOnlineFeaturesResponse[] = [];
  try {
    for (let from = 0; from < ENTITIES + 30; from += 10) {
      const ids = Array.from({ length: 10 }, (_, k) => BigInt(from + k));
      const r = await raw.call(
        "GetOnlineFeatures",
        toBinary(
          GetOnlineFeaturesRequestSchema,
          create(GetOnlineFeaturesRequestSchema, {
            selection: { featureServices: ["model"] },
            entities: { id: { val: ids.map((value) => ({ val: { case: "int64Val" as const, value } })) } },
          }),
        ),
      );
      expect(r.code).toBe(0);
      out.push(fromBinary(GetOnlineFeaturesResponseSchema, r.messages[0] as Uint8Array));
    }
  } finally {
    raw.close();
  }
  return out;
}

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), "fstore-servinglogs-"));
  mkdirSync(join(repo, "data"), { recursive: true });
  db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  // The offline rows: one per entity, the values materialized online.
  await c.run(
    `COPY (SELECT i::BIGINT AS id, ((i * 37) % 101)::DOUBLE AS x, (['red','green','blue','amber'])[(i % 4) + 1] AS color,
       TIMESTAMP '2026-01-01 00:00:00' AS event_timestamp FROM range(${ENTITIES}) r(i))
     TO '${join(repo, "data/obs.parquet")}' (FORMAT parquet)`,
  );
  c.closeSync();
  const config = testConfig(repo, {
    online_store: { type: "sqlite", path: "data/online.db" },
    feature_logging: { write_to_disk_interval_secs: 3600 },
  });
  registry = createMemoryRegistry(config.project, definitions);
  t = await startTestServer({ config, registry });
});
afterAll(async () => {
  await t?.shutdown();
  db?.closeSync();
});

describe("serving logs as a profile source", () => {
  it("profiles what was served: rows, coverage, NOT_FOUND and OUTSIDE_MAX_AGE shares, moments", async () => {
    await writeOnline(ENTITIES, 0);
    const served = await serveAll();
    await serverFeatureLogger(t.server.deps).rotate();
    const connection = await db.connect();
    try {
      const ctx = {
        connection,
        snapshot: registry.snapshot(),
        repoPath: repo,
        logDir: t.config.offlineStore.logDir,
      };
      const profile = await computeProfile(ctx, { target: { kind: "serving_log", featureService: "model" } });
      expect(profile.source).toEqual({ kind: "serving_log", name: "model" });
      // Brute force over the responses: the x column (index 1).
      const x = served.flatMap((r) =>
        (r.results[1]?.values ?? []).map((v, i) => ({
          value: v.val.case === "doubleVal" ? v.val.value : null,
          status: r.results[1]?.statuses[i],
        })),
      );
      const rows = x.length;
      const values = x.flatMap((e) => (e.value === null ? [] : [e.value]));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const f = profile.features.find((p) => p.name === "obs:x");
      expect(f?.rows).toBe(rows);
      expect(f?.nonNull).toBe(values.length);
      expect(f?.notFound).toBeCloseTo(x.filter((e) => e.status === 3).length / rows, 12);
      expect(f?.outsideMaxAge).toBeCloseTo(x.filter((e) => e.status === 4).length / rows, 12);
      expect(f?.notFound).toBeCloseTo(30 / 330, 12);
      expect(f?.outsideMaxAge).toBeCloseTo(30 / 330, 12);
      expect(f?.numeric?.mean).toBeCloseTo(mean, 9);
      expect(f?.numeric?.min).toBe(Math.min(...values));
      expect(f?.numeric?.max).toBe(Math.max(...values));
      const color = profile.features.find((p) => p.name === "obs:color");
      expect(color?.categorical?.distinct).toBe(4);
      expect(color?.coverage).toBeCloseTo(300 / 330, 12);

      // Served as offline: no skew beyond the coverage lost to the 30 entities never materialized.
      const skew = await computeServingSkew(ctx, { featureService: "model" });
      const byName = new Map(skew.report.features.map((d) => [d.feature, d]));
      expect(byName.get("obs:x")?.psi).toBeLessThan(0.01);
      expect(byName.get("obs:x")?.ks).toBeLessThan(0.02);
      expect(byName.get("obs:color")?.js).toBeLessThan(0.02);
    } finally {
      connection.closeSync();
    }
  });

  it("finds the skew of online values changed after they were materialized", async () => {
    const start = new Date();
    await writeOnline(ENTITIES, 60); // x moved far from the offline rows, color unchanged
    await serveAll();
    await serverFeatureLogger(t.server.deps).rotate();
    const connection = await db.connect();
    try {
      const ctx = {
        connection,
        snapshot: registry.snapshot(),
        repoPath: repo,
        logDir: t.config.offlineStore.logDir,
      };
      const skew = await computeServingSkew(ctx, { featureService: "model", start });
      const byName = new Map(skew.report.features.map((d) => [d.feature, d]));
      expect(skew.serving.features.find((f) => f.name === "obs:x")?.rows).toBe(330);
      expect(byName.get("obs:x")?.verdict).toBe("alert");
      expect(byName.get("obs:x")?.ks as number).toBeGreaterThan(0.5);
      expect(byName.get("obs:color")?.js).toBeLessThan(0.02);
      expect(skew.report.verdict).toBe("alert");
    } finally {
      connection.closeSync();
    }
  });
});

describe("GetFeatureStatistics and DetectDrift", () => {
  const call = async <T>(method: string, bytes: Uint8Array, decode: (b: Uint8Array) => T) => {
    const raw = createRawClient(t.address);
    try {
      const r = await raw.call(method, bytes);
      return {
        code: r.code,
        details: r.details,
        message: r.code === 0 ? decode(r.messages[0] as Uint8Array) : undefined,
      };
    } finally {
      raw.close();
    }
  };

  it("answers the profile monitoring computes, and drift from the service's baseline", async () => {
    const stats = await call(
      "GetFeatureStatistics",
      toBinary(
        GetFeatureStatisticsRequestSchema,
        create(GetFeatureStatisticsRequestSchema, {
          source: { source: { case: "featureService", value: "model" } },
        }),
      ),
      (b) => fromBinary(GetFeatureStatisticsResponseSchema, b),
    );
    expect(stats.code).toBe(0);
    const connection = await db.connect();
    let offline: Profile;
    try {
      offline = await computeProfile(
        { connection, snapshot: registry.snapshot(), repoPath: repo, logDir: t.config.offlineStore.logDir },
        { target: { kind: "feature_service", name: "model" } },
      );
    } finally {
      connection.closeSync();
    }
    const got = stats.message?.profile;
    expect(got?.features.map((f) => f.name)).toEqual(["obs:x", "obs:color"]);
    const x = got?.features[0];
    const want = offline.features[0];
    expect(Number(x?.rows)).toBe(want?.rows);
    expect(x?.numeric?.mean).toBe(want?.numeric?.mean);
    expect(x?.numeric?.counts.map(Number)).toEqual(want?.numeric?.histogram.counts);
    expect(x?.numeric?.quantiles.map((q) => q.value)).toEqual(Object.values(want?.numeric?.quantiles ?? {}));
    expect(got?.features[1]?.categorical?.top.map((v) => [v.value, Number(v.count)])).toEqual(
      offline.features[1]?.categorical?.top.map((v) => [v.value, v.count]),
    );

    const drift = (servingLogs: boolean) =>
      call(
        "DetectDrift",
        toBinary(
          DetectDriftRequestSchema,
          create(DetectDriftRequestSchema, { featureService: "model", servingLogs }),
        ),
        (b) => fromBinary(DetectDriftResponseSchema, b),
      );
    expect((await drift(false)).code).toBe(status.NOT_FOUND);

    // The offline profile as the baseline: the offline rows do not drift; the served x (shifted online) does.
    const store = serverProfileStore(t.server.deps);
    const saved = await store.saveProfile(offline);
    await store.saveBaseline("model", saved.id as number, DEFAULT_THRESHOLDS);
    const same = await drift(false);
    expect(same.message?.verdict).toBe("ok");
    expect(Number(same.message?.baselineProfileId)).toBe(saved.id);
    const served = await drift(true);
    expect(served.message?.verdict).toBe("alert");
    expect(served.message?.features.find((f) => f.feature === "obs:x")?.verdict).toBe("alert");

    const bad = await call(
      "GetFeatureStatistics",
      toBinary(
        GetFeatureStatisticsRequestSchema,
        create(GetFeatureStatisticsRequestSchema, {
          source: { source: { case: "trainingSet", value: "/etc/passwd" } },
        }),
      ),
      (b) => b,
    );
    expect(bad.code).toBe(status.PERMISSION_DENIED);
  });

  it("checks the last window of serving logs of each logged service with a baseline (the schedule's work)", async () => {
    const store = serverProfileStore(t.server.deps);
    const before = (await store.listProfiles({ kind: "serving_log", name: "model" }, 100)).length;
    const checks = await runScheduledDriftChecks(t.server.deps, new Date());
    // The last hour holds both rounds: half of x's mass moved by 60.
    expect(checks).toEqual([
      { featureService: "model", verdict: "alert", currentProfileId: expect.any(Number) },
    ]);
    const stored = await store.listProfiles({ kind: "serving_log", name: "model" }, 100);
    expect(stored.length).toBe(before + 1);
    expect(stored[0]?.features.find((f) => f.name === "obs:x")?.rows).toBe(660);
  });

  it("exports each drift check's scores, coverage and verdict as gauges", async () => {
    const metrics = new FstoreMetrics({ config: t.config, registry: t.server.deps.registry });
    metrics.recordDrift("model", [
      {
        feature: "obs:x",
        psi: 1.5,
        ks: 0.6,
        js: null,
        coverageChange: -0.01,
        currentCoverage: 0.9,
        verdict: "alert",
      },
    ]);
    const text = await metrics.metrics();
    expect(text).toContain('fstore_feature_drift{feature_service="model",feature="obs:x",metric="psi"} 1.5');
    expect(text).toContain('fstore_feature_drift{feature_service="model",feature="obs:x",metric="ks"} 0.6');
    expect(text).not.toContain('metric="js"');
    expect(text).toContain('fstore_feature_coverage{feature_service="model",feature="obs:x"} 0.9');
    expect(text).toContain('fstore_feature_drift_verdict{feature_service="model",feature="obs:x"} 2');
  });
});

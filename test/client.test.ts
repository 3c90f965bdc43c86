/**
 * The TypeScript client against a real server serving a copy of the example
 * repository (feature_repo/), applied into its own temp SQLite registry.
 * Expected values are written out from the definition files.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFstoreClient, FstoreClientError } from "../clients/typescript/src/index.js";
import { applyRepo } from "../src/registry/index.js";
import { createExampleRepo, startTestServer, type TestServer } from "./support/server.js";
import type { TempRepo } from "./support/temp-repo.js";

let repo: TempRepo;
let t: TestServer;

beforeAll(async () => {
  repo = await createExampleRepo();
  t = await startTestServer({ repoPath: repo.path });
});
afterAll(async () => {
  await t?.shutdown();
  repo?.cleanup();
});

describe("registry RPCs on the example repository", () => {
  it("lists the vehicle entity", async () => {
    const entities = await t.client.listEntities();
    expect(entities).toHaveLength(1);
    expect(entities[0]).toMatchObject({
      name: "vehicle",
      joinKeys: ["vehicle_id"],
      valueType: "INT64",
      description: "A vehicle listed for rent",
      owner: "fleet@example.com",
    });
    expect(entities[0]?.createdAt).toBeInstanceOf(Date);
    expect(entities[0]?.updatedAt?.getTime()).toBeGreaterThanOrEqual(entities[0]?.createdAt?.getTime() ?? 0);
  });

  it("lists both feature views with typed schemas and the on-demand view", async () => {
    const { featureViews, onDemandFeatureViews } = await t.client.listFeatureViews();
    expect(featureViews.map((v) => v.name)).toEqual(["vehicle_features", "vehicle_hourly_stats"]);
    const [vf, hourly] = featureViews;
    expect(vf?.features.map((f) => [f.name, f.valueType])).toEqual([
      ["technology", "STRING"],
      ["num_images", "INT64"],
      ["street_parked", "BOOL"],
      ["description", "INT64"],
      ["actual_price", "DOUBLE"],
      ["recommended_price", "DOUBLE"],
    ]);
    expect(vf?.entityColumns.map((f) => [f.name, f.valueType])).toEqual([["vehicle_id", "INT64"]]);
    expect(vf?.ttlSeconds).toBe(30 * 86400);
    expect(vf?.tags).toEqual({ team: "pricing", pii: "false" });
    expect(vf?.batchSource).toMatchObject({
      name: "vehicle_features_source",
      kind: "file",
      timestampField: "event_timestamp",
      createdTimestampColumn: "created",
    });
    expect(vf?.batchSource?.path).toMatch(/vehicle_features\.parquet$/);
    expect(vf?.streamSource).toBeNull();

    expect(hourly?.ttlSeconds).toBe(2 * 3600);
    expect(hourly?.features.map((f) => [f.name, f.valueType])).toEqual([
      ["recent_reservations", "INT64"],
      ["current_price", "DOUBLE"],
    ]);
    expect(hourly?.streamSource).toMatchObject({
      name: "vehicle_hourly_push",
      kind: "push",
      batchSource: { name: "vehicle_hourly_source", kind: "file" },
    });
    expect(hourly?.batchSource?.name).toBe("vehicle_hourly_source");

    expect(onDemandFeatureViews.map((v) => v.name)).toEqual(["price_features"]);
    expect(onDemandFeatureViews[0]?.features.map((f) => [f.name, f.valueType])).toEqual([
      ["price_diff", "DOUBLE"],
    ]);
    expect(onDemandFeatureViews[0]?.sources).toEqual([
      {
        featureView: "vehicle_features",
        features: [
          expect.objectContaining({ name: "actual_price", valueType: "DOUBLE" }),
          expect.objectContaining({ name: "recommended_price", valueType: "DOUBLE" }),
        ],
      },
    ]);
  });

  it("filters feature views by tag", async () => {
    const pii = await t.client.listFeatureViews({ pii: "false" });
    expect(pii.featureViews.map((v) => v.name)).toEqual(["vehicle_features"]);
    expect(pii.onDemandFeatureViews).toEqual([]);
    const pricing = await t.client.listFeatureViews({ team: "pricing" });
    expect(pricing.featureViews).toHaveLength(2);
    expect(pricing.onDemandFeatureViews).toHaveLength(1);
  });

  it("lists the model's feature service with every feature of its views", async () => {
    const services = await t.client.listFeatureServices();
    expect(services.map((s) => s.name)).toEqual(["vehicle_model_v1"]);
    const svc = services[0];
    expect(svc?.tags).toEqual({ model: "reservations", version: "1" });
    expect(svc?.features.map((p) => [p.featureView, p.features.map((f) => f.name)])).toEqual([
      [
        "vehicle_features",
        ["technology", "num_images", "street_parked", "description", "actual_price", "recommended_price"],
      ],
      ["vehicle_hourly_stats", ["recent_reservations", "current_price"]],
      ["price_features", ["price_diff"]],
    ]);
    expect(await t.client.listFeatureServices({ model: "other" })).toEqual([]);
  });

  it("gets one view; never materialized means no intervals or run, and due at the first run after apply", async () => {
    const view = await t.client.getFeatureView("vehicle_hourly_stats");
    expect(view.name).toBe("vehicle_hourly_stats");
    expect(view.materializationIntervals).toEqual([]);
    expect(view.lastRun).toBeNull();
    // The example repository's schedule is daily at midnight UTC: the first run after the view was applied.
    const created = view.createdAt as Date;
    const midnight = new Date(
      Date.UTC(created.getUTCFullYear(), created.getUTCMonth(), created.getUTCDate() + 1),
    );
    expect(view.freshness).toEqual({
      lastMaterializedEnd: null,
      ageMs: null,
      overdue: false,
      nextDue: midnight,
    });
  });

  it("shows materialization intervals recorded in the registry", async () => {
    const start = new Date("2025-12-30T00:00:00Z");
    const end = new Date("2025-12-31T00:00:00Z");
    await t.server.deps.registry.recordMaterializationInterval("vehicle_features", start, end);
    const view = await t.client.getFeatureView("vehicle_features");
    expect(view.materializationIntervals.map((i) => [i.start, i.end])).toEqual([[start, end]]);
    expect(view.freshness?.lastMaterializedEnd).toEqual(end);
  });

  it("gives NOT_FOUND with the name for an unknown view", async () => {
    const err = await t.client.getFeatureView("vehicle_featurez").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FstoreClientError);
    expect((err as FstoreClientError).code).toBe(status.NOT_FOUND);
    expect((err as FstoreClientError).message).toContain('"vehicle_featurez"');
    expect((err as FstoreClientError).message).toContain("vehicle_features");
  });

  it("sees a change applied while running, without a restart", async () => {
    repo.write(
      "extra_view.ts",
      `import { FeatureView, Field, Int64 } from "fstore";
import { vehicleFeaturesSource } from "./data_sources.js";
import { vehicle } from "./entities.js";
export const extra = new FeatureView({
  name: "extra_view",
  entities: [vehicle],
  ttl: "1d",
  schema: [new Field({ name: "num_images", dtype: Int64 })],
  source: vehicleFeaturesSource,
  tags: { team: "extra" },
});
`,
    );
    await applyRepo(repo.path);
    // The registry re-reads at most every cache_ttl_seconds (5 s in the example config).
    const deadline = Date.now() + 15_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      names = (await t.client.listFeatureViews({ team: "extra" })).featureViews.map((v) => v.name);
      if (names.length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(names).toEqual(["extra_view"]);
    expect((await t.client.getFeatureView("extra_view")).ttlSeconds).toBe(86400);
  });

  it("answers health checks", async () => {
    expect(await t.client.healthCheck()).toBe("SERVING");
    expect(await t.client.healthCheck("fstore.v1.FeatureService")).toBe("SERVING");
    const err = await t.client.healthCheck("no.such.Service").catch((e: unknown) => e);
    expect((err as FstoreClientError).code).toBe(status.NOT_FOUND);
  });

  it("gives the raw protobuf-level client too, with int64 as bigint", async () => {
    const res = await t.client.raw.getFeatureView({ name: "vehicle_features" });
    expect(res.featureView?.ttl?.seconds).toBe(BigInt(30 * 86400));
  });

  it("a second client on the same server sees the same registry", async () => {
    const other = createFstoreClient({ address: t.address });
    try {
      expect((await other.listEntities()).map((e) => e.name)).toEqual(["vehicle"]);
    } finally {
      await other.close();
    }
  });
});

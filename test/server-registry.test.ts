/**
 * Registry RPCs through the TypeScript client against a real server, over a
 * hand-made set of definitions held by an in-memory registry: every field is
 * checked against the definitions written here.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FstoreClientError } from "../clients/typescript/src/index.js";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FileSourceDef, PushSourceDef, RepoDefinitions } from "../src/registry/model.js";
import {
  createMemoryRegistry,
  type MemoryRegistry,
  startTestServer,
  type TestServer,
  testConfig,
} from "./support/server.js";

const described = { description: "", tags: {}, owner: "" };
const field = (name: string, dtype: ValueType, tags: Record<string, string> = {}) => ({
  name,
  dtype,
  description: `${name} doc`,
  tags,
});

const vehicleSource: FileSourceDef = {
  ...described,
  kind: "file",
  name: "vehicle_source",
  path: "data/vehicles.parquet",
  timestampField: "event_timestamp",
  createdTimestampColumn: "",
  fieldMapping: { desc_len: "description" },
};
const hourlyBatch: FileSourceDef = {
  ...described,
  kind: "file",
  name: "hourly_batch",
  path: "data/hourly/",
  timestampField: "event_timestamp",
  createdTimestampColumn: "created",
  fieldMapping: {},
};
const hourlyPush: PushSourceDef = {
  ...described,
  kind: "push",
  name: "hourly_push",
  batchSource: hourlyBatch,
};

const vehicleFeatures: FeatureViewDef = {
  name: "vehicle_features",
  description: "static vehicle attributes",
  tags: { team: "pricing", pii: "false" },
  owner: "ml@example.com",
  entities: ["vehicle"],
  entityColumns: [field("vehicle_id", ValueType.INT64)],
  features: [
    field("technology", ValueType.STRING),
    field("num_images", ValueType.INT64),
    field("actual_price", ValueType.DOUBLE, { unit: "eur" }),
  ],
  ttlSeconds: 30 * 86400,
  source: vehicleSource,
  online: true,
};
const hourlyStats: FeatureViewDef = {
  name: "vehicle_hourly_stats",
  description: "",
  tags: { team: "ops" },
  owner: "",
  entities: ["vehicle"],
  entityColumns: [field("vehicle_id", ValueType.INT64)],
  features: [field("recent_reservations", ValueType.INT64), field("current_price", ValueType.DOUBLE)],
  ttlSeconds: 7200,
  source: hourlyPush,
  online: true,
};

function definitions(extraView?: FeatureViewDef): RepoDefinitions {
  return {
    entities: [
      {
        name: "vehicle",
        joinKeys: ["vehicle_id"],
        valueType: ValueType.INT64,
        description: "a rental vehicle",
        tags: { team: "pricing" },
        owner: "ml@example.com",
      },
    ],
    dataSources: [vehicleSource, hourlyPush],
    featureViews: extraView ? [hourlyStats, vehicleFeatures, extraView] : [hourlyStats, vehicleFeatures],
    featureServices: [
      {
        name: "vehicle_model_v1",
        description: "model inputs",
        tags: { model: "v1" },
        owner: "",
        projections: [
          { featureView: "vehicle_features", features: ["num_images", "actual_price"] },
          { featureView: "price_features", features: ["price_diff"] },
        ],
      },
    ],
    onDemandFeatureViews: [
      {
        name: "price_features",
        description: "",
        tags: { team: "pricing" },
        owner: "",
        sources: [{ featureView: "vehicle_features", features: ["actual_price"] }],
        requestSchema: [field("quoted_price", ValueType.DOUBLE)],
        features: [field("price_diff", ValueType.DOUBLE)],
        udfSource:
          "(inputs) => ({ price_diff: inputs.actual_price.map((p, i) => p - inputs.quoted_price[i]) })",
      },
    ],
  };
}

let t: TestServer;
let registry: MemoryRegistry;
const appliedAt = new Date("2026-01-02T03:04:05Z");

beforeAll(async () => {
  registry = createMemoryRegistry("test_project", definitions(), appliedAt);
  t = await startTestServer({ config: testConfig(mkdtempSync(join(tmpdir(), "fstore-srv-"))), registry });
});
afterAll(async () => {
  await t?.shutdown();
});

describe("ListEntities", () => {
  it("returns every entity with its keys, type and apply times", async () => {
    const entities = await t.client.listEntities();
    expect(entities).toEqual([
      {
        name: "vehicle",
        joinKeys: ["vehicle_id"],
        valueType: "INT64",
        description: "a rental vehicle",
        tags: { team: "pricing" },
        owner: "ml@example.com",
        createdAt: appliedAt,
        updatedAt: appliedAt,
      },
    ]);
  });

  it("filters by tags (all given tags must match)", async () => {
    expect(await t.client.listEntities({ team: "pricing" })).toHaveLength(1);
    expect(await t.client.listEntities({ team: "ops" })).toHaveLength(0);
  });
});

describe("ListFeatureViews", () => {
  it("lists views sorted by name, with sources, ttl and on-demand views", async () => {
    const { featureViews, onDemandFeatureViews } = await t.client.listFeatureViews();
    expect(featureViews.map((v) => v.name)).toEqual(["vehicle_features", "vehicle_hourly_stats"]);
    const [vf, hourly] = featureViews;
    expect(vf).toMatchObject({
      entities: ["vehicle"],
      entityColumns: [{ name: "vehicle_id", valueType: "INT64", description: "vehicle_id doc", tags: {} }],
      features: [
        { name: "technology", valueType: "STRING" },
        { name: "num_images", valueType: "INT64" },
        { name: "actual_price", valueType: "DOUBLE", tags: { unit: "eur" } },
      ],
      ttlSeconds: 30 * 86400,
      online: true,
      owner: "ml@example.com",
      tags: { team: "pricing", pii: "false" },
      streamSource: null,
      batchSource: {
        name: "vehicle_source",
        kind: "file",
        path: "data/vehicles.parquet",
        timestampField: "event_timestamp",
        fieldMapping: { desc_len: "description" },
      },
      createdAt: appliedAt,
      materializationIntervals: [],
      freshness: null,
      lastRun: null,
    });
    // A push-fed view: the batch source is the push source's, the stream source the push source.
    expect(hourly?.batchSource).toMatchObject({ name: "hourly_batch", kind: "file", path: "data/hourly/" });
    expect(hourly?.streamSource).toMatchObject({
      name: "hourly_push",
      kind: "push",
      createdTimestampColumn: "created",
      batchSource: { name: "hourly_batch", path: "data/hourly/", createdTimestampColumn: "created" },
    });
    expect(hourly?.ttlSeconds).toBe(7200);

    expect(onDemandFeatureViews).toHaveLength(1);
    expect(onDemandFeatureViews[0]).toMatchObject({
      name: "price_features",
      sources: [
        { featureView: "vehicle_features", features: [{ name: "actual_price", valueType: "DOUBLE" }] },
      ],
      requestSchema: [{ name: "quoted_price", valueType: "DOUBLE" }],
      features: [{ name: "price_diff", valueType: "DOUBLE" }],
    });
    expect(onDemandFeatureViews[0]?.udfSource).toContain("price_diff");
  });

  it("filters views and on-demand views by tags", async () => {
    const ops = await t.client.listFeatureViews({ team: "ops" });
    expect(ops.featureViews.map((v) => v.name)).toEqual(["vehicle_hourly_stats"]);
    expect(ops.onDemandFeatureViews).toEqual([]);
    const pricing = await t.client.listFeatureViews({ team: "pricing", pii: "false" });
    expect(pricing.featureViews.map((v) => v.name)).toEqual(["vehicle_features"]);
    expect(pricing.onDemandFeatureViews).toEqual([]);
  });
});

describe("ListFeatureServices", () => {
  it("returns services with typed projections, including on-demand features", async () => {
    const services = await t.client.listFeatureServices();
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({
      name: "vehicle_model_v1",
      description: "model inputs",
      tags: { model: "v1" },
      features: [
        {
          featureView: "vehicle_features",
          features: [
            { name: "num_images", valueType: "INT64" },
            { name: "actual_price", valueType: "DOUBLE" },
          ],
        },
        { featureView: "price_features", features: [{ name: "price_diff", valueType: "DOUBLE" }] },
      ],
    });
    expect(await t.client.listFeatureServices({ model: "v2" })).toEqual([]);
  });
});

describe("GetFeatureView", () => {
  it("includes materialization intervals, freshness and the last run", async () => {
    const start = new Date("2026-01-01T00:00:00Z");
    const end = new Date("2026-01-02T00:00:00Z");
    await registry.recordMaterializationInterval("vehicle_features", start, end);
    await registry.recordMaterializationRun({
      featureView: "vehicle_features",
      start,
      end,
      outcome: "succeeded",
      rowsRead: 1234,
      entitiesWritten: 1000,
      error: "",
      scheduled: true,
    });
    const before = Date.now();
    const view = await t.client.getFeatureView("vehicle_features");
    const after = Date.now();
    expect(view.name).toBe("vehicle_features");
    expect(view.materializationIntervals).toHaveLength(1);
    expect(view.materializationIntervals[0]?.start).toEqual(start);
    expect(view.materializationIntervals[0]?.end).toEqual(end);
    expect(view.lastRun).toEqual({
      start,
      end,
      outcome: "succeeded",
      rowsRead: 1234,
      entitiesWritten: 1000,
      error: "",
      scheduled: true,
    });
    expect(view.freshness?.lastMaterializedEnd).toEqual(end);
    // Age is "now - end", measured on the server between our two clock reads.
    expect(view.freshness?.ageMs).toBeGreaterThanOrEqual(before - end.getTime());
    expect(view.freshness?.ageMs).toBeLessThanOrEqual(after - end.getTime());
  });

  it("answers NOT_FOUND naming an unknown view", async () => {
    const err = await t.client.getFeatureView("no_such_view").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FstoreClientError);
    const e = err as FstoreClientError;
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.codeName).toBe("NOT_FOUND");
    expect(e.method).toBe("GetFeatureView");
    expect(e.details).toContain('"no_such_view"');
    expect(e.details).toContain("vehicle_features");
  });

  it("points at ListFeatureViews for an on-demand view's name", async () => {
    const e = (await t.client.getFeatureView("price_features").catch((x: unknown) => x)) as FstoreClientError;
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.details).toContain("on-demand");
  });

  it("answers INVALID_ARGUMENT for an empty name", async () => {
    const e = (await t.client.getFeatureView("").catch((x: unknown) => x)) as FstoreClientError;
    expect(e.code).toBe(status.INVALID_ARGUMENT);
  });
});

describe("registry changes", () => {
  it("shows an applied change on the next call, without a restart", async () => {
    const added: FeatureViewDef = { ...vehicleFeatures, name: "added_view", tags: {} };
    registry.setDefinitions(definitions(added));
    const { featureViews } = await t.client.listFeatureViews();
    expect(featureViews.map((v) => v.name)).toEqual([
      "added_view",
      "vehicle_features",
      "vehicle_hourly_stats",
    ]);
    expect((await t.client.getFeatureView("added_view")).name).toBe("added_view");
    registry.setDefinitions(definitions());
    const e = (await t.client.getFeatureView("added_view").catch((x: unknown) => x)) as FstoreClientError;
    expect(e.code).toBe(status.NOT_FOUND);
  });
});

describe("malformed requests", () => {
  /** Sends raw bytes as the request of `path` and resolves the status. */
  function sendBytes(
    path: string,
    bytes: number[],
    streaming: boolean,
  ): Promise<{ code: number; details: string }> {
    const raw = new Client(t.address, credentials.createInsecure());
    const serialize = (b: Buffer) => b;
    const deserialize = (b: Buffer) => b;
    return new Promise((resolve) => {
      const done = (err: ServiceError | null) => {
        raw.close();
        resolve({ code: err?.code ?? 0, details: err?.details ?? "" });
      };
      if (streaming) {
        const call = raw.makeServerStreamRequest(
          path,
          serialize,
          deserialize,
          Buffer.from(bytes),
          new Metadata(),
        );
        call.on("data", () => {});
        call.on("error", (e: ServiceError) => done(e));
        call.on("end", () => done(null));
      } else {
        raw.makeUnaryRequest(path, serialize, deserialize, Buffer.from(bytes), new Metadata(), {}, (e) =>
          done(e),
        );
      }
    });
  }

  it("answers INVALID_ARGUMENT (not INTERNAL) for bytes that are not the request message", async () => {
    // Field 1 (name) as length-delimited with a length running past the end.
    const res = await sendBytes("/fstore.v1.FeatureService/GetFeatureView", [0x0a, 0x7f, 0x61], false);
    expect(res.code).toBe(status.INVALID_ARGUMENT);
    expect(res.details).toContain("fstore.v1.GetFeatureViewRequest");
  });

  it("does the same for streaming RPCs, and keeps serving", async () => {
    const res = await sendBytes("/fstore.v1.FeatureService/Materialize", [0xff, 0xff, 0xff], true);
    expect(res.code).toBe(status.INVALID_ARGUMENT);
    expect(res.details).toContain("fstore.v1.MaterializeRequest");
    expect((await t.client.listEntities()).map((e) => e.name)).toEqual(["vehicle"]);
  });
});

/**
 * GetOnlineFeatures end to end: a real gRPC server and client, a registry of
 * hand-made definitions, rows written straight into each real store (SQLite,
 * Redis packed, Redis feast), and expectations computed independently from
 * the rows written (an oracle over plain maps).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type FstoreClientError, typedValue } from "../clients/typescript/src/index.js";
import type { RepoConfig } from "../src/config/types.js";
import { createOnlineStore, type OnlineStore, writeOnlineRows } from "../src/online/index.js";
import type {
  FeatureServiceDef,
  FeatureViewDef,
  OnDemandFeatureViewDef,
  RepoDefinitions,
} from "../src/registry/model.js";
import type { NativeValue } from "../src/values/index.js";
import { featureView, field, ValueType } from "./support/online-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";
import {
  createMemoryRegistry,
  type MemoryRegistry,
  startTestServer,
  type TestServer,
  testConfig,
} from "./support/server.js";

const HOUR = 3_600_000;
const vehicleId = field("vehicle_id", ValueType.INT64);
const zone = field("zone", ValueType.STRING);

const vehicleFeatures = featureView(
  "vehicle_features",
  [vehicleId],
  [
    field("technology", ValueType.STRING),
    field("num_images", ValueType.INT64),
    field("actual_price", ValueType.DOUBLE),
    field("recommended_price", ValueType.DOUBLE),
  ],
  30 * 24 * 3600,
  ["vehicle"],
);
const vehicleHourly = featureView(
  "vehicle_hourly",
  [vehicleId],
  [field("recent_reservations", ValueType.INT64), field("current_price", ValueType.DOUBLE)],
  2 * 3600,
  ["vehicle"],
);
const zoneStats = featureView(
  "zone_stats",
  [zone],
  [field("demand", ValueType.DOUBLE), field("technology", ValueType.STRING)],
  0,
  ["zone"],
);
const vehicleZone = featureView("vehicle_zone", [vehicleId, zone], [field("trips", ValueType.INT64)], 0, [
  "vehicle",
  "zone",
]);
const described = { description: "", tags: {}, owner: "" };
const priceFeatures: OnDemandFeatureViewDef = {
  ...described,
  name: "price_features",
  sources: [{ featureView: "vehicle_features", features: ["actual_price", "recommended_price"] }],
  requestSchema: [],
  features: [field("price_diff", ValueType.DOUBLE)],
  udfSource: `(inputs) => ({
    price_diff: inputs.actual_price.map((actual, i) => {
      const recommended = inputs.recommended_price[i];
      return actual === null || recommended === null ? null : actual - recommended;
    }),
  })`,
};
const discounted: OnDemandFeatureViewDef = {
  ...described,
  name: "discounted",
  sources: [{ featureView: "vehicle_hourly", features: ["current_price"] }],
  requestSchema: [field("discount", ValueType.DOUBLE)],
  features: [field("final_price", ValueType.DOUBLE), field("label", ValueType.STRING)],
  udfSource: `(inputs) => ({
    final_price: inputs.current_price.map((p, i) => (p === null ? null : p - inputs.discount[i])),
    label: inputs.vehicle_hourly__current_price.map((p) => (p === null ? "none" : "priced")),
  })`,
};
const brokenOdfv: OnDemandFeatureViewDef = {
  ...described,
  name: "broken",
  sources: [{ featureView: "vehicle_hourly", features: ["current_price"] }],
  requestSchema: [],
  features: [field("oops", ValueType.INT64)],
  udfSource: `(inputs) => ({ oops: inputs.current_price.map(() => "not a number") })`,
};
const modelV1: FeatureServiceDef = {
  ...described,
  name: "model_v1",
  projections: [
    { featureView: "vehicle_features", features: [] },
    { featureView: "vehicle_hourly", features: ["recent_reservations"] },
    { featureView: "price_features", features: ["price_diff"] },
  ],
};

const pricingV1: FeatureServiceDef = {
  ...described,
  name: "pricing_v1",
  projections: [
    { featureView: "vehicle_hourly", features: ["current_price", "recent_reservations"] },
    { featureView: "vehicle_features", features: ["num_images"] },
  ],
};

function definitions(views: FeatureViewDef[]): RepoDefinitions {
  return {
    entities: [
      { ...described, name: "vehicle", joinKeys: ["vehicle_id"], valueType: ValueType.INT64 },
      { ...described, name: "zone", joinKeys: ["zone"], valueType: ValueType.STRING },
    ],
    dataSources: views.map((v) => v.source),
    featureViews: views,
    featureServices: [modelV1, pricingV1],
    onDemandFeatureViews: [priceFeatures, discounted, brokenOdfv],
  };
}
const allViews = [vehicleFeatures, vehicleHourly, zoneStats, vehicleZone];

/** What was written: view -> entity key string -> { ts, values by name }. The oracle reads only this. */
type Written = Map<string, Map<string, { ts: number; values: Record<string, NativeValue> }>>;

const now = Date.now();
function seedRows(): { view: FeatureViewDef; key: NativeValue[]; ts: number; values: NativeValue[] }[] {
  return [
    { view: vehicleFeatures, key: [1n], ts: now - HOUR, values: ["electric", 12n, 100.5, 90.25] },
    { view: vehicleFeatures, key: [2n], ts: now - 2 * HOUR, values: ["petrol", 3n, 50, 60] },
    { view: vehicleFeatures, key: [3n], ts: now - 3 * HOUR, values: [null, 0n, 70, null] },
    { view: vehicleHourly, key: [1n], ts: now - 10 * 60_000, values: [4n, 101.5] },
    // Older than the view's 2h ttl: OUTSIDE_MAX_AGE, value still returned.
    { view: vehicleHourly, key: [2n], ts: now - 3 * HOUR, values: [1n, 49.5] },
    // ttl 0: never expires, even a year later.
    { view: zoneStats, key: ["north"], ts: now - 400 * 24 * HOUR, values: [0.75, "zone-tech"] },
    { view: vehicleZone, key: [1n, "north"], ts: now - HOUR, values: [7n] },
    { view: vehicleZone, key: [2n, "north"], ts: now - HOUR, values: [8n] },
  ];
}

async function seed(store: OnlineStore): Promise<Written> {
  const written: Written = new Map();
  for (const r of seedRows()) {
    await writeOnlineRows(store, r.view, [{ entityKey: r.key, eventTimeUs: r.ts * 1000, values: r.values }]);
    const byKey = written.get(r.view.name) ?? new Map();
    byKey.set(r.key.map(String).join("|"), {
      ts: r.ts,
      values: Object.fromEntries(r.view.features.map((f, i) => [f.name, r.values[i] ?? null])),
    });
    written.set(r.view.name, byKey);
  }
  return written;
}

/** The expected column of `view:feature` for entity rows, from `written` alone. */
function expectedColumn(written: Written, view: FeatureViewDef, feature: string, keys: NativeValue[][]) {
  return keys.map((k) => {
    const row = written.get(view.name)?.get(k.map(String).join("|"));
    // Not found: an unset Timestamp on the wire (the epoch to the client).
    if (!row) return { value: null, status: "NOT_FOUND", ts: new Date(0) };
    const value = row.values[feature] ?? null;
    const stale = view.ttlSeconds > 0 && Date.now() - row.ts > view.ttlSeconds * 1000;
    return {
      value,
      status: value === null ? "NULL_VALUE" : stale ? "OUTSIDE_MAX_AGE" : "PRESENT",
      ts: new Date(row.ts),
    };
  });
}

let redis: StartedRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

const storeDocs: [string, () => Record<string, unknown>][] = [
  ["sqlite", () => ({ online_store: { type: "sqlite", path: "data/online.db" } })],
  ["redis packed", () => ({ online_store: { type: "redis", connection_string: redis.connectionString } })],
  [
    "redis feast",
    () => ({ online_store: { type: "redis", connection_string: redis.connectionString, layout: "feast" } }),
  ],
];

describe.each(storeDocs)("GetOnlineFeatures over gRPC: %s", (storeName, doc) => {
  let t: TestServer;
  let registry: MemoryRegistry;
  let config: RepoConfig;
  let store: OnlineStore;
  let written: Written;

  beforeAll(async () => {
    const project = `p_${storeName.replace(/ /g, "_")}`;
    config = testConfig(mkdtempSync(join(tmpdir(), "fstore-online-rpc-")), {
      ...doc(),
      project,
      server: { max_entities_per_request: 50 },
    });
    registry = createMemoryRegistry(project, definitions(allViews));
    store = createOnlineStore(config);
    written = await seed(store);
    t = await startTestServer({ config, registry });
  });
  afterAll(async () => {
    await t?.shutdown();
    await store?.close();
  });

  it("returns join keys first, then features, with values, statuses and event times; duplicates fanned out", async () => {
    const keys = [1n, 2n, 1n, 4n, 3n, 2n];
    const refs = [
      "vehicle_features:technology",
      "vehicle_features:actual_price",
      "vehicle_hourly:recent_reservations",
      "vehicle_hourly:current_price",
      "vehicle_features:num_images",
    ];
    const res = await t.client.getOnlineFeatures({ features: refs, entities: { vehicle_id: keys } });
    expect(res.featureNames).toEqual(["vehicle_id", ...refs.map((r) => r.split(":")[1])]);
    expect(res.columns[0]?.values).toEqual(keys);
    expect(res.columns[0]?.statuses).toEqual(keys.map(() => "PRESENT"));
    refs.forEach((ref, i) => {
      const [viewName, feature] = ref.split(":") as [string, string];
      const view = allViews.find((v) => v.name === viewName) as FeatureViewDef;
      const exp = expectedColumn(
        written,
        view,
        feature,
        keys.map((k) => [k]),
      );
      const col = res.columns[i + 1];
      expect({ ref, values: col?.values }).toEqual({ ref, values: exp.map((e) => e.value) });
      expect({ ref, statuses: col?.statuses }).toEqual({ ref, statuses: exp.map((e) => e.status) });
      expect({ ref, ts: col?.eventTimestamps }).toEqual({ ref, ts: exp.map((e) => e.ts) });
    });
    // Spot checks of the oracle itself, by hand.
    expect(res.rows[1]).toMatchObject({ vehicle_id: 2n, technology: "petrol", current_price: 49.5 });
    expect(res.columns[4]?.statuses[1]).toBe("OUTSIDE_MAX_AGE");
    expect(res.columns[1]?.statuses[4]).toBe("NULL_VALUE");
    expect(res.columns[1]?.statuses[3]).toBe("NOT_FOUND");
  });

  it("names columns view__feature with full_feature_names, and rejects ambiguous names without", async () => {
    const features = ["vehicle_features:technology", "zone_stats:technology"];
    const res = await t.client.getOnlineFeatures({
      features,
      entities: { vehicle_id: [1n], zone: ["north"] },
      fullFeatureNames: true,
    });
    expect(res.featureNames).toEqual([
      "vehicle_id",
      "zone",
      "vehicle_features__technology",
      "zone_stats__technology",
    ]);
    expect(res.rows[0]).toMatchObject({
      vehicle_features__technology: "electric",
      zone_stats__technology: "zone-tech",
    });
    // ttl 0 never expires, even 400 days later.
    expect(res.columns[3]?.statuses).toEqual(["PRESENT"]);
    await expect(
      t.client.getOnlineFeatures({ features, entities: { vehicle_id: [1n], zone: ["north"] } }),
    ).rejects.toMatchObject({
      codeName: "INVALID_ARGUMENT",
      message: expect.stringMatching(/"technology" is ambiguous.*full_feature_names/),
    });
  });

  it("serves a feature service, including an on-demand feature computed from fetched sources", async () => {
    const keys = [1n, 2n, 3n, 4n];
    const res = await t.client.getOnlineFeatures({
      featureServices: ["model_v1"],
      entities: { vehicle_id: keys },
    });
    expect(res.featureNames).toEqual([
      "vehicle_id",
      "technology",
      "num_images",
      "actual_price",
      "recommended_price",
      "recent_reservations",
      "price_diff",
    ]);
    const diff = res.columns[6];
    // Independently: actual - recommended from the seeded rows; null when either is missing.
    expect(diff?.values).toEqual([100.5 - 90.25, 50 - 60, null, null]);
    expect(diff?.statuses).toEqual(["PRESENT", "PRESENT", "NULL_VALUE", "NULL_VALUE"]);
  });

  it("serves several feature services in order, a feature in both of them once", async () => {
    const res = await t.client.getOnlineFeatures({
      featureServices: ["pricing_v1", "model_v1"],
      entities: { vehicle_id: [1n] },
    });
    expect(res.featureNames).toEqual([
      "vehicle_id",
      "current_price",
      "recent_reservations",
      "num_images",
      "technology",
      "actual_price",
      "recommended_price",
      "price_diff",
    ]);
    expect(res.rows[0]?.num_images).toBe(12n);
  });

  it("computes on-demand features from sources that were not requested, plus request data", async () => {
    const res = await t.client.getOnlineFeatures({
      features: ["discounted:final_price", "discounted:label"],
      entities: { vehicle_id: [1n, 4n, 2n] },
      requestContext: { discount: [1.5, 2, 0.5] },
    });
    expect(res.featureNames).toEqual(["vehicle_id", "final_price", "label"]);
    expect(res.columns[1]?.values).toEqual([101.5 - 1.5, null, 49.5 - 0.5]);
    expect(res.columns[2]?.values).toEqual(["priced", "none", "priced"]);
    await expect(
      t.client.getOnlineFeatures({ features: ["discounted:final_price"], entities: { vehicle_id: [1n] } }),
    ).rejects.toMatchObject({
      codeName: "INVALID_ARGUMENT",
      message: expect.stringMatching(/missing request data "discount".*"discounted"/),
    });
    await expect(
      t.client.getOnlineFeatures({
        features: ["discounted:final_price"],
        entities: { vehicle_id: [1n, 2n] },
        requestContext: { discount: [1] },
      }),
    ).rejects.toMatchObject({
      codeName: "INVALID_ARGUMENT",
      message: expect.stringMatching(/"discount" has 1 values/),
    });
  });

  it("reports an on-demand view returning the wrong type as FAILED_PRECONDITION naming it", async () => {
    await expect(
      t.client.getOnlineFeatures({ features: ["broken:oops"], entities: { vehicle_id: [1n] } }),
    ).rejects.toMatchObject({
      codeName: "FAILED_PRECONDITION",
      message: expect.stringMatching(/"broken" feature "oops" row 0: expected INT64, got string/),
    });
  });

  it("reads views keyed by several join keys", async () => {
    const res = await t.client.getOnlineFeatures({
      features: ["vehicle_zone:trips", "vehicle_features:num_images"],
      entities: { vehicle_id: [2n, 1n, 1n], zone: ["north", "north", "south"] },
    });
    expect(res.featureNames).toEqual(["vehicle_id", "zone", "trips", "num_images"]);
    expect(res.columns[2]?.values).toEqual([8n, 7n, null]);
    expect(res.columns[2]?.statuses).toEqual(["PRESENT", "PRESENT", "NOT_FOUND"]);
    expect(res.columns[3]?.values).toEqual([3n, 12n, 12n]);
  });

  it("gives precise statuses for bad input", async () => {
    const call = (req: Parameters<typeof t.client.getOnlineFeatures>[0]) =>
      t.client.getOnlineFeatures(req).then(
        () => "OK",
        (e: FstoreClientError) => `${e.codeName}: ${e.message}`,
      );
    const v = { vehicle_id: [1n] };
    expect(
      await call({ features: ["vehicle_features:technology"], entities: { vehicle_id: ["abc"] } }),
    ).toMatch(/^INVALID_ARGUMENT: .*column "vehicle_id" row 0: expected INT64, got stringVal "abc"/);
    expect(await call({ features: ["vehicle_features:nope", "ghost:x"], entities: v })).toMatch(
      /^NOT_FOUND: .*feature "nope" in view "vehicle_features", feature view "ghost"/,
    );
    expect(await call({ featureServices: ["no_such_service"], entities: v })).toMatch(
      /^NOT_FOUND: .*feature service "no_such_service" not found/,
    );
    expect(await call({ features: ["vehicle_features"], entities: v })).toMatch(
      /^INVALID_ARGUMENT: .*malformed feature reference "vehicle_features": expected "view:feature"/,
    );
    expect(await call({ features: [], entities: v })).toMatch(/^INVALID_ARGUMENT: .*no features requested/);
    // The raw client sends what it is given: the server checks the selection itself.
    const raw = (req: Parameters<typeof t.client.raw.getOnlineFeatures>[0]) =>
      t.client.raw.getOnlineFeatures(req).then(
        () => "OK",
        (e: FstoreClientError) => `${e.codeName}: ${e.message}`,
      );
    const entities = { vehicle_id: { val: [{ val: { case: "int64Val" as const, value: 1n } }] } };
    expect(
      await raw({
        selection: { features: ["vehicle_features:technology"], featureServices: ["model_v1"] },
        entities,
      }),
    ).toMatch(/^INVALID_ARGUMENT: .*give feature references or feature services, not both/);
    expect(await raw({ selection: { featureServices: ["model_v1", ""] }, entities })).toMatch(
      /^INVALID_ARGUMENT: .*selection.feature_services holds an empty name/,
    );
    const many = Array.from({ length: 51 }, (_, i) => BigInt(i));
    expect(await call({ features: ["vehicle_features:technology"], entities: { vehicle_id: many } })).toMatch(
      /^INVALID_ARGUMENT: .*51 entity rows exceed the limit of 50/,
    );
    expect(
      await call({ features: ["vehicle_zone:trips"], entities: { vehicle_id: [1n, 2n], zone: ["north"] } }),
    ).toMatch(/^INVALID_ARGUMENT: .*entity columns differ in length/);
    expect(await call({ features: ["vehicle_zone:trips"], entities: v })).toMatch(
      /^INVALID_ARGUMENT: .*missing entity column "zone", the join key of feature view "vehicle_zone"/,
    );
    expect(
      await call({ features: ["vehicle_features:technology"], entities: { ...v, colour: ["red"] } }),
    ).toMatch(/^INVALID_ARGUMENT: .*entity column "colour" is not a join key/);
    // An int32 value for an INT64 key widens losslessly and is served.
    expect(
      await call({
        features: ["vehicle_features:technology"],
        entities: { vehicle_id: [typedValue(1, "INT32")] },
      }),
    ).toBe("OK");
  });

  it("picks up a registry change: a row written before the schema changed is never misread", async () => {
    const changed = featureView(
      "vehicle_features",
      [vehicleId],
      [
        field("recommended_price", ValueType.DOUBLE),
        field("rating", ValueType.DOUBLE),
        field("technology", ValueType.STRING),
        // Retyped since the rows were written.
        field("num_images", ValueType.STRING),
      ],
      30 * 24 * 3600,
      ["vehicle"],
    );
    registry.setDefinitions({
      ...definitions([changed, vehicleHourly, zoneStats, vehicleZone]),
      featureServices: [],
      onDemandFeatureViews: [],
    });
    try {
      const res = await t.client.getOnlineFeatures({
        features: [
          "vehicle_features:technology",
          "vehicle_features:rating",
          "vehicle_features:num_images",
          "vehicle_features:recommended_price",
        ],
        entities: { vehicle_id: [1n] },
      });
      expect(res.rows[0]).toEqual({
        vehicle_id: 1n,
        technology: "electric",
        rating: null,
        num_images: null,
        recommended_price: 90.25,
      });
      expect(res.columns.map((c) => c.statuses[0])).toEqual([
        "PRESENT",
        "PRESENT",
        "NOT_FOUND",
        "NOT_FOUND",
        "PRESENT",
      ]);
    } finally {
      registry.setDefinitions(definitions(allViews));
    }
  });

  if (storeName.startsWith("redis")) {
    it("reads every view of a request in one Redis round trip", async () => {
      const pipelines = vi.spyOn(Redis.prototype, "pipeline");
      const singles = vi.spyOn(Redis.prototype, "hmgetBuffer");
      const stats = new Redis({ host: "127.0.0.1", port: redis.port, lazyConnect: true });
      await stats.connect();
      const calls_ = async (cmd: string) => {
        const info = await stats.info("commandstats");
        return Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
      };
      try {
        const before = {
          hmget: await calls_("hmget"),
          evalsha: await calls_("evalsha"),
          eval: await calls_("eval"),
        };
        const keys = [1n, 2n, 3n, 4n, 1n, 2n, 3n, 4n, 5n, 6n];
        const res = await t.client.getOnlineFeatures({
          features: [
            "vehicle_features:technology",
            "vehicle_hourly:current_price",
            "vehicle_zone:trips",
            "price_features:price_diff",
          ],
          entities: { vehicle_id: keys, zone: keys.map(() => "north") },
        });
        expect(res.columns[3]?.values.slice(0, 2)).toEqual([101.5, 49.5]);
        // One command from the client: the read script (at most the auto-pipeline wrapping it).
        expect(pipelines.mock.calls.length).toBeLessThanOrEqual(1);
        expect(singles).not.toHaveBeenCalled();
        const scriptCalls =
          (await calls_("evalsha")) - before.evalsha + ((await calls_("eval")) - before.eval);
        expect(scriptCalls).toBe(1);
        // Views of the same entity share one Redis hash: one HMGET per distinct key
        // (6 vehicles + 6 vehicle/zone pairs), however many views and duplicates.
        expect((await calls_("hmget")) - before.hmget).toBe(12);
      } finally {
        pipelines.mockRestore();
        singles.mockRestore();
        stats.disconnect();
      }
    });
  }
});

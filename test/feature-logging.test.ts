/**
 * Feature logging end to end: a real gRPC server serving a feature service
 * with `logging`, its responses taken from the wire by a raw client, and the
 * Parquet files the logging worker wrote read back with DuckDB. The oracle is
 * what was served (the responses decoded by protobuf-es), row for row.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetOnlineFeaturesRequestSchema,
  type GetOnlineFeaturesResponse,
  GetOnlineFeaturesResponseSchema,
  ListFeatureServicesRequestSchema,
  ListFeatureServicesResponseSchema,
} from "../gen/fstore/v1/feature_service_pb.js";
import type { Value } from "../gen/fstore/v1/value_pb.js";
import { Entity, FeatureService, FeatureView, Field, FileSource, Int64 } from "../src/definitions/index.js";
import { createFeatureLogger } from "../src/feature-logging/index.js";
import { createRawClient } from "../src/fuzz/raw-client.js";
import {
  createOnlineStore,
  encodeOnlineResponse,
  onlineResult,
  writeOnlineRows,
} from "../src/online/index.js";
import type { FeatureServiceDef, RepoDefinitions } from "../src/registry/model.js";
import { serverFeatureLogger } from "../src/server/handlers/online.js";
import { featureView, field, ValueType } from "./support/online-fixtures.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

const HOUR = 3_600_000;
const described = { description: "", tags: {}, owner: "" };
const vehicleId = field("vehicle_id", ValueType.INT64);
const vehicles = featureView(
  "vehicles",
  [vehicleId],
  [
    field("technology", ValueType.STRING),
    field("num_images", ValueType.INT64),
    field("price", ValueType.DOUBLE),
    field("parked", ValueType.BOOL),
  ],
  2 * 3600,
  ["vehicle"],
);
const logged: FeatureServiceDef = {
  ...described,
  name: "logged_v1",
  projections: [{ featureView: "vehicles", features: [] }],
  logging: { sampleRate: 1, destination: { path: "logged" } },
};
const plain: FeatureServiceDef = {
  ...described,
  name: "plain_v1",
  projections: [{ featureView: "vehicles", features: ["price"] }],
};
const definitions: RepoDefinitions = {
  entities: [{ ...described, name: "vehicle", joinKeys: ["vehicle_id"], valueType: ValueType.INT64 }],
  dataSources: [vehicles.source],
  featureViews: [vehicles],
  featureServices: [logged, plain],
  onDemandFeatureViews: [],
};

const FEATURES = ["technology", "num_images", "price", "parked"];
const viewOptions = {
  name: "v",
  entities: [new Entity({ name: "e", joinKeys: ["e_id"], valueType: Int64 })],
  schema: [new Field({ name: "x", dtype: Int64 })],
  source: new FileSource({ name: "src", path: "data/v.parquet", timestampField: "ts" }),
};

async function startServing(intervalSecs: number): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "fstore-logging-"));
  const config = testConfig(dir, {
    online_store: { type: "sqlite", path: "data/online.db" },
    feature_logging: { write_to_disk_interval_secs: intervalSecs },
  });
  const store = createOnlineStore(config);
  const now = Date.now();
  const rows: [bigint, number, (string | bigint | number | boolean | null)[]][] = [
    [1n, now - 60_000, ["electric", 12n, 100.5, true]],
    // Older than the view's 2 h ttl: served OUTSIDE_MAX_AGE.
    [2n, now - 3 * HOUR, ["petrol", 3n, 50.25, false]],
    [3n, now - HOUR, [null, 0n, null, null]],
    [5n, now - 2 * 60_000, ["diesel", -7n, -1.5e300, true]],
  ];
  for (const [id, ts, values] of rows) {
    await writeOnlineRows(store, vehicles, [{ entityKey: [id], eventTimeUs: ts * 1000, values }]);
  }
  await store.close();
  return startTestServer({ config, registry: createMemoryRegistry(config.project, definitions) });
}

function request(ids: bigint[], selection: { featureServices?: string[]; features?: string[] }) {
  return toBinary(
    GetOnlineFeaturesRequestSchema,
    create(GetOnlineFeaturesRequestSchema, {
      selection,
      entities: { vehicle_id: { val: ids.map((id) => ({ val: { case: "int64Val" as const, value: id } })) } },
    }),
  );
}

/** A served Value as the log holds it (null for an empty Value or null_val). */
function plainValue(v: Value): unknown {
  const c = v.val;
  if (c.case === undefined || c.case === "nullVal") return null;
  return c.value;
}

/** The rows a response should add to the log, computed from the response alone. */
function expectedRows(response: GetOnlineFeaturesResponse): Record<string, unknown>[] {
  const [keys, ...features] = response.results;
  return (keys?.values ?? []).map((key, row) => {
    const out: Record<string, unknown> = { vehicle_id: plainValue(key) };
    features.forEach((vector, i) => {
      const name = `vehicles__${FEATURES[i]}`;
      out[name] = plainValue(vector.values[row] as Value);
      out[`${name}__status`] = vector.statuses[row];
      const ts = vector.eventTimestamps[row];
      const us = ts ? Number(ts.seconds) * 1e6 + Math.floor(ts.nanos / 1000) : 0;
      out[`${name}__timestamp`] = us === 0 ? null : us;
    });
    return out;
  });
}

async function readLog(files: string[]): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const list = files.map((f) => `'${f}'`).join(", ");
    const select = [
      "vehicle_id",
      ...FEATURES.flatMap((f) => [
        `vehicles__${f}`,
        `vehicles__${f}__status`,
        `epoch_us(vehicles__${f}__timestamp) AS vehicles__${f}__timestamp`,
      ]),
      "epoch_ms(__log_timestamp) AS log_ms",
      "__feature_service_version",
    ];
    const reader = await connection.runAndReadAll(
      `SELECT ${select.join(", ")} FROM read_parquet([${list}], filename = true) ORDER BY filename, file_row_number`.replace(
        "filename = true",
        "filename = true, file_row_number = true",
      ),
    );
    return reader.getRowObjects().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) {
        out[k] =
          typeof v === "bigint" && !k.startsWith("vehicle_id") && !k.endsWith("num_images") ? Number(v) : v;
      }
      return out;
    });
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

describe("feature logging of GetOnlineFeatures", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServing(3600);
  });
  afterAll(async () => {
    await t?.shutdown();
  });

  it("logs exactly what was served for a service with logging: keys, values, statuses, event times", async () => {
    const raw = createRawClient(t.address);
    const served: GetOnlineFeaturesResponse[] = [];
    const before = Date.now();
    try {
      const asks = [[1n], [1n, 2n, 3n, 4n], [5n, 5n, 1n], [4n], [3n, 2n]];
      for (const ids of asks) {
        const r = await raw.call("GetOnlineFeatures", request(ids, { featureServices: ["logged_v1"] }));
        expect(r.code).toBe(0);
        served.push(fromBinary(GetOnlineFeaturesResponseSchema, r.messages[0] as Uint8Array));
      }
      // Not logged: a service without logging, and the same features asked by reference.
      for (const selection of [{ featureServices: ["plain_v1"] }, { features: ["vehicles:price"] }]) {
        const r = await raw.call("GetOnlineFeatures", request([1n, 2n], selection));
        expect(r.code).toBe(0);
      }
    } finally {
      raw.close();
    }
    const after = Date.now();
    const logger = serverFeatureLogger(t.server.deps);
    const files = await logger.rotate();
    expect(files).toHaveLength(1);
    expect(files[0]).toContain(join(t.config.offlineStore.logDir, "logged"));
    const rows = await readLog(files);
    const expected = served.flatMap(expectedRows);
    expect(rows.length).toBe(11);
    expect(rows.map(({ log_ms: _l, __feature_service_version: _v, ...rest }) => rest)).toEqual(expected);
    // Every status was exercised.
    const statuses = new Set(rows.map((r) => r.vehicles__price__status));
    expect(statuses).toEqual(new Set([1, 2, 3, 4]));
    for (const r of rows) {
      expect(r.log_ms as number).toBeGreaterThanOrEqual(before - 1);
      expect(r.log_ms as number).toBeLessThanOrEqual(after + 1);
      expect(r.__feature_service_version).toMatch(/^[0-9a-f]{12}$/);
    }
    expect(logger.counts()).toEqual([{ featureService: "logged_v1", logged: 5, dropped: 0 }]);
  });
});

describe("a feature service's logging", () => {
  it("is checked where it is defined: a sample rate in (0, 1] and a folder inside log_dir", () => {
    const features = [new FeatureView({ ...viewOptions })];
    const ok = new FeatureService({ name: "s", features, logging: { sampleRate: 0.25 } });
    expect(ok.logging).toEqual({ sampleRate: 0.25, destination: { path: "s" } });
    for (const [logging, message] of [
      [{ sampleRate: 0 }, /logging\.sampleRate: expected a number in \(0, 1\], got 0/],
      [{ sampleRate: 1.5 }, /got 1\.5/],
      [
        { sampleRate: 1, destination: { path: "../up" } },
        /logging\.destination\.path: expected a relative folder/,
      ],
      [{ sampleRate: 1, destination: { path: "/abs" } }, /relative folder/],
      [{ sampleRate: 1, destnation: {} }, /destnation/],
    ] as const) {
      expect(() => new FeatureService({ name: "s", features, logging: logging as never })).toThrow(message);
    }
  });

  it("is listed with the service by ListFeatureServices", async () => {
    const t = await startServing(3600);
    const raw = createRawClient(t.address);
    try {
      const r = await raw.call(
        "ListFeatureServices",
        toBinary(ListFeatureServicesRequestSchema, create(ListFeatureServicesRequestSchema)),
      );
      const res = fromBinary(ListFeatureServicesResponseSchema, r.messages[0] as Uint8Array);
      const byName = new Map(res.featureServices.map((s) => [s.name, s.logging]));
      expect(byName.get("logged_v1")).toMatchObject({ sampleRate: 1, destinationPath: "logged" });
      expect(byName.get("plain_v1")).toBeUndefined();
    } finally {
      raw.close();
      await t.shutdown();
    }
  });
});

describe("feature logging's queue", () => {
  it("drops and counts what does not fit instead of waiting, and takes requests again once written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fstore-logqueue-"));
    const registry = createMemoryRegistry("p", definitions);
    const logger = createFeatureLogger({
      registry,
      offlineStore: { logDir: dir },
      featureLogging: { queueCapacity: 10, writeToDiskIntervalSecs: 3600 },
    });
    try {
      const result = onlineResult(2, [
        {
          name: "vehicle_id",
          dtype: ValueType.INT64,
          values: [7n, 8n],
          statuses: [1, 1],
          eventTimesUs: undefined,
        },
        ...FEATURES.map((f, i) => ({
          name: f,
          dtype: vehicles.features[i]?.dtype as ValueType,
          values: [["a", 1n, 2.5, true][i], null],
          statuses: [1, 2],
          eventTimesUs: new Float64Array([1_700_000_000_000_000, 1_700_000_000_000_000]),
        })),
      ]);
      const bytes = encodeOnlineResponse(result);
      const req = create(GetOnlineFeaturesRequestSchema, { selection: { featureServices: ["logged_v1"] } });
      // One synchronous burst: the worker cannot take anything meanwhile.
      for (let i = 0; i < 100; i++) logger.sinkFor(req, result, Date.now())?.(bytes);
      expect(logger.counts()).toEqual([{ featureService: "logged_v1", logged: 10, dropped: 90 }]);
      const files = await logger.rotate();
      const rows = await readLog(files);
      expect(rows).toHaveLength(20);
      expect(rows.filter((r) => r.vehicle_id === 8n).every((r) => r.vehicles__price === null)).toBe(true);
      expect(rows.filter((r) => r.vehicle_id === 7n).every((r) => r.vehicles__price === 2.5)).toBe(true);
      // Written: the queue has room again.
      logger.sinkFor(req, result, Date.now())?.(bytes);
      expect(logger.counts()[0]?.logged).toBe(11);
    } finally {
      await logger.close();
    }
  });
});

describe("feature logging's batches", () => {
  it("logs a response larger than a batch, and the smaller ones around it, row for row", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fstore-logbig-"));
    const logger = createFeatureLogger({
      registry: createMemoryRegistry("p", definitions),
      offlineStore: { logDir: dir },
      featureLogging: { queueCapacity: 100, writeToDiskIntervalSecs: 3600 },
    });
    /** A response of `rows` vehicles whose technology is a long string (so 20,000 rows are over 1 MiB). */
    const response = (rows: number, first: number) => {
      const ids = Array.from({ length: rows }, (_, r) => BigInt(first + r));
      const times = new Float64Array(rows).fill(1_700_000_000_000_000);
      return onlineResult(rows, [
        {
          name: "vehicle_id",
          dtype: ValueType.INT64,
          values: ids,
          statuses: ids.map(() => 1),
          eventTimesUs: undefined,
        },
        ...FEATURES.map((f, i) => ({
          name: f,
          dtype: vehicles.features[i]?.dtype as ValueType,
          values: ids.map((id) => [`tech-${id}-${"x".repeat(50)}`, id, Number(id) / 4, id % 2n === 0n][i]),
          statuses: ids.map(() => 1),
          eventTimesUs: times,
        })),
      ]);
    };
    try {
      const req = create(GetOnlineFeaturesRequestSchema, { selection: { featureServices: ["logged_v1"] } });
      const sizes: [number, number][] = [
        [3, 0],
        [20_000, 100],
        [2, 50_000],
      ];
      for (const [rows, first] of sizes) {
        const result = response(rows, first);
        const bytes = encodeOnlineResponse(result);
        if (rows === 20_000) expect(bytes.length).toBeGreaterThan(1 << 20);
        logger.sinkFor(req, result, Date.now())?.(bytes);
      }
      expect(logger.counts()).toEqual([{ featureService: "logged_v1", logged: 3, dropped: 0 }]);
      const rows = await readLog(await logger.rotate());
      const want = sizes.flatMap(([n, first]) => Array.from({ length: n }, (_, r) => BigInt(first + r)));
      expect(rows.map((r) => r.vehicle_id)).toEqual(want);
      for (const r of rows) {
        const id = r.vehicle_id as bigint;
        expect(r.vehicles__technology).toBe(`tech-${id}-${"x".repeat(50)}`);
        expect(r.vehicles__num_images).toBe(id);
        expect(r.vehicles__price).toBe(Number(id) / 4);
        expect(r.vehicles__parked).toBe(id % 2n === 0n);
      }
      // The slots are free again: more responses are logged.
      const result = response(1, 7);
      logger.sinkFor(req, result, Date.now())?.(encodeOnlineResponse(result));
      expect((await readLog(await logger.rotate())).map((r) => r.vehicle_id)).toEqual([7n]);
    } finally {
      await logger.close();
    }
  });
});

describe("feature logging's rotation", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServing(0.2);
  });
  afterAll(async () => {
    await t?.shutdown();
  });

  it("starts a new Parquet file every write_to_disk_interval_secs, losing no row", async () => {
    const folder = join(t.config.offlineStore.logDir, "logged");
    const parquetFiles = () =>
      existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".parquet")) : [];
    const raw = createRawClient(t.address);
    const waitForFiles = async (n: number) => {
      const deadline = Date.now() + 60_000;
      while (parquetFiles().length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      for (let round = 1; round <= 2; round++) {
        for (let i = 0; i < 3; i++) {
          const r = await raw.call(
            "GetOnlineFeatures",
            request([1n, 2n], { featureServices: ["logged_v1"] }),
          );
          expect(r.code).toBe(0);
        }
        await waitForFiles(round);
        expect(parquetFiles().length).toBe(round);
      }
    } finally {
      raw.close();
    }
    const rows = await readLog(parquetFiles().map((f) => join(folder, f)));
    expect(rows).toHaveLength(12);
  });
});

/**
 * GetHistoricalFeatures end to end: a real gRPC server on 127.0.0.1 and a
 * real TypeScript client, over real Parquet files. Streaming and Parquet
 * output, entity rows inline and from a registered source, every bad-input
 * status, cancellation, and the server still serving afterwards.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toJson } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { historicalRequest } from "../clients/typescript/src/historical.js";
import type { FstoreClient } from "../clients/typescript/src/index.js";
import { FstoreClientError } from "../clients/typescript/src/index.js";
import { GetHistoricalFeaturesResponseSchema } from "../gen/fstore/v1/feature_service_pb.js";
import { openDuckDb } from "../src/offline/index.js";
import type { RepoDefinitions } from "../src/registry/model.js";
import type { Cell } from "./offline-fixtures.js";
import {
  featureView,
  field,
  fileSource,
  rowsOfRecordBatch,
  service,
  T,
  tempDir,
  writeParquet,
} from "./offline-fixtures.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

const S = 1_000_000n;
const at = (s: number): Cell => ({ micros: BigInt(s) * S });
const date = (s: number) => new Date(s * 1000);

let server: TestServer;
let client: FstoreClient;
let dir: string;

beforeAll(async () => {
  dir = tempDir("fstore-historical-grpc-");
  const db = await openDuckDb({ threads: 1, memoryLimit: "256MB" });
  await writeParquet(
    db,
    join(dir, "stats.parquet"),
    [
      { name: "vehicle_id", type: "BIGINT" },
      { name: "ts", type: "TIMESTAMP" },
      { name: "price", type: "DOUBLE" },
      { name: "trips", type: "BIGINT" },
    ],
    [
      [1n, at(100), 10.5, 3n],
      [1n, at(200), 11.5, 4n],
      [2n, at(150), 20.0, 7n],
    ],
  );
  await writeParquet(
    db,
    join(dir, "labels.parquet"),
    [
      { name: "vehicle_id", type: "BIGINT" },
      { name: "ts", type: "TIMESTAMP" },
      { name: "label", type: "BIGINT" },
    ],
    [
      [1n, at(150), 1n],
      [2n, at(160), 0n],
      [1n, at(250), 1n],
      [3n, at(300), 0n],
    ],
  );
  await writeParquet(
    db,
    join(dir, "strkeys.parquet"),
    [
      { name: "vehicle_id", type: "VARCHAR" },
      { name: "ts", type: "TIMESTAMP" },
    ],
    [["x", at(1)]],
  );
  db.closeSync();
  writeFileSync(join(dir, "corrupt.parquet"), "this is not parquet at all, just text");

  const vid = field("vehicle_id", T.INT64);
  const stats = featureView(
    "stats",
    [vid],
    [field("price", T.DOUBLE), field("trips", T.INT64)],
    fileSource("stats_src", "stats.parquet"),
  );
  const missing = featureView(
    "missing",
    [vid],
    [field("m", T.DOUBLE)],
    fileSource("missing_src", "nowhere.parquet"),
  );
  const corrupt = featureView(
    "corrupt",
    [vid],
    [field("c", T.DOUBLE)],
    fileSource("corrupt_src", "corrupt.parquet"),
  );
  const labels = fileSource("labels", "labels.parquet");
  const strLabels = fileSource("str_labels", "strkeys.parquet");
  const defs: RepoDefinitions = {
    entities: [],
    dataSources: [stats.source, missing.source, corrupt.source, labels, strLabels],
    featureViews: [stats, missing, corrupt],
    featureServices: [
      service("svc", [{ featureView: "stats", features: ["trips"] }]),
      service("svc_price", [{ featureView: "stats", features: ["price", "trips"] }]),
    ],
    onDemandFeatureViews: [],
  };
  mkdirSync(join(dir, "out"));
  server = await startTestServer({
    config: testConfig(dir, { offline_store: { type: "file", output_dir: "out" } }),
    registry: createMemoryRegistry("test_project", defs),
  });
  client = server.client;
});

afterAll(async () => {
  await server?.shutdown();
});

const inline = {
  columns: { vehicle_id: [1n, 1n, 2n, 9n, 1n] },
  eventTimestamps: [date(99), date(100), date(400), date(500), date(100)],
};

async function expectStatus(p: Promise<unknown>, code: status, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${status[code]}`).toBeInstanceOf(FstoreClientError);
  expect(status[(err as FstoreClientError).code]).toBe(status[code]);
  expect((err as FstoreClientError).details).toMatch(message);
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // consume
  }
}

async function stillServing(): Promise<void> {
  const r = await client.getHistoricalFeatures({ features: ["stats:price"], entityRows: inline });
  expect(r.columns.price).toEqual([null, 10.5, 20.0, null, 10.5]);
}

describe("GetHistoricalFeatures over gRPC", () => {
  it("sends batches any protobuf client decodes: protobuf-es and the typed-column decoder agree", async () => {
    const request = {
      features: ["stats:price", "stats:trips"],
      entityRows: inline,
      options: { includeFeatureTimestamps: true },
      batchSize: 2,
    };
    const generic: Record<string, unknown>[] = [];
    for await (const m of client.raw.getHistoricalFeatures(historicalRequest(request))) {
      if (m.kind.case === "batch") generic.push(...rowsOfRecordBatch(m.kind.value));
    }
    const typed: Record<string, unknown>[] = [];
    for await (const ev of client.streamHistoricalColumns(request)) {
      if (ev.kind !== "batch") continue;
      for (let i = 0; i < ev.numRows; i++) {
        const row: Record<string, unknown> = {};
        for (const c of ev.columns) row[c.name] = c.nulls?.[i] ? null : c.values[i];
        typed.push(row);
      }
    }
    expect(generic).toHaveLength(5);
    expect(generic.map((r) => r.price)).toEqual([null, 10.5, 20.0, null, 10.5]);
    expect(typed).toEqual(generic);
  });

  it("shows the leakage audit's count in JSON, 0 included", async () => {
    let summary: unknown;
    for await (const m of client.raw.getHistoricalFeatures(
      historicalRequest({ features: ["stats:price"], entityRows: inline }),
    )) {
      if (m.kind.case === "summary") summary = toJson(GetHistoricalFeaturesResponseSchema, m);
    }
    expect(summary).toMatchObject({ summary: { leakageAudit: { violations: "0", passed: true } } });
  });

  it("streams a schema, batches and a summary with the leakage audit", async () => {
    const events = [];
    for await (const ev of client.streamHistoricalFeatures({
      // Two services sharing a feature: it is joined once, in first-selected order.
      featureServices: ["svc_price", "svc"],
      entityRows: inline,
      fullFeatureNames: true,
      options: { includeFeatureTimestamps: true },
      batchSize: 2,
    })) {
      events.push(ev);
    }
    expect(events[0]?.kind).toBe("schema");
    const batches = events.filter((e) => e.kind === "batch");
    expect(batches.map((b) => b.numRows)).toEqual([2, 2, 1]);
    const last = events.at(-1);
    expect(last?.kind).toBe("summary");
    if (last?.kind !== "summary") return;
    expect(last.summary.rowCount).toBe(5);
    expect(last.summary.matchCounts).toEqual([{ featureView: "stats", matchedRows: 3 }]);
    expect(last.summary.leakageViolations).toBe(0);
    expect(last.summary.leakagePassed).toBe(true);
    expect(last.summary.fields.map((f) => f.name)).toEqual([
      "vehicle_id",
      "event_timestamp",
      "stats__price",
      "stats__trips",
      "stats__event_timestamp",
    ]);

    const r = await client.getHistoricalFeatures({
      features: ["stats:price", "stats:trips"],
      entityRows: inline,
      options: { strict: true },
    });
    expect(r.columns.vehicle_id).toEqual([1n, 1n, 2n, 9n, 1n]);
    expect(r.columns.event_timestamp).toEqual(inline.eventTimestamps);
    // Strict: the row at exactly t=100 does not see the feature row at t=100.
    expect(r.columns.price).toEqual([null, null, 20.0, null, null]);
    expect(r.columns.trips).toEqual([null, null, 7n, null, null]);
  });

  it("writes Parquet inside the output directory and reports the path and schema", async () => {
    const r = await client.getHistoricalFeatures({
      features: ["stats:trips"],
      entitySource: { source: "labels", start: date(150), end: date(260) },
      parquetOutput: "sets/train.parquet",
    });
    expect(r.summary.rowCount).toBe(3);
    expect(r.summary.outputPath).toBe(join(dir, "out", "sets", "train.parquet"));
    expect(existsSync(r.summary.outputPath)).toBe(true);
    expect(r.summary.fields.map((f) => f.name)).toEqual(["vehicle_id", "event_timestamp", "label", "trips"]);
    expect(r.summary.matchCounts).toEqual([{ featureView: "stats", matchedRows: 3 }]);
    const db = await openDuckDb({ threads: 1 });
    const conn = await db.connect();
    const rows = (
      await conn.runAndReadAll(`SELECT vehicle_id, label, trips FROM read_parquet('${r.summary.outputPath}')`)
    ).getRows();
    conn.closeSync();
    db.closeSync();
    expect(rows).toEqual([
      [1n, 1n, 3n],
      [2n, 0n, 7n],
      [1n, 1n, 4n],
    ]);
  });

  it("gives every bad input a precise status and keeps serving", async () => {
    const cases: [() => Promise<unknown>, status, RegExp][] = [
      [
        () => client.getHistoricalFeatures({ features: ["stats:nope"], entityRows: inline }),
        status.NOT_FOUND,
        /feature "nope"/,
      ],
      [
        () => client.getHistoricalFeatures({ features: ["ghost:x"], entityRows: inline }),
        status.NOT_FOUND,
        /feature view "ghost"/,
      ],
      [
        () => client.getHistoricalFeatures({ featureServices: ["ghost_svc"], entityRows: inline }),
        status.NOT_FOUND,
        /feature service "ghost_svc"/,
      ],
      [
        () => client.getHistoricalFeatures({ features: ["statsprice"], entityRows: inline }),
        status.INVALID_ARGUMENT,
        /malformed feature reference/,
      ],
      [
        () => client.getHistoricalFeatures({ entityRows: inline }),
        status.INVALID_ARGUMENT,
        /no features requested: set selection.features/,
      ],
      [
        // The raw client sends what it is given: the server refuses both lists.
        () =>
          drain(
            client.raw.getHistoricalFeatures({
              selection: { features: ["stats:price"], featureServices: ["svc"] },
              entities: { case: "entitySource", value: { source: "labels" } },
            }),
          ),
        status.INVALID_ARGUMENT,
        /give feature references or feature services, not both/,
      ],
      [
        () =>
          client.getHistoricalFeatures({
            features: ["stats:price"],
            entityRows: { columns: { other: [1n] }, eventTimestamps: [date(1)] },
          }),
        status.INVALID_ARGUMENT,
        /join key "vehicle_id"/,
      ],
      [
        () =>
          client.getHistoricalFeatures({
            features: ["stats:price"],
            entityRows: { columns: { vehicle_id: [1n, "two"] }, eventTimestamps: [date(1), date(2)] },
          }),
        status.INVALID_ARGUMENT,
        /column "vehicle_id" row 1: expected INT64/,
      ],
      [
        () =>
          client.getHistoricalFeatures({
            features: ["stats:price"],
            entityRows: { columns: { vehicle_id: [1n, 2n] }, eventTimestamps: [date(1)] },
          }),
        status.INVALID_ARGUMENT,
        /"vehicle_id" has 2 values but there are 1 event timestamps/,
      ],
      [
        () => client.getHistoricalFeatures({ features: ["stats:price"] }),
        status.INVALID_ARGUMENT,
        /no entity rows/,
      ],
      [
        () => client.getHistoricalFeatures({ features: [], entityRows: inline }),
        status.INVALID_ARGUMENT,
        /no features requested/,
      ],
      [
        () =>
          client.getHistoricalFeatures({
            features: ["stats:price"],
            entityRows: { columns: { vehicle_id: [] }, eventTimestamps: [] },
          }),
        status.INVALID_ARGUMENT,
        /no entity rows/,
      ],
      [
        () =>
          client.getHistoricalFeatures({ features: ["stats:price"], entitySource: { source: "str_labels" } }),
        status.INVALID_ARGUMENT,
        /join key column "vehicle_id" is VARCHAR/,
      ],
      [
        () => client.getHistoricalFeatures({ features: ["stats:price"], entitySource: { source: "nope" } }),
        status.NOT_FOUND,
        /entity source "nope"/,
      ],
      [
        () =>
          client.getHistoricalFeatures({
            features: ["stats:price"],
            entityRows: inline,
            parquetOutput: "../escape.parquet",
          }),
        status.PERMISSION_DENIED,
        /outside the output directory/,
      ],
      [
        () =>
          client.getHistoricalFeatures({
            features: ["stats:price"],
            entityRows: inline,
            parquetOutput: "/etc/evil.parquet",
          }),
        status.PERMISSION_DENIED,
        /outside the output directory/,
      ],
      [
        () => client.getHistoricalFeatures({ features: ["missing:m"], entityRows: inline }),
        status.NOT_FOUND,
        /nowhere\.parquet/,
      ],
      [
        () => client.getHistoricalFeatures({ features: ["corrupt:c"], entityRows: inline }),
        status.FAILED_PRECONDITION,
        /corrupt\.parquet/,
      ],
      [
        () =>
          client.getHistoricalFeatures({
            features: ["stats:price", "stats:trips"],
            entityRows: { columns: { vehicle_id: [1n], trips: [5n] }, eventTimestamps: [date(1)] },
          }),
        status.INVALID_ARGUMENT,
        /output column "trips"/,
      ],
    ];
    for (const [call, code, message] of cases) {
      await expectStatus(call(), code, message);
      await stillServing();
    }
  });

  it("rejects an unparsable timestamp", async () => {
    const stream = client.raw.getHistoricalFeatures({
      selection: { features: ["stats:price"] },
      entities: {
        case: "entityRows",
        value: {
          columns: { vehicle_id: { val: [{ val: { case: "int64Val", value: 1n } }] } },
          eventTimestamps: [{ seconds: 1n << 50n, nanos: 0 }],
        },
      },
    });
    await expectStatus(
      drain(stream),
      status.INVALID_ARGUMENT,
      /event_timestamps row 0: unparsable timestamp/,
    );
    await stillServing();
  });

  it("stops when the client cancels, and keeps serving", async () => {
    const many = 20_000;
    const controller = new AbortController();
    let batches = 0;
    const run = (async () => {
      for await (const ev of client.streamHistoricalFeatures(
        {
          features: ["stats:price"],
          entityRows: {
            columns: { vehicle_id: Array.from({ length: many }, (_, i) => BigInt(i % 3)) },
            eventTimestamps: Array.from({ length: many }, (_, i) => date(i)),
          },
          batchSize: 100,
        },
        { signal: controller.signal },
      )) {
        if (ev.kind === "batch" && ++batches === 2) controller.abort();
      }
    })();
    await expect(run).rejects.toBeTruthy();
    expect(batches).toBeLessThan(many / 100);
    await stillServing();
  });
});

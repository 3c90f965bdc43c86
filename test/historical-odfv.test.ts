/**
 * On-demand feature views in GetHistoricalFeatures, end to end over a real
 * gRPC server: a training set from the example repository's feature service
 * `vehicle_model_v1` (whose `price_features:price_diff` is actual_price -
 * recommended_price), streamed and as Parquet, checked against the source
 * columns of the same rows; hidden inputs; full feature names; request data
 * from entity-row columns, and its absence as INVALID_ARGUMENT.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FstoreClientError } from "../clients/typescript/src/index.js";
import { openDuckDb } from "../src/offline/index.js";
import type { OnDemandFeatureViewDef, RepoDefinitions } from "../src/registry/model.js";
import type { Cell } from "./offline-fixtures.js";
import { featureView, field, fileSource, T, tempDir, writeParquet } from "./offline-fixtures.js";
import {
  createExampleRepo,
  createMemoryRegistry,
  startTestServer,
  type TestServer,
  testConfig,
} from "./support/server.js";
import type { TempRepo } from "./support/temp-repo.js";

async function expectStatus(p: Promise<unknown>, code: status, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${status[code]}`).toBeInstanceOf(FstoreClientError);
  expect(status[(err as FstoreClientError).code]).toBe(status[code]);
  expect((err as FstoreClientError).details).toMatch(message);
}

/** The oracle: a - b, null when either is null (a missing match is null too). */
const diff = (a: unknown, b: unknown) => (a === null || b === null ? null : (a as number) - (b as number));

describe("historical retrieval of the example repository's vehicle_model_v1", () => {
  let repo: TempRepo;
  let t: TestServer;
  beforeAll(async () => {
    repo = await createExampleRepo();
    t = await startTestServer({ repoPath: repo.path });
  }, 180_000);
  afterAll(async () => {
    await t?.shutdown();
    repo?.cleanup();
  });

  it("streams price_diff = actual_price - recommended_price of each row, null when unmatched", async () => {
    const batches: number[] = [];
    const columns: Record<string, unknown[]> = {};
    let fields: string[] = [];
    let summary: { rowCount: number; leakagePassed: boolean } | undefined;
    for await (const ev of t.client.streamHistoricalFeatures({
      featureServices: ["vehicle_model_v1"],
      entitySource: { source: "vehicle_labels" },
      batchSize: 1500,
    })) {
      if (ev.kind === "schema") fields = ev.fields.map((f) => f.name);
      else if (ev.kind === "batch") {
        batches.push(ev.numRows);
        for (const [name, values] of Object.entries(ev.columns)) {
          columns[name] = [...(columns[name] ?? []), ...values];
        }
      } else summary = ev.summary;
    }
    expect(fields.at(-1)).toBe("price_diff");
    expect(fields).toContain("actual_price");
    expect(fields).toContain("recommended_price");
    const n = summary?.rowCount ?? 0;
    expect(n).toBeGreaterThan(4000);
    expect(batches.every((b) => b <= 1500)).toBe(true);
    expect(summary?.leakagePassed).toBe(true);
    const actual = columns.actual_price as unknown[];
    const recommended = columns.recommended_price as unknown[];
    const expected = actual.map((a, i) => diff(a, recommended[i]));
    expect(columns.price_diff).toEqual(expected);
    expect(expected.filter((x) => x !== null).length).toBeGreaterThan(n / 2);

    // Only price_diff: its inputs are read as hidden columns, and the values are the same.
    const only = await t.client.getHistoricalFeatures({
      features: ["price_features:price_diff"],
      entitySource: { source: "vehicle_labels" },
    });
    expect(only.summary.fields.map((f) => f.name)).toEqual([
      "vehicle_id",
      "event_timestamp",
      "num_reservations",
      "price_diff",
    ]);
    expect(Object.keys(only.columns).sort()).toEqual(
      ["vehicle_id", "event_timestamp", "num_reservations", "price_diff"].sort(),
    );
    expect(only.columns.price_diff).toEqual(expected);

    // An unknown vehicle matches nothing: null, as the udf decides for null inputs.
    const unknown = await t.client.getHistoricalFeatures({
      features: ["price_features:price_diff", "vehicle_features:actual_price"],
      entityRows: {
        columns: { vehicle_id: [columns.vehicle_id?.[0] as bigint, 987_654_321n] },
        eventTimestamps: [columns.event_timestamp?.[0] as Date, columns.event_timestamp?.[0] as Date],
      },
      fullFeatureNames: true,
    });
    expect(unknown.columns.price_features__price_diff).toEqual([expected[0], null]);
    expect(unknown.columns.vehicle_features__actual_price).toEqual([actual[0], null]);
  });

  it("writes the same training set as Parquet, with full feature names", async () => {
    const streamed = await t.client.getHistoricalFeatures({
      featureServices: ["vehicle_model_v1"],
      entitySource: { source: "vehicle_labels" },
      fullFeatureNames: true,
    });
    const r = await t.client.getHistoricalFeatures({
      featureServices: ["vehicle_model_v1"],
      entitySource: { source: "vehicle_labels" },
      fullFeatureNames: true,
      parquetOutput: "odfv/train.parquet",
    });
    expect(r.summary.rowCount).toBe(streamed.summary.rowCount);
    expect(r.summary.matchCounts).toEqual(streamed.summary.matchCounts);
    expect(r.summary.leakagePassed).toBe(true);
    expect(r.summary.fields.map((f) => f.name)).toEqual(streamed.summary.fields.map((f) => f.name));
    expect(r.summary.fields.at(-1)).toMatchObject({ name: "price_features__price_diff" });

    const db = await openDuckDb({ threads: 1 });
    const conn = await db.connect();
    const reader = await conn.runAndReadAll(
      `SELECT vehicle_features__actual_price, vehicle_features__recommended_price, price_features__price_diff, ` +
        `typeof(price_features__price_diff) FROM read_parquet('${r.summary.outputPath}')`,
    );
    const rows = reader.getRows();
    conn.closeSync();
    db.closeSync();
    expect(rows.length).toBe(r.summary.rowCount);
    expect(rows.every((row) => row[3] === "DOUBLE")).toBe(true);
    expect(rows.map((row) => row[2])).toEqual(rows.map((row) => diff(row[0], row[1])));
    // Same rows, same order as the stream.
    expect(rows.map((row) => row[2])).toEqual(streamed.columns.price_features__price_diff);
  });
});

describe("on-demand views with request data", () => {
  let t: TestServer;
  let dir: string;
  const S = 1_000_000n;
  const MANY = 250_000;
  const at = (s: number): Cell => ({ micros: BigInt(s) * S });
  const date = (s: number) => new Date(s * 1000);

  beforeAll(async () => {
    dir = tempDir("fstore-historical-odfv-");
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
        [1n, at(200), null, 4n],
        [2n, at(150), 20.0, 7n],
      ],
    );
    // More rows than a DuckDB appender buffers before it flushes on its own (204,800).
    const many = join(dir, "many.parquet").replaceAll("'", "''");
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT (i % 3)::BIGINT AS vehicle_id, TIMESTAMP '1970-01-01 00:05:00' AS ts, 0.5::DOUBLE AS bonus ` +
        `FROM range(${MANY}) AS t(i)) TO '${many}' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    const vid = field("vehicle_id", T.INT64);
    const stats = featureView(
      "stats",
      [vid],
      [field("price", T.DOUBLE), field("trips", T.INT64)],
      fileSource("stats_src", "stats.parquet"),
    );
    const described = { description: "", tags: {}, owner: "" };
    const adjusted: OnDemandFeatureViewDef = {
      name: "adjusted",
      sources: [{ featureView: "stats", features: ["price", "trips"] }],
      requestSchema: [field("bonus", T.DOUBLE)],
      features: [field("price", T.DOUBLE), field("more_trips", T.INT64)],
      udfSource: `(i) => ({
        price: i.price.map((p, k) => (p === null || i.bonus[k] === null ? null : p + i.bonus[k])),
        more_trips: i.stats__trips.map((x) => (x === null ? null : x + 1n)),
      })`,
      ...described,
    };
    const broken: OnDemandFeatureViewDef = {
      ...adjusted,
      name: "broken",
      requestSchema: [],
      udfSource: `(i) => { if (i.price.length > 0) throw new Error("no prices today"); return { price: [], more_trips: [] }; }`,
    };
    const defs: RepoDefinitions = {
      entities: [],
      dataSources: [stats.source, fileSource("many", "many.parquet", { timestampField: "ts" })],
      featureViews: [stats],
      featureServices: [
        { name: "svc", projections: [{ featureView: "adjusted", features: ["more_trips"] }], ...described },
      ],
      onDemandFeatureViews: [adjusted, broken],
    };
    t = await startTestServer({
      config: testConfig(dir, { offline_store: { type: "file", output_dir: "." } }),
      registry: createMemoryRegistry("test_project", defs),
    });
  });
  afterAll(async () => {
    await t?.shutdown();
  });

  const rows = {
    columns: { vehicle_id: [1n, 1n, 2n, 9n], bonus: [1.5, 2.5, null, 4.5] },
    eventTimestamps: [date(100), date(250), date(200), date(300)],
  };

  it("feeds entity-row columns as request data, with full feature names against clashes", async () => {
    const features = ["adjusted:price", "adjusted:more_trips", "stats:price"];
    await expectStatus(
      t.client.getHistoricalFeatures({ features, entityRows: rows }),
      status.INVALID_ARGUMENT,
      /"price".*full_feature_names/,
    );
    const r = await t.client.getHistoricalFeatures({ features, entityRows: rows, fullFeatureNames: true });
    expect(r.summary.fields.map((f) => f.name)).toEqual([
      "vehicle_id",
      "event_timestamp",
      "bonus",
      "stats__price",
      "adjusted__price",
      "adjusted__more_trips",
    ]);
    // Hand-computed: row 1 at t=250 sees the t=200 row (price null, trips 4).
    expect(r.columns.stats__price).toEqual([10.5, null, 20.0, null]);
    expect(r.columns.adjusted__price).toEqual([12, null, null, null]);
    expect(r.columns.adjusted__more_trips).toEqual([4n, 5n, 8n, null]);
    for (const p of ["x.parquet"]) {
      const out = await t.client.getHistoricalFeatures({
        features,
        entityRows: rows,
        fullFeatureNames: true,
        parquetOutput: p,
      });
      expect(out.summary.rowCount).toBe(4);
      const db = await openDuckDb({ threads: 1 });
      const conn = await db.connect();
      const got = (
        await conn.runAndReadAll(
          `SELECT adjusted__price, adjusted__more_trips, typeof(adjusted__more_trips) FROM read_parquet('${out.summary.outputPath}')`,
        )
      ).getRows();
      conn.closeSync();
      db.closeSync();
      expect(got).toEqual([
        [12, 4n, "BIGINT"],
        [null, 5n, "BIGINT"],
        [null, 8n, "BIGINT"],
        [null, null, "BIGINT"],
      ]);
    }
  });

  it("computes every row of a long entity source, streamed and as Parquet", async () => {
    // At t=300: vehicle 1 sees trips 4 (t=200), vehicle 2 trips 7 (t=150), vehicle 0 nothing.
    const expected = (id: bigint) => (id === 1n ? 5n : id === 2n ? 8n : null);
    let rowsSeen = 0;
    let wrong = 0;
    for await (const ev of t.client.streamHistoricalFeatures({
      features: ["adjusted:more_trips"],
      entitySource: { source: "many" },
      batchSize: 50_000,
    })) {
      if (ev.kind !== "batch") continue;
      const ids = ev.columns.vehicle_id as bigint[];
      const got = ev.columns.more_trips as (bigint | null)[];
      ids.forEach((id, k) => {
        if (got[k] !== expected(id)) wrong++;
      });
      rowsSeen += ev.numRows;
    }
    expect(rowsSeen).toBe(MANY);
    expect(wrong).toBe(0);

    const out = await t.client.getHistoricalFeatures({
      features: ["adjusted:more_trips"],
      entitySource: { source: "many" },
      parquetOutput: "many-out.parquet",
    });
    expect(out.summary.rowCount).toBe(MANY);
    const db = await openDuckDb({ threads: 1 });
    const conn = await db.connect();
    const counts = (
      await conn.runAndReadAll(
        `SELECT count(*)::INTEGER, count(*) FILTER (WHERE more_trips IS NOT DISTINCT FROM ` +
          `CASE vehicle_id WHEN 1 THEN 5 WHEN 2 THEN 8 END)::INTEGER FROM read_parquet('${out.summary.outputPath}')`,
      )
    ).getRows();
    conn.closeSync();
    db.closeSync();
    expect(counts).toEqual([[MANY, MANY]]);
  }, 60_000);

  it("takes on-demand features from a feature service projection", async () => {
    const r = await t.client.getHistoricalFeatures({ featureServices: ["svc"], entityRows: rows });
    expect(r.summary.fields.map((f) => f.name)).toEqual([
      "vehicle_id",
      "event_timestamp",
      "bonus",
      "more_trips",
    ]);
    expect(r.columns.more_trips).toEqual([4n, 5n, 8n, null]);
    expect(r.summary.matchCounts).toEqual([{ featureView: "stats", matchedRows: 3 }]);
  });

  it("is FAILED_PRECONDITION naming a view whose udf throws, streamed or as Parquet", async () => {
    for (const parquetOutput of [undefined, "broken.parquet"]) {
      await expectStatus(
        t.client.getHistoricalFeatures({
          features: ["broken:price"],
          entityRows: rows,
          ...(parquetOutput ? { parquetOutput } : {}),
        }),
        status.FAILED_PRECONDITION,
        /on-demand feature view "broken" failed: no prices today/,
      );
    }
    expect(existsSync(join(dir, "broken.parquet"))).toBe(false);
  });

  it("is INVALID_ARGUMENT naming the request column missing from the entity rows", async () => {
    const without = { columns: { vehicle_id: [1n] }, eventTimestamps: [date(100)] };
    for (const parquetOutput of [undefined, "y.parquet"]) {
      await expectStatus(
        t.client.getHistoricalFeatures({
          features: ["adjusted:more_trips"],
          entityRows: without,
          ...(parquetOutput ? { parquetOutput } : {}),
        }),
        status.INVALID_ARGUMENT,
        /missing request data "bonus".*"adjusted"/,
      );
    }
    // Integral request data is converted to the declared DOUBLE; text is refused, naming both types.
    const ints = await t.client.getHistoricalFeatures({
      features: ["adjusted:price"],
      entityRows: { ...rows, columns: { vehicle_id: rows.columns.vehicle_id, bonus: [1n, 2n, null, 4n] } },
    });
    expect(ints.columns.price).toEqual([11.5, null, null, null]);
    expect(ints.columns.bonus).toEqual([1n, 2n, null, 4n]);
    await expectStatus(
      t.client.getHistoricalFeatures({
        features: ["adjusted:price"],
        entityRows: { columns: { vehicle_id: [1n], bonus: ["lots"] }, eventTimestamps: [date(100)] },
      }),
      status.INVALID_ARGUMENT,
      /entity-row column "bonus" is STRING.*"adjusted".*as DOUBLE/,
    );
    // The server keeps serving.
    const r = await t.client.getHistoricalFeatures({ features: ["stats:trips"], entityRows: without });
    expect(r.columns.trips).toEqual([3n]);
  });
});

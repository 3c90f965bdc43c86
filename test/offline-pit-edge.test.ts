/**
 * The point-in-time join on hand-made cases, each table small enough to
 * check by eye: created-time ties, event time beating created time, equal
 * times with and without strict, the ttl boundary, the created-time cutoff,
 * field mapping, composite keys, time zones, duplicates, name clashes, and
 * the leakage audit catching a planted violation.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planHistorical } from "../src/offline/historical-plan.js";
import type { HistoricalQuery, HistoricalResult, OfflineStore, PitOptions } from "../src/offline/index.js";
import {
  auditMatches,
  countLeakage,
  createOfflineStore,
  leakageAuditSql,
  openDuckDb,
} from "../src/offline/index.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import type { Cell } from "./offline-fixtures.js";
import {
  column,
  featureView,
  field,
  fileSource,
  rowsOfBatch,
  seconds,
  snapshotOf,
  T,
  tempDir,
  writeParquet,
} from "./offline-fixtures.js";

const S = 1_000_000n; // microseconds per second
const at = (s: number, tz = false): Cell => ({ micros: BigInt(s) * S, tz });

let db: DuckDBInstance;
let dir: string;
let store: OfflineStore;

beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "512MB" });
  dir = tempDir();
  store = createOfflineStore({ repoPath: dir, outputDir: join(dir, "out"), duckdb: db });
});
afterAll(() => db.closeSync());

const defaults: PitOptions = {
  strict: false,
  dropUnmatched: false,
  excludeCreatedAfter: false,
  includeFeatureTimestamps: false,
};

async function collect(query: HistoricalQuery) {
  const rows: Record<string, unknown>[] = [];
  let summary: HistoricalResult | undefined;
  for await (const ev of store.streamHistorical(query, 3)) {
    if (ev.kind === "batch") rows.push(...rowsOfBatch(ev.encoded));
    if (ev.kind === "summary") summary = ev.result;
  }
  return { rows, summary: summary as HistoricalResult };
}

/** Entity rows keyed by vehicle_id at the given seconds. */
function byId(ids: (number | null)[], times: number[]) {
  return {
    kind: "inline" as const,
    columns: { vehicle_id: column("int64Val", ids) },
    timestamps: times.map(seconds),
  };
}

function run(
  views: FeatureViewDef[],
  features: string[],
  entities: HistoricalQuery["entities"],
  o: Partial<PitOptions> = {},
  full = false,
) {
  return collect({
    snapshot: snapshotOf(views),
    selection: { kind: "features", refs: features },
    entities,
    fullFeatureNames: full,
    options: { ...defaults, ...o },
  });
}

const ID = field("vehicle_id", T.INT64);
const X = field("x", T.DOUBLE);

describe("point-in-time join: hand-made cases", () => {
  let withCreated: FeatureViewDef;
  beforeAll(async () => {
    await writeParquet(
      db,
      join(dir, "a.parquet"),
      [
        { name: "vehicle_id", type: "BIGINT" },
        { name: "ts", type: "TIMESTAMP" },
        { name: "created", type: "TIMESTAMP" },
        { name: "x", type: "DOUBLE" },
      ],
      [
        [1n, at(10), at(11), 1.0],
        [1n, at(10), at(15), 2.0], // same event time, created later: wins from t = 10
        [1n, at(20), at(21), 3.0], // later event time, created before the next row's: still wins from t = 20
        [1n, at(19), at(99), 4.0],
        [1n, at(5), null, 0.5], // no created time
      ],
    );
    withCreated = featureView(
      "a",
      [ID],
      [X],
      fileSource("a_src", "a.parquet", { createdTimestampColumn: "created" }),
    );
  });

  it("breaks event-time ties by created time, and a later event time beats a later created time", async () => {
    const { rows, summary } = await run(
      [withCreated],
      ["a:x"],
      byId([1, 1, 1, 1, 2, 1], [4, 10, 19, 25, 25, 5]),
      {
        includeFeatureTimestamps: true,
      },
    );
    expect(rows.map((r) => r.x)).toEqual([null, 2.0, 4.0, 3.0, null, 0.5]);
    expect(rows.map((r) => r.a__event_timestamp)).toEqual([null, 10n * S, 19n * S, 20n * S, null, 5n * S]);
    expect(summary.rowCount).toBe(6);
    expect(summary.matchCounts).toEqual([{ featureView: "a", matchedRows: 4 }]);
    expect(summary.violations).toBe(0);
  });

  it("includes a feature row at exactly the entity time, and excludes it when strict", async () => {
    expect((await run([withCreated], ["a:x"], byId([1, 1], [10, 20]))).rows.map((r) => r.x)).toEqual([
      2.0, 3.0,
    ]);
    const strict = await run([withCreated], ["a:x"], byId([1, 1], [10, 20]), { strict: true });
    expect(strict.rows.map((r) => r.x)).toEqual([0.5, 4.0]);
  });

  it("keeps the ttl window inclusive: a row exactly ttl old matches, one a second older does not", async () => {
    const v = { ...withCreated, ttlSeconds: 10 };
    const { rows } = await run([v], ["a:x"], byId([1, 1, 1], [30, 31, 15]));
    // t=30: latest row is t=20 (exactly 10s old). t=31: 11s old, no match. t=15: row t=10 (5s old).
    expect(rows.map((r) => r.x)).toEqual([3.0, null, 2.0]);
  });

  it("with exclude_created_after ignores rows created after the entity time", async () => {
    const ids = [1, 1, 1, 1];
    const times = [12, 14, 19, 99];
    expect((await run([withCreated], ["a:x"], byId(ids, times))).rows.map((r) => r.x)).toEqual([
      2.0, 2.0, 4.0, 3.0,
    ]);
    const cut = await run([withCreated], ["a:x"], byId(ids, times), { excludeCreatedAfter: true });
    // t=12: the t=10 row created at 15 is unknown yet, the one created at 11 is known.
    // t=19: the t=19 row (created 99) is unknown; t=10/created 15 wins. t=99: all known, t=20 is latest.
    expect(cut.rows.map((r) => r.x)).toEqual([1.0, 1.0, 2.0, 3.0]);
  });

  it("keeps duplicate entity rows and rows with no match (with nulls), or drops the unmatched", async () => {
    const all = await run([withCreated], ["a:x"], byId([1, 1, 7, null], [10, 10, 10, 10]));
    expect(all.rows.map((r) => [r.vehicle_id, r.x])).toEqual([
      [1n, 2.0],
      [1n, 2.0],
      [7n, null],
      [null, null],
    ]);
    const dropped = await run([withCreated], ["a:x"], byId([1, 1, 7, null], [10, 10, 10, 10]), {
      dropUnmatched: true,
    });
    expect(dropped.rows.map((r) => r.vehicle_id)).toEqual([1n, 1n]);
    expect(dropped.summary.rowCount).toBe(2);
  });

  it("applies field_mapping to keys, features and the timestamp field", async () => {
    await writeParquet(
      db,
      join(dir, "mapped.parquet"),
      [
        { name: "vid", type: "BIGINT" },
        { name: "when", type: "TIMESTAMP" },
        { name: "price_raw", type: "INTEGER" },
      ],
      [
        [3n, at(100), 42],
        [3n, at(200), 43],
      ],
    );
    const v = featureView(
      "m",
      [ID],
      [field("price", T.INT64)],
      fileSource("m_src", "mapped.parquet", {
        timestampField: "when",
        fieldMapping: { vid: "vehicle_id", price_raw: "price" },
      }),
    );
    const { rows } = await run([v], ["m:price"], byId([3, 3, 3], [99, 150, 250]));
    // INTEGER in the file, INT64 declared: cast to the declared type.
    expect(rows.map((r) => r.price)).toEqual([null, 42n, 43n]);
  });

  it("joins on every key of a composite entity", async () => {
    await writeParquet(
      db,
      join(dir, "pairs.parquet"),
      [
        { name: "a", type: "BIGINT" },
        { name: "b", type: "VARCHAR" },
        { name: "ts", type: "TIMESTAMP" },
        { name: "x", type: "DOUBLE" },
      ],
      [
        [1n, "p", at(1), 1.0],
        [1n, "q", at(1), 2.0],
        [2n, "p", at(1), 3.0],
      ],
    );
    const v = featureView(
      "pairs",
      [field("a", T.INT64), field("b", T.STRING)],
      [X],
      fileSource("p_src", "pairs.parquet"),
    );
    const { rows } = await run([v], ["pairs:x"], {
      kind: "inline",
      columns: { a: column("int64Val", [1, 1, 2, 2]), b: column("stringVal", ["q", "p", "p", "q"]) },
      timestamps: [seconds(5), seconds(5), seconds(5), seconds(5)],
    });
    expect(rows.map((r) => r.x)).toEqual([2.0, 1.0, 3.0, null]);
  });

  it("normalizes time zones: TIMESTAMPTZ and naive (UTC) TIMESTAMP columns compare as instants", async () => {
    const conn = await db.connect();
    // 10:00 at +02:00 is 08:00 UTC; the naive column holds 08:00, read as UTC.
    await conn.run(
      `COPY (SELECT 1::BIGINT AS vehicle_id, TIMESTAMPTZ '2024-01-01 10:00:00+02' AS ts, 1.5::DOUBLE AS x)
       TO '${join(dir, "tz.parquet")}' (FORMAT parquet)`,
    );
    await conn.run(
      `COPY (SELECT 1::BIGINT AS vehicle_id, TIMESTAMP '2024-01-01 08:00:00' AS ts, 2.5::DOUBLE AS y)
       TO '${join(dir, "naive.parquet")}' (FORMAT parquet)`,
    );
    conn.closeSync();
    const tz = featureView("tz", [ID], [X], fileSource("tz_src", "tz.parquet"));
    const naive = featureView(
      "naive",
      [ID],
      [field("y", T.DOUBLE)],
      fileSource("naive_src", "naive.parquet"),
    );
    const eight = Date.UTC(2024, 0, 1, 8) / 1000;
    const { rows } = await run([tz, naive], ["tz:x", "naive:y"], byId([1, 1], [eight - 1, eight]), {
      includeFeatureTimestamps: true,
    });
    expect(rows.map((r) => [r.x, r.y])).toEqual([
      [null, null],
      [1.5, 2.5],
    ]);
    expect(rows[1]?.tz__event_timestamp).toBe(BigInt(eight) * S);
    expect(rows[1]?.naive__event_timestamp).toBe(BigInt(eight) * S);
  });

  it("reads naive timestamps and entity time ranges as UTC whatever DuckDB's default time zone", async () => {
    const local = await openDuckDb({ threads: 1, memoryLimit: "256MB" });
    try {
      const conn = await local.connect();
      await conn.run("SET GLOBAL TimeZone = 'America/New_York'");
      conn.closeSync();
      await writeParquet(
        local,
        join(dir, "ny-features.parquet"),
        [
          { name: "vehicle_id", type: "BIGINT" },
          { name: "ts", type: "TIMESTAMP" },
          { name: "created", type: "TIMESTAMP" },
          { name: "x", type: "DOUBLE" },
        ],
        [
          [1n, at(100), at(100), 1.0],
          [1n, at(200), at(200), 2.0],
        ],
      );
      await writeParquet(
        local,
        join(dir, "ny-labels.parquet"),
        [
          { name: "vehicle_id", type: "BIGINT" },
          { name: "ts", type: "TIMESTAMP" },
        ],
        [
          [1n, at(150)],
          [1n, at(250)],
          [1n, at(99)],
        ],
      );
      const v = featureView(
        "ny",
        [ID],
        [X],
        fileSource("ny_src", "ny-features.parquet", { createdTimestampColumn: "created" }),
        60,
      );
      const labels = fileSource("ny_labels", "ny-labels.parquet");
      const nyStore = createOfflineStore({ repoPath: dir, outputDir: join(dir, "out"), duckdb: local });
      const rows: Record<string, unknown>[] = [];
      for await (const ev of nyStore.streamHistorical(
        {
          snapshot: snapshotOf([v], [], [labels]),
          selection: { kind: "features", refs: ["ny:x"] },
          entities: { kind: "registered", name: "ny_labels", startMicros: 99n * S, endMicros: 250n * S },
          fullFeatureNames: false,
          options: { ...defaults, includeFeatureTimestamps: true },
        },
        10,
      )) {
        if (ev.kind === "batch") rows.push(...rowsOfBatch(ev.encoded));
      }
      // 150 s: the row at 100 s (50 s old, ttl 60 s); 250 s: the row at 200 s; 99 s: nothing yet.
      expect(rows).toEqual([
        { vehicle_id: 1n, event_timestamp: 150n * S, x: 1.0, ny__event_timestamp: 100n * S },
        { vehicle_id: 1n, event_timestamp: 250n * S, x: 2.0, ny__event_timestamp: 200n * S },
        { vehicle_id: 1n, event_timestamp: 99n * S, x: null, ny__event_timestamp: null },
      ]);
    } finally {
      local.closeSync();
    }
  });

  it("joins the files the plan saw: a file pushed after planning is left out of that query", async () => {
    mkdirSync(join(dir, "pinned"), { recursive: true });
    const cols = [
      { name: "vehicle_id", type: "BIGINT" },
      { name: "ts", type: "TIMESTAMP" },
      { name: "created", type: "TIMESTAMP" },
      { name: "x", type: "DOUBLE" },
    ];
    await writeParquet(db, join(dir, "pinned", "part-0.parquet"), cols, [
      [1n, at(10), at(11), 1.0],
      [1n, at(20), at(21), 2.0],
    ]);
    const v = featureView(
      "pinned",
      [ID],
      [X],
      fileSource("pinned_src", "pinned", { createdTimestampColumn: "created" }),
    );
    const query: HistoricalQuery = {
      snapshot: snapshotOf([v]),
      selection: { kind: "features", refs: ["pinned:x"] },
      entities: byId([1, 1, 1], [15, 16, 100]),
      fullFeatureNames: false,
      options: defaults,
    };
    const conn = await db.connect();
    try {
      const plan = await planHistorical(conn, query, { repoPath: dir });
      // Pushed after planning, at 15.5 s: the plan packs whole seconds, so reading this file
      // with it would take 15.5 s for 15 s and leak the row into the entity row at 15 s.
      await writeParquet(db, join(dir, "pinned", "part-1.parquet"), cols, [
        [1n, { micros: 15n * S + S / 2n }, { micros: 15n * S + S / 2n }, 3.0],
      ]);
      const rows = (await conn.runAndReadAll(plan.sql)).getRowObjects();
      expect(rows.map((r) => r.x)).toEqual([1.0, 1.0, 2.0]);
    } finally {
      conn.closeSync();
    }
    // A new query sees the pushed file (and packs milliseconds).
    const { rows, summary } = await run([v], ["pinned:x"], byId([1, 1, 1], [15, 16, 100]));
    expect(rows.map((r) => r.x)).toEqual([1.0, 3.0, 2.0]);
    expect(summary.violations).toBe(0);
  });

  it("refuses two features with the same output name unless full_feature_names", async () => {
    await writeParquet(
      db,
      join(dir, "b.parquet"),
      [
        { name: "vehicle_id", type: "BIGINT" },
        { name: "ts", type: "TIMESTAMP" },
        { name: "x", type: "DOUBLE" },
      ],
      [[1n, at(1), 9.0]],
    );
    const b = featureView("b", [ID], [X], fileSource("b_src", "b.parquet"));
    await expect(run([withCreated, b], ["a:x", "b:x"], byId([1], [10]))).rejects.toThrow(
      /output column "x" would hold both feature "a:x" and feature "b:x"; set full_feature_names/,
    );
    const { rows } = await run([withCreated, b], ["a:x", "b:x"], byId([1], [10]), {}, true);
    expect(rows).toEqual([{ vehicle_id: 1n, event_timestamp: 10n * S, a__x: 2.0, b__x: 9.0 }]);
  });

  it("passes extra entity columns (labels) through", async () => {
    const { rows } = await run([withCreated], ["a:x"], {
      kind: "inline",
      columns: { vehicle_id: column("int64Val", [1]), label: column("boolVal", [true]) },
      timestamps: [seconds(10)],
    });
    expect(rows).toEqual([{ vehicle_id: 1n, event_timestamp: 10n * S, label: true, x: 2.0 }]);
  });
});

describe("entity rows from a source", () => {
  it("reads a folder in file-then-row order, with a time range, typed pass-through columns and an empty range", async () => {
    mkdirSync(join(dir, "labels"), { recursive: true });
    const cols = [
      { name: "vid", type: "INTEGER" },
      { name: "at", type: "TIMESTAMPTZ" },
      { name: "label", type: "SMALLINT" },
    ];
    await writeParquet(db, join(dir, "labels", "b.parquet"), cols, [
      [1, at(25, true), 7],
      [1, at(10, true), 8],
    ]);
    await writeParquet(db, join(dir, "labels", "a.parquet"), cols, [
      [1, at(19, true), 5],
      [9, at(30, true), null],
    ]);
    await writeParquet(
      db,
      join(dir, "src.parquet"),
      [
        { name: "vehicle_id", type: "BIGINT" },
        { name: "ts", type: "TIMESTAMP" },
        { name: "x", type: "DOUBLE" },
      ],
      [
        [1n, at(10), 1.0],
        [1n, at(20), 2.0],
      ],
    );
    const v = featureView("s", [ID], [X], fileSource("s_src", "src.parquet"));
    const labels = fileSource("labels", "labels", {
      timestampField: "at",
      fieldMapping: { vid: "vehicle_id" },
    });
    const snapshot = snapshotOf([v], [], [labels]);
    const q = (start?: number, end?: number) =>
      collect({
        snapshot,
        selection: { kind: "features", refs: ["s:x"] },
        entities: {
          kind: "registered",
          name: "labels",
          startMicros: start === undefined ? undefined : BigInt(start) * S,
          endMicros: end === undefined ? undefined : BigInt(end) * S,
        },
        fullFeatureNames: false,
        options: defaults,
      });
    const all = await q();
    expect(all.rows).toEqual([
      { vehicle_id: 1n, event_timestamp: 19n * S, label: 5, x: 1.0 },
      { vehicle_id: 9n, event_timestamp: 30n * S, label: null, x: null },
      { vehicle_id: 1n, event_timestamp: 25n * S, label: 7, x: 2.0 },
      { vehicle_id: 1n, event_timestamp: 10n * S, label: 8, x: 1.0 },
    ]);
    expect((await q(15, 25)).rows.map((r) => r.label)).toEqual([5, 7]);
    const empty = await q(100, 200);
    expect(empty.rows).toEqual([]);
    expect(empty.summary.rowCount).toBe(0);
    expect(empty.summary.columns.map((c) => c.name)).toEqual(["vehicle_id", "event_timestamp", "label", "x"]);
  });
});

describe("leakage audit", () => {
  it("counts feature values from after (or, strict, not before) their row's time", () => {
    const rowTs = [10n, 20n, 30n];
    const matches = [
      [5n, 21n, null], // view 0: row 1 leaks (21 > 20)
      [10n, 20n, 30n], // view 1: equal times leak only when strict
    ];
    expect(countLeakage(rowTs, matches, [2, 3], false)).toBe(2);
    expect(countLeakage(rowTs, matches, [2, 3], true)).toBe(2 + 9);
    expect(countLeakage(rowTs, [[1n, 2n, 3n]], [4], true)).toBe(0);
  });

  it("compares 64-bit times exactly: before 1970, beyond 2^32 microseconds, equal high halves", () => {
    const rows = BigInt64Array.from([-5n, 2n ** 40n, 2n ** 40n + 1n, -(2n ** 40n), 0n]);
    const matches = BigInt64Array.from([-4n, 2n ** 40n - 1n, 2n ** 40n + 1n, -(2n ** 40n) + 2n ** 32n, -1n]);
    // Leaks: -4 > -5, and -(2^40) + 2^32 > -(2^40); strict adds the equal pair.
    expect(auditMatches(rows, matches, () => true, 0, 5, false)).toEqual({ matched: 5, leaking: 2 });
    expect(auditMatches(rows, matches, () => true, 0, 5, true)).toEqual({ matched: 5, leaking: 3 });
    expect(auditMatches(rows, matches, (i) => i !== 3, 1, 5, false)).toEqual({ matched: 3, leaking: 0 });
  });

  it("the SQL audit catches a planted violation in a produced table", async () => {
    const conn = await db.connect();
    await conn.run(`CREATE TABLE planted AS SELECT * FROM (VALUES
      (TIMESTAMPTZ '2024-01-01 00:00:10+00', TIMESTAMPTZ '2024-01-01 00:00:05+00', NULL::TIMESTAMPTZ),
      (TIMESTAMPTZ '2024-01-01 00:00:10+00', TIMESTAMPTZ '2024-01-01 00:00:11+00', TIMESTAMPTZ '2024-01-01 00:00:10+00')
    ) AS t(event_timestamp, __m0, __m1)`);
    const views = [
      { matchColumn: "__m0", featureCount: 2 },
      { matchColumn: "__m1", featureCount: 1 },
    ];
    const read = async (strict: boolean) =>
      (await conn.runAndReadAll(leakageAuditSql("planted", "event_timestamp", views, strict))).getRows()[0];
    expect(await read(false)).toEqual([2n, 2n, 1n, 2n]);
    expect(await read(true)).toEqual([2n, 2n, 1n, 3n]);
    conn.closeSync();
  });
});

/**
 * Profiles computed by DuckDB against the same statistics computed here by
 * brute force over the same rows: every statistic, with nulls, an all-null
 * and a constant column, a window, a training set and a serving log.
 */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import type { FeatureProfile } from "../src/monitoring/index.js";
import { computeProfile, profileGroup, QUANTILE_NAMES, QUANTILES } from "../src/monitoring/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { rng } from "./consistency-fixtures.js";
import type { Cell } from "./offline-fixtures.js";
import {
  featureView,
  field,
  fileSource,
  service,
  snapshotOf,
  tempDir,
  writeParquet,
} from "./offline-fixtures.js";

const N = 3000;
const T0 = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;
const CATS = [
  "red",
  "green",
  "blue",
  "amber",
  "teal",
  "plum",
  "gold",
  "sand",
  "mint",
  "rose",
  "jade",
  "ruby",
];

interface Row {
  tsMs: number;
  x: number | null;
  k: number | null;
  c: number;
  z: null;
  s: string | null;
  b: boolean | null;
}

function generate(seed: number): Row[] {
  const r = rng(seed);
  const rows: Row[] = [];
  for (let i = 0; i < N; i++) {
    const u = Math.max(r(), 1e-12);
    const gauss = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
    // skewed categories: the first ones far more frequent
    const cat = CATS[Math.floor(CATS.length * r() ** 2)] as string;
    rows.push({
      tsMs: T0 + Math.floor(r() * 240) * HOUR,
      x: r() < 0.1 ? null : 10 + 3 * gauss,
      k: r() < 0.05 ? null : Math.floor(r() * 21),
      c: 5,
      z: null,
      s: r() < 0.05 ? null : cat,
      b: r() < 0.02 ? null : r() < 0.3,
    });
  }
  return rows;
}

/** Brute-force statistics of one numeric column. */
function numericOracle(values: (number | null)[], bins: number) {
  const xs = values.filter((v): v is number => v !== null);
  const n = xs.length;
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  const mean = xs.reduce((s, v) => s + v, 0) / n;
  const stddev = n < 2 ? null : Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const edges =
    max > min ? [...Array.from({ length: bins }, (_, i) => min + (i * (max - min)) / bins), max] : [min, min];
  const counts = new Array(edges.length - 1).fill(0);
  for (const v of xs) {
    // bin 0 is [e0, e1], then (e_i, e_i+1]
    let i = 0;
    while (i < counts.length - 1 && v > (edges[i + 1] as number)) i++;
    counts[i]++;
  }
  return { n, min, max, mean, stddev, edges, counts, sorted: [...xs].sort((a, b) => a - b) };
}

/** A quantile estimate is right when its rank is within `eps` of q (the t-digest's promise). */
function expectRank(sorted: number[], value: number, q: number, eps: number): void {
  const below = sorted.filter((v) => v < value).length / sorted.length;
  const atOrBelow = sorted.filter((v) => v <= value).length / sorted.length;
  expect(below, `rank below ${value} for q=${q}`).toBeLessThanOrEqual(q + eps);
  expect(atOrBelow, `rank at ${value} for q=${q}`).toBeGreaterThanOrEqual(q - eps);
}

function categoricalOracle(values: (string | null)[], top: number) {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { distinct: counts.size, top: sorted.slice(0, top).map(([value, count]) => ({ value, count })) };
}

let db: DuckDBInstance;
let connection: DuckDBConnection;
let dir: string;
const rows = generate(11);

const columns = [
  { name: "ts", type: "TIMESTAMP" },
  { name: "x", type: "DOUBLE" },
  { name: "k", type: "BIGINT" },
  { name: "c", type: "DOUBLE" },
  { name: "z", type: "DOUBLE" },
  { name: "s", type: "VARCHAR" },
  { name: "b", type: "BOOLEAN" },
];
const cells = (r: Row): Cell[] => [
  { micros: BigInt(r.tsMs) * 1000n },
  r.x,
  r.k === null ? null : BigInt(r.k),
  r.c,
  r.z,
  r.s,
  r.b,
];

const view = featureView(
  "v",
  [field("id", ValueType.INT64)],
  [
    field("x", ValueType.DOUBLE),
    field("k", ValueType.INT64),
    field("c", ValueType.DOUBLE),
    field("z", ValueType.DOUBLE),
    field("s", ValueType.STRING),
    field("b", ValueType.BOOL),
  ],
  fileSource("v_source", "v.parquet", { timestampField: "ts" }),
);
const snapshot = snapshotOf([view], [service("svc", [{ featureView: "v", features: ["x", "s"] }])]);

beforeAll(async () => {
  dir = tempDir("fstore-monitoring-");
  db = await openDuckDb({ threads: 2 });
  await writeParquet(db, join(dir, "v.parquet"), columns, rows.map(cells));
  connection = await db.connect();
});

afterAll(() => {
  connection?.closeSync();
  db?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function byName(features: FeatureProfile[], name: string): FeatureProfile {
  const f = features.find((p) => p.name === name);
  if (!f) throw new Error(`no profile for ${name}`);
  return f;
}

function expectNumeric(p: FeatureProfile, values: (number | null)[], rowCount: number): void {
  const o = numericOracle(values, 10);
  expect(p.rows).toBe(rowCount);
  expect(p.nonNull).toBe(o.n);
  expect(p.coverage).toBeCloseTo(o.n / rowCount, 12);
  const s = p.numeric;
  if (!s) throw new Error(`${p.name}: no numeric summary`);
  expect(s.min).toBe(o.min);
  expect(s.max).toBe(o.max);
  expect(s.mean).toBeCloseTo(o.mean, 9);
  if (o.stddev === null) expect(s.stddev).toBeNull();
  else expect(s.stddev).toBeCloseTo(o.stddev, 9);
  expect(s.histogram.edges.length).toBe(o.edges.length);
  s.histogram.edges.forEach((e, i) => {
    expect(e).toBeCloseTo(o.edges[i] as number, 12);
  });
  expect(s.histogram.counts).toEqual(o.counts);
  expect(s.histogram.below).toBe(0);
  expect(s.histogram.above).toBe(0);
  QUANTILE_NAMES.forEach((name, i) => {
    expectRank(o.sorted, s.quantiles[name], QUANTILES[i] as number, 0.01);
  });
}

describe("profile of a feature view's window", () => {
  const start = new Date(T0 + 24 * HOUR);
  const end = new Date(T0 + 200 * HOUR);
  const inWindow = rows.filter((r) => r.tsMs >= start.getTime() && r.tsMs <= end.getTime());

  it("matches brute force for every statistic of every column", async () => {
    const profile = await computeProfile(
      { connection, snapshot, repoPath: dir },
      { target: { kind: "feature_view", name: "v" }, start, end },
    );
    expect(profile.source).toEqual({ kind: "feature_view", name: "v" });
    expect(profile.window).toEqual({ start: start.toISOString(), end: end.toISOString() });
    expect(inWindow.length).toBeGreaterThan(2000);
    expect(inWindow.length).toBeLessThan(N);
    const f = profile.features;
    expect(f.map((p) => p.name)).toEqual(["v:x", "v:k", "v:c", "v:z", "v:s", "v:b"]);
    expectNumeric(
      byName(f, "v:x"),
      inWindow.map((r) => r.x),
      inWindow.length,
    );
    expectNumeric(
      byName(f, "v:k"),
      inWindow.map((r) => r.k),
      inWindow.length,
    );

    // constant: one bin [5, 5], no spread
    const c = byName(f, "v:c");
    expectNumeric(
      c,
      inWindow.map((r) => r.c),
      inWindow.length,
    );
    expect(c.numeric?.histogram).toEqual({ edges: [5, 5], counts: [inWindow.length], below: 0, above: 0 });
    expect(c.numeric?.stddev).toBe(0);
    expect(Object.values(c.numeric?.quantiles ?? {})).toEqual(Array(7).fill(5));

    // all null: no distribution at all
    expect(byName(f, "v:z")).toMatchObject({ rows: inWindow.length, nonNull: 0, coverage: 0, numeric: null });

    for (const [name, values] of [
      ["v:s", inWindow.map((r) => r.s)],
      ["v:b", inWindow.map((r) => (r.b === null ? null : String(r.b)))],
    ] as const) {
      const p = byName(f, name);
      const o = categoricalOracle(values, 10);
      expect(p.nonNull).toBe(values.filter((v) => v !== null).length);
      expect(p.categorical).toEqual(o);
    }
  });

  it("bins on given edges with the guards, and counts a baseline's categories", async () => {
    const edges = [8, 10, 12];
    const profile = await computeProfile(
      { connection, snapshot, repoPath: dir },
      {
        target: { kind: "feature_service", name: "svc" },
        reference: new Map([
          ["v:x", { edges }],
          ["v:s", { categories: ["violet", "red"] }],
        ]),
      },
    );
    const xs = rows.map((r) => r.x).filter((v): v is number => v !== null);
    expect(profile.features.map((p) => p.name)).toEqual(["v:x", "v:s"]);
    expect(byName(profile.features, "v:x").numeric?.histogram).toEqual({
      edges,
      below: xs.filter((v) => v < 8).length,
      counts: [xs.filter((v) => v >= 8 && v <= 10).length, xs.filter((v) => v > 10 && v <= 12).length],
      above: xs.filter((v) => v > 12).length,
    });
    const top = byName(profile.features, "v:s").categorical?.top ?? [];
    expect(top.find((t) => t.value === "violet")).toEqual({ value: "violet", count: 0 });
    expect(top.find((t) => t.value === "red")?.count).toBe(rows.filter((r) => r.s === "red").length);
  });

  it("profiles a training set by the service's columns (view__feature or feature)", async () => {
    const path = join(dir, "training.parquet");
    await writeParquet(
      db,
      path,
      [
        { name: "event_timestamp", type: "TIMESTAMP" },
        { name: "v__x", type: "DOUBLE" },
        { name: "s", type: "VARCHAR" },
      ],
      rows.map((r) => [{ micros: BigInt(r.tsMs) * 1000n }, r.x, r.s]),
    );
    const profile = await computeProfile(
      { connection, snapshot, repoPath: dir },
      { target: { kind: "training_set", path, featureService: "svc" } },
    );
    expect(profile.source).toEqual({ kind: "training_set", name: path });
    expectNumeric(
      byName(profile.features, "v:x"),
      rows.map((r) => r.x),
      N,
    );
    expect(byName(profile.features, "v:s").categorical).toEqual(
      categoricalOracle(
        rows.map((r) => r.s),
        10,
      ),
    );
    // without a service: every column but the timestamps, by column name
    const plain = await computeProfile(
      { connection, snapshot, repoPath: dir },
      { target: { kind: "training_set", path } },
    );
    expect(plain.features.map((p) => p.name)).toEqual(["v__x", "s"]);
  });

  it("names what is missing", async () => {
    const ctx = { connection, snapshot, repoPath: dir };
    await expect(
      computeProfile(ctx, { target: { kind: "feature_view", name: "nope" } }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: 'feature view "nope" is not in the registry',
    });
    await expect(
      computeProfile(ctx, { target: { kind: "feature_view", name: "v" }, start: end, end: start }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(
      computeProfile(ctx, { target: { kind: "training_set", path: join(dir, "missing.parquet") } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("strings with many distinct values", () => {
  it("count every value exactly and break ties by value", async () => {
    const [p] = await profileGroup(connection, {
      fromSql: "SELECT md5(CAST(i AS VARCHAR)) AS s FROM range(20000) t(i)",
      columns: [{ name: "s", column: "s", valueType: ValueType.STRING }],
      context: "values",
    });
    const values = Array.from({ length: 20000 }, (_, i) => createHash("md5").update(String(i)).digest("hex"));
    // every value once: the top 10 are the 10 smallest values
    expect(p?.categorical).toEqual(categoricalOracle(values, 10));
    expect(p?.categorical?.distinct).toBe(20000);
  });
});

describe("numbers that are not finite", () => {
  it("count NaN and infinities as missing", async () => {
    const [p] = await profileGroup(connection, {
      fromSql:
        "SELECT * FROM (VALUES (1.0::DOUBLE), ('nan'::DOUBLE), ('inf'::DOUBLE), ('-inf'::DOUBLE), (3.0), (NULL)) t(x)",
      columns: [{ name: "x", column: "x", valueType: ValueType.DOUBLE }],
      context: "values",
    });
    expect(p).toMatchObject({ rows: 6, nonNull: 2, coverage: 2 / 6 });
    expect(p?.numeric).toMatchObject({
      min: 1,
      max: 3,
      mean: 2,
      histogram: { counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
    });
  });
});

describe("profile of a serving log", () => {
  it("gives the NOT_FOUND and OUTSIDE_MAX_AGE shares beside coverage", async () => {
    const r = rng(5);
    // status 1 PRESENT, 2 NULL_VALUE, 3 NOT_FOUND, 4 OUTSIDE_MAX_AGE (value still served)
    const log = Array.from({ length: 1000 }, () => {
      const status = 1 + Math.floor(r() * 4);
      return { status, value: status === 2 || status === 3 ? null : Math.round(r() * 1000) / 10 };
    });
    const path = join(dir, "log.parquet");
    await writeParquet(
      db,
      path,
      [
        { name: "f", type: "DOUBLE" },
        { name: "f__status", type: "INTEGER" },
      ],
      log.map((l) => [l.value, l.status]),
    );
    const [p] = await profileGroup(connection, {
      fromSql: `SELECT * FROM read_parquet('${path}')`,
      columns: [{ name: "v:f", column: "f", valueType: ValueType.DOUBLE, statusColumn: "f__status" }],
      context: "log",
    });
    const share = (s: number) => log.filter((l) => l.status === s).length / log.length;
    expect(p?.notFound).toBeCloseTo(share(3), 12);
    expect(p?.outsideMaxAge).toBeCloseTo(share(4), 12);
    expect(p?.coverage).toBeCloseTo(share(1) + share(4), 12);
    if (p)
      expectNumeric(
        p,
        log.map((l) => l.value),
        log.length,
      );
  });
});

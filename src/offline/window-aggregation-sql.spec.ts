import type { DuckDBConnection, DuckDBType } from "@duckdb/node-api";
import { DuckDBInstance, DuckDBTimestampTZValue, DuckDBTypeId } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WindowAggregate, WindowFunction, WindowOptions } from "./window-aggregation-sql.js";
import {
  aggregateSlot,
  chooseWindowPlan,
  windowAggregatesSql,
  windowEventsSql,
  windowPlanStatsSql,
  windowStartSql,
} from "./window-aggregation-sql.js";

/** A seeded generator (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Event {
  key: number;
  t: bigint;
  c: bigint | null;
  x: number;
  n: bigint;
}

interface Row {
  idx: number;
  key: number;
  t: bigint;
}

const SEC = 1_000_000n;

/** The value that beats every other by `better`, or null for none. */
function extreme<T>(values: readonly T[], better: (v: T, m: T) => boolean): T | null {
  let m: T | null = null;
  for (const v of values) if (m === null || better(v, m)) m = v;
  return m;
}

/** The definition, written out plainly (`events`: the row's key's): floor(t, S) - W < e <= t (< t strict), created <= t when excluding. */
function oracle(events: Event[], row: Row, a: WindowAggregate, column: "x" | "n", options: WindowOptions) {
  const s = a.slideUs;
  const floor = row.t - (((row.t % s) + s) % s);
  const lb = floor - a.windowUs;
  const inWindow = events.filter(
    (e) =>
      e.t > lb &&
      (options.strict ? e.t < row.t : e.t <= row.t) &&
      (!options.excludeCreatedAfter || (e.c ?? e.t) <= row.t),
  );
  const values = inWindow.map((e) => e[column] as number | bigint | string);
  switch (a.function) {
    case "count":
      return BigInt(inWindow.length);
    case "sum":
      if (column === "n") return values.reduce((acc: bigint, v) => acc + BigInt(v), 0n);
      return values.reduce((acc: number, v) => acc + Number(v), 0);
    case "mean":
      return values.length === 0
        ? null
        : values.reduce((acc: number, v) => acc + Number(v), 0) / values.length;
    case "min":
      return extreme(values, (v, m) => v < m);
    case "max":
      return extreme(values, (v, m) => v > m);
    case "last": {
      let best: Event | undefined;
      const later = (p: Event, q: Event) => {
        const pc = p.c ?? -(1n << 62n);
        const qc = q.c ?? -(1n << 62n);
        if (p.t !== q.t) return p.t > q.t;
        if (pc !== qc) return pc > qc;
        return p[column] > q[column];
      };
      for (const e of inWindow) if (!best || later(e, best)) best = e;
      return best ? best[column] : null;
    }
  }
}

const TS: DuckDBType = { typeId: DuckDBTypeId.TIMESTAMP_TZ } as DuckDBType;

/** Aggregates over every function and column type, on windows whose starts fall on and between events. */
const FRAMES: [bigint, bigint][] = [
  [60n * SEC, 60n * SEC],
  [120n * SEC, 60n * SEC],
  [600n * SEC, 15n * SEC],
  [3600n * SEC, 900n * SEC],
  [7n * SEC, 1n * SEC],
];

function aggregates(frames = FRAMES): { a: WindowAggregate; column: "x" | "n" }[] {
  const out: { a: WindowAggregate; column: "x" | "n" }[] = [];
  const fns: WindowFunction[] = ["count", "sum", "mean", "min", "max", "last"];
  for (const [windowUs, slideUs] of frames) {
    for (const fn of fns) {
      const a = { function: fn, column: fn === "count" ? -1 : 0, windowUs, slideUs };
      out.push({ a: { ...a, sqlType: fn === "count" ? "BIGINT" : "DOUBLE" }, column: "x" });
    }
    for (const fn of ["sum", "mean", "min", "max", "last"] as WindowFunction[]) {
      const sqlType = fn === "mean" ? "DOUBLE" : "BIGINT";
      out.push({ a: { function: fn, column: 1, windowUs, slideUs, sqlType }, column: "n" });
    }
  }
  return out;
}

/**
 * Random events on a coarse grid (ties in event time, created time and both;
 * out of order; late, with created far after the event; some without a
 * created time), and entity rows at events, just before and after them, on
 * slide boundaries and anywhere, some keys without events.
 */
function dataset(seed: number, base: bigint) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const events: Event[] = [];
  for (let i = 0; i < 1500; i++) {
    const t =
      base + BigInt(Math.floor(r() * 240)) * 15n * SEC + (r() < 0.1 ? BigInt(Math.floor(r() * 3)) - 1n : 0n);
    const lag = pick([0n, 0n, 1n * SEC, 15n * SEC, 45n * SEC, 900n * SEC, 3600n * SEC]);
    events.push({
      key: Math.floor(r() * 6),
      t,
      c: r() < 0.05 ? null : t + lag,
      x: Math.floor(r() * 41) - 20 + pick([0, 0.5, 0.25]),
      n: BigInt(Math.floor(r() * 2001) - 1000),
    });
  }
  const rows: Row[] = [];
  for (let i = 0; i < 600; i++) {
    const kind = r();
    const key = Math.floor(r() * 7);
    let t: bigint;
    if (kind < 0.35) t = pick(events).t + BigInt(pick([0, 0, 1, -1]));
    else if (kind < 0.6) t = base + BigInt(Math.floor(r() * 70)) * 60n * SEC + BigInt(pick([0, 0, 1, -1]));
    else if (kind < 0.7) t = (pick(events).c ?? base) + BigInt(pick([0, 1, -1]));
    else t = base - 600n * SEC + BigInt(Math.floor(r() * 5000 * 1e6));
    rows.push({ idx: i, key, t });
  }
  return { events, rows };
}

let instance: DuckDBInstance;
let db: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  db = await instance.connect();
});
afterAll(() => {
  db.closeSync();
});

async function load(events: Event[], rows: Row[]) {
  await db.run("CREATE OR REPLACE TABLE ev (k BIGINT, ts TIMESTAMPTZ, cr TIMESTAMPTZ, x DOUBLE, n BIGINT)");
  await db.run("CREATE OR REPLACE TABLE ent (__row_idx BIGINT, k BIGINT, event_timestamp TIMESTAMPTZ)");
  const ev = await db.createAppender("ev");
  for (const e of events) {
    ev.appendBigInt(BigInt(e.key));
    ev.appendTimestampTZ(new DuckDBTimestampTZValue(e.t));
    if (e.c === null) ev.appendNull();
    else ev.appendTimestampTZ(new DuckDBTimestampTZValue(e.c));
    ev.appendDouble(e.x);
    ev.appendBigInt(e.n);
    ev.endRow();
  }
  ev.closeSync();
  const ent = await db.createAppender("ent");
  for (const row of rows) {
    ent.appendBigInt(BigInt(row.idx));
    ent.appendBigInt(BigInt(row.key));
    ent.appendTimestampTZ(new DuckDBTimestampTZValue(row.t));
    ent.endRow();
  }
  ent.closeSync();
}

async function run(aggs: WindowAggregate[], options: WindowOptions, plan: "window" | "range") {
  const eventsSql = windowEventsSql({
    scan: "ev",
    keys: [{ name: "k", column: "k", sqlType: "BIGINT" }],
    values: [
      { column: "x", sqlType: "DOUBLE" },
      { column: "n", sqlType: "BIGINT" },
    ],
    timestamp: { column: "ts", type: TS },
    created: { column: "cr", type: TS },
  });
  const ctes = windowAggregatesSql(
    "__v0",
    { table: "__e", rowId: ["__row_idx"], timestamp: "event_timestamp" },
    { eventsSql, keys: ["k"], valueTypes: ["DOUBLE", "BIGINT"], aggregates: aggs, plan },
    options,
  );
  const slots = aggs.map((_, j) => aggregateSlot(j));
  const sql = `WITH __e AS (SELECT * FROM ent), ${ctes.join(",\n")} SELECT __row_idx, ${slots.join(", ")}, epoch_us(__ts) FROM __v0_agg ORDER BY __row_idx`;
  return (await db.runAndReadAll(sql)).getRows();
}

const OPTIONS: (WindowOptions & { plan: "window" | "range" })[] = [
  { strict: false, excludeCreatedAfter: false, plan: "window" },
  { strict: true, excludeCreatedAfter: false, plan: "window" },
  { strict: false, excludeCreatedAfter: false, plan: "range" },
  { strict: true, excludeCreatedAfter: false, plan: "range" },
  { strict: false, excludeCreatedAfter: true, plan: "range" },
  { strict: true, excludeCreatedAfter: true, plan: "range" },
];

describe("windowAggregatesSql against a brute-force oracle", () => {
  for (const [seed, base, frames] of [
    [1, 1_767_225_600n * SEC, FRAMES],
    [2, 1_767_225_600n * SEC + 7n * SEC, FRAMES],
    [3, -86_400n * SEC - 30n * SEC, FRAMES],
    // No window starts first at every time: the range join starts at the earliest of them.
    [
      5,
      1_767_225_600n * SEC,
      [
        [60n * SEC, 60n * SEC],
        [100n * SEC, 50n * SEC],
      ],
    ],
  ] as const) {
    for (const options of OPTIONS) {
      it(`seed ${seed}, ${frames.length} windows, ${options.plan} plan, strict ${options.strict}, exclude_created_after ${options.excludeCreatedAfter}`, async () => {
        const { events, rows } = dataset(seed, base);
        await load(events, rows);
        const planned = aggregates(frames as [bigint, bigint][]);
        const result = await run(
          planned.map((p) => p.a),
          options,
          options.plan,
        );
        expect(result).toHaveLength(rows.length);
        const mismatches: string[] = [];
        const byKey = new Map<number, Event[]>();
        for (const e of events) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
        for (const got of result) {
          const row = rows[Number(got[0])] as Row;
          const own = byKey.get(row.key) ?? [];
          planned.forEach(({ a, column }, j) => {
            const want = oracle(own, row, a, column, options);
            const value = got[1 + j];
            if (value !== want && mismatches.length < 10) {
              mismatches.push(
                `row ${row.idx} key ${row.key} t ${row.t} ${a.function}(${column}) W ${a.windowUs} S ${a.slideUs}: got ${value} want ${want}`,
              );
            }
          });
          // The latest event over all windows (the leakage audit's timestamp).
          const widest = planned.map(({ a }) => {
            const s = a.slideUs;
            return row.t - (((row.t % s) + s) % s) - a.windowUs;
          });
          const lb = extreme(widest, (v, m) => v < m) as bigint;
          const latest = own
            .filter(
              (e) =>
                e.t > lb &&
                (options.strict ? e.t < row.t : e.t <= row.t) &&
                (!options.excludeCreatedAfter || (e.c ?? e.t) <= row.t),
            )
            .reduce<bigint | null>((m, e) => (m === null || e.t > m ? e.t : m), null);
          expect(got[1 + planned.length]).toBe(latest);
        }
        expect(mismatches).toEqual([]);
      });
    }
  }

  it("counts the pairs a range join compares, and picks the range join only for few pairs", async () => {
    const { events, rows } = dataset(4, 1_767_225_600n * SEC);
    await load(events, rows);
    const eventsSql = windowEventsSql({
      scan: "ev",
      keys: [{ name: "k", column: "k", sqlType: "BIGINT" }],
      values: [],
      timestamp: { column: "ts", type: TS },
      created: null,
    });
    const [stats] = (
      await db.runAndReadAll(windowPlanStatsSql("SELECT * FROM ent", eventsSql, ["k"]))
    ).getRows();
    const pairs = rows.reduce((n, r) => n + events.filter((e) => e.key === r.key).length, 0);
    expect(stats).toEqual([BigInt(pairs), BigInt(rows.length), BigInt(events.length)]);
    const view = {
      eventsSql,
      keys: ["k"],
      valueTypes: [],
      aggregates: [
        { function: "count" as const, column: -1, windowUs: 60n * SEC, slideUs: SEC, sqlType: "BIGINT" },
      ],
    };
    // count + the latest-event span: up to 2 + 1.5 x 2 = 5 pairs per row or event.
    expect(chooseWindowPlan({ pairs: 5000n, rows: 500n, events: 500n }, view)).toBe("range");
    expect(chooseWindowPlan({ pairs: 5001n, rows: 500n, events: 500n }, view)).toBe("window");
  });

  it("floors below the epoch to the multiple of the slide at or before t", async () => {
    const t = "t";
    const sql = `SELECT ${windowStartSql(t, 10n, 7n)} FROM (VALUES (CAST(-1 AS BIGINT)), (-7), (0), (6), (7)) v(t)`;
    const rows = (await db.runAndReadAll(sql)).getRows().map((r) => r[0]);
    expect(rows).toEqual([-17n, -17n, -10n, -10n, -3n]);
  });
});

/**
 * The BIGINT packing of (event, created) checked in DuckDB against the
 * comparisons it replaces, on every pair of a grid of feature times and
 * entity times: the packed order sorts exactly as (event, created or
 * -infinity), and the entity bounds admit exactly the rows with event time
 * <= T (>=) or < T (strict, >), including entity times before, between,
 * equal to, a microsecond off and after the feature times.
 */
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDb } from "../src/offline/index.js";
import {
  packedBoundSql,
  packedOrderSql,
  timePacking,
  timeStatsOf,
  timeStatsSql,
} from "../src/offline/time-order.js";

let db: DuckDBInstance;
beforeAll(async () => {
  db = await openDuckDb({ threads: 1, memoryLimit: "256MB" });
});
afterAll(() => db?.closeSync());

const ts = (us: bigint) => `make_timestamptz(${us}::BIGINT)`;

async function check(events: bigint[], created: (bigint | null)[], entityTimes: bigint[]) {
  const conn = await db.connect();
  try {
    const rows = events.flatMap((e) =>
      created.map((c) => `(${ts(e)}, ${c === null ? "NULL::TIMESTAMPTZ" : ts(c)})`),
    );
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE f AS SELECT * FROM (VALUES ${rows.join(", ")}) AS v(__ts, __created)`,
    );
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE e AS SELECT * FROM (VALUES ${entityTimes.map((t) => `(${ts(t)})`).join(", ")}) AS v(t)`,
    );
    const stats = timeStatsOf(
      (
        await conn.runAndReadAll(
          timeStatsSql("SELECT epoch_us(__ts) AS __ts_us, epoch_us(__created) AS __created_us FROM f", true),
        )
      ).getRows()[0] ?? [],
    );
    const p = timePacking(stats);
    if (!p) throw new Error("expected a packing");
    const order = packedOrderSql(p, "epoch_us(__ts)", "epoch_us(__created)");
    const bad = await conn.runAndReadAll(`
      WITH o AS (SELECT __ts, __created, ${order} AS o FROM f)
      SELECT
        (SELECT count(*) FROM o AS a, o AS b
          WHERE (a.o < b.o) <> (struct_pack(t := a.__ts, c := coalesce(a.__created, '-infinity'::TIMESTAMPTZ))
                              < struct_pack(t := b.__ts, c := coalesce(b.__created, '-infinity'::TIMESTAMPTZ)))),
        (SELECT count(*) FROM o, e WHERE (${packedBoundSql(p, "e.t", false)} >= o.o) <> (o.__ts <= e.t)),
        (SELECT count(*) FROM o, e WHERE (${packedBoundSql(p, "e.t", true)} > o.o) <> (o.__ts < e.t)),
        (SELECT min(o) >= 0 AND max(o) < (1::BIGINT << 62) FROM o)`);
    expect(bad.getRows()[0]).toEqual([0n, 0n, 0n, true]);
    return p;
  } finally {
    conn.closeSync();
  }
}

const S = 1_000_000n;
const base = 1_767_225_600n * S;

describe("packed (event, created) order in DuckDB", () => {
  it("whole seconds, with fractional and out-of-range entity times", async () => {
    const events = [0n, 1n, 2n, 5n, 3600n].map((s) => base + s * S);
    const created = [null, base, base + S, base + 7n * S, base + 86_400n * S];
    const entity = [
      base - 10n * 86_400n * S,
      base - S,
      base - 1n,
      ...events.flatMap((e) => [e - 1n, e, e + 1n, e + S / 2n]),
      base + 3601n * S,
      base + 365n * 86_400n * S,
    ];
    const p = await check(events, created, entity);
    expect(p.eventUnit).toBe(S);
  });

  it("milliseconds and microseconds", async () => {
    const ms = [0n, 1n, 999n, 1000n, 5000n].map((m) => base + m * 1000n);
    const entity = [base - 1n, ...ms.flatMap((e) => [e - 1n, e, e + 1n, e + 500n]), base + 10n * S];
    expect((await check(ms, [null, base + 1000n, base + 2000n], entity)).eventUnit).toBe(1000n);
    const us = [0n, 1n, 2n, 7n, 1_000_001n].map((u) => base + u);
    // Entity times ~30 years away: unclamped, (T - min) << created bits would overflow a BIGINT.
    const far = 10n ** 15n;
    const ent = [base - far, base - 5n, ...us.flatMap((e) => [e - 1n, e, e + 1n]), base + 2n * S, base + far];
    const p = await check(us, [null, base + 3n, base - 3n * S], ent);
    expect(p.eventUnit).toBe(1n);
    expect(p.createdBits).toBeGreaterThan(20);
  });

  it("a single event time, every created time NULL, entity times far away", async () => {
    const p = await check([base], [null], [-(10n ** 15n), base - 1n, base, base + 1n, 10n ** 16n]);
    expect(p.createdBits).toBe(0);
  });
});

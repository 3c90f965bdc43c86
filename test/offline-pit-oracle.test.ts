/**
 * The point-in-time join against a brute-force oracle: plain loops over the
 * same randomized rows (many keys, ties on event and created time, missing
 * created times, duplicate entity rows, null keys, two views, ttl 0 and
 * non-zero, strict and not, created-after exclusion, dropping unmatched
 * rows). DuckDB's output, streamed and written as Parquet, must agree value
 * for value. Three kinds of data: whole seconds and microsecond-precise
 * times (fractional entity times too) both take the packed BIGINT order of
 * (event, created) (see src/offline/time-order.ts), while a created time
 * centuries away makes the packing not fit, so the struct order is used:
 * each test checks which one the plan took.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planHistorical } from "../src/offline/historical-plan.js";
import type { PitOptions } from "../src/offline/index.js";
import { createOfflineStore, openDuckDb } from "../src/offline/index.js";
import { splitPartCount } from "../src/offline/key-split.js";
import type { Cell } from "./offline-fixtures.js";
import {
  column,
  featureView,
  field,
  fileSource,
  rng,
  rowsOfBatch,
  snapshotOf,
  T,
  tempDir,
  writeParquet,
} from "./offline-fixtures.js";

/** Times are microseconds (numbers: all stay far below 2^53). */
const US = 1_000_000;

type Mode = "seconds" | "micros" | "fallback";
/** Microseconds of whole time unit t: whole seconds, or a fraction that depends only on t (ties stay ties). */
const eventUs = (t: number, mode: Mode) => t * US + (mode === "seconds" ? 0 : ((t * 7919) % 997) * 1003);
const createdUs = (c: number, mode: Mode) => c * US + (mode === "seconds" ? 0 : ((c * 104_729) % 991) * 1009);
/** A created time in 1716: the (event, created) packing then needs more than 62 bits. */
const ANCIENT = -8_000_000_000_000_000;

interface FeatureRow {
  keys: (bigint | string | null)[];
  ts: number;
  created: number | null;
  file: number;
  row: number;
  values: unknown[];
}

interface ViewData {
  name: string;
  keyNames: string[];
  featureNames: string[];
  rows: FeatureRow[];
}

interface EntityRow {
  k1: bigint | null;
  k2: string | null;
  ts: number;
}

/** The oracle: the winning row of `view` for entity row `e`, or undefined. */
function oracleMatch(view: ViewData, e: EntityRow, ttl: number, o: PitOptions): FeatureRow | undefined {
  const eKeys = view.keyNames.map((k) => (k === "k1" ? e.k1 : e.k2));
  let best: FeatureRow | undefined;
  for (const r of view.rows) {
    if (r.keys.some((k, i) => k === null || eKeys[i] === null || k !== eKeys[i])) continue;
    if (o.strict ? !(r.ts < e.ts) : !(r.ts <= e.ts)) continue;
    if (ttl > 0 && r.ts < e.ts - ttl) continue;
    if (o.excludeCreatedAfter && (r.created ?? r.ts) > e.ts) continue;
    if (!best || better(r, best)) best = r;
  }
  return best;
}

function better(a: FeatureRow, b: FeatureRow): boolean {
  if (a.ts !== b.ts) return a.ts > b.ts;
  const ca = a.created ?? Number.NEGATIVE_INFINITY;
  const cb = b.created ?? Number.NEGATIVE_INFINITY;
  if (ca === cb) throw new Error("the data must not hold rows equal in keys, event and created time");
  return ca > cb;
}

let db: DuckDBInstance;
afterAll(() => db?.closeSync());
beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "512MB" });
});

async function scenario(seed: number, mode: Mode) {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const dir = tempDir();
  const k2s = ["p", "q", "r"];

  // View A: composite key (k1, k2), created timestamps (some missing), two files in a folder.
  const a: ViewData = { name: "va", keyNames: ["k1", "k2"], featureNames: ["x", "n"], rows: [] };
  const seenA = new Set<string>();
  mkdirSync(join(dir, "va"));
  for (let file = 0; file < 2; file++) {
    const rows: Cell[][] = [];
    const count = 60 + int(40);
    for (let row = 0; row < count; row++) {
      const k1 = rand() < 0.03 ? null : BigInt(int(6));
      const k2 = k2s[int(3)] as string;
      const tu = int(40);
      const t = eventUs(tu, mode);
      const created =
        mode === "fallback" && file === 0 && row === 0
          ? ANCIENT
          : rand() < 0.15
            ? null
            : createdUs(tu + int(8), mode);
      // Rows equal in keys, event and created time are interchangeable (either may win): none here.
      const id = `${k1}/${k2}/${t}/${created}`;
      if (k1 !== null && seenA.has(id)) continue;
      seenA.add(id);
      const x = rand() < 0.1 ? null : Math.round(rand() * 1000) / 8;
      const n = BigInt(int(1_000_000)) * 10_000_000_000n;
      a.rows.push({ keys: [k1, k2], ts: t, created, file, row, values: [x, n] });
      rows.push([k1, k2, { micros: BigInt(t) }, created === null ? null : { micros: BigInt(created) }, x, n]);
    }
    await writeParquet(
      db,
      join(dir, "va", `part-${file}.parquet`),
      [
        { name: "k1", type: "BIGINT" },
        { name: "k2", type: "VARCHAR" },
        { name: "ts", type: "TIMESTAMP" },
        { name: "created_at", type: "TIMESTAMP" },
        { name: "x_raw", type: "DOUBLE" },
        { name: "n", type: "BIGINT" },
      ],
      rows,
    );
  }
  // View B: key k1 only, no created timestamp, TIMESTAMPTZ event times, one file.
  const b: ViewData = { name: "vb", keyNames: ["k1"], featureNames: ["y"], rows: [] };
  const bRows: Cell[][] = [];
  const seenB = new Set<string>();
  for (let row = 0; row < 80; row++) {
    const t = eventUs(int(40), mode);
    const k1 = BigInt(int(7));
    const y = rand() < 0.1 ? null : `y${int(100)}`;
    // No created column: (key, event time) must be unique for the winner to be defined.
    if (seenB.has(`${k1}/${t}`)) continue;
    seenB.add(`${k1}/${t}`);
    b.rows.push({ keys: [k1], ts: t, created: null, file: 0, row, values: [y] });
    bRows.push([k1, { micros: BigInt(t), tz: true }, y]);
  }
  await writeParquet(
    db,
    join(dir, "vb.parquet"),
    [
      { name: "k1", type: "BIGINT" },
      { name: "event_time", type: "TIMESTAMPTZ" },
      { name: "y", type: "VARCHAR" },
    ],
    bRows,
  );

  // Entity rows: keys partly outside the feature data, some null, duplicates kept.
  const entities: EntityRow[] = [];
  for (let i = 0; i < 150; i++) {
    if (i > 0 && rand() < 0.15) {
      entities.push({ ...(entities[int(entities.length)] as EntityRow) });
      continue;
    }
    entities.push({
      k1: rand() < 0.03 ? null : BigInt(int(8)),
      k2: rand() < 0.03 ? null : (k2s[int(3)] as string),
      // Fractional entity times: equal to a feature time, or anywhere within the second.
      ts: mode === "seconds" ? int(48) * US : rand() < 0.5 ? eventUs(int(48), mode) : int(48) * US + int(US),
    });
  }
  return { dir, a, b, entities };
}

const optionSets: (PitOptions & { ttlA: number; ttlB: number })[] = [];
for (const strict of [false, true]) {
  for (const excludeCreatedAfter of [false, true]) {
    for (const [ttlA, ttlB] of [
      [0, 0],
      [7, 5],
    ] as const) {
      for (const dropUnmatched of [false, true]) {
        optionSets.push({
          strict,
          excludeCreatedAfter,
          dropUnmatched,
          includeFeatureTimestamps: true,
          ttlA,
          ttlB,
        });
      }
    }
  }
}

/** Small enough that every scenario's join is split into several parts. */
const SPLIT_ROWS_PER_PART = 40;

describe("point-in-time join agrees with a brute-force oracle", () => {
  const runs: [number, Mode][] = [
    [1, "seconds"],
    [2, "seconds"],
    [3, "seconds"],
    [4, "micros"],
    [5, "micros"],
    [6, "fallback"],
    [7, "fallback"],
  ];
  for (const [seed, mode] of runs) {
    it(`seed ${seed}, ${mode}: all ${optionSets.length} option combinations, streamed and as Parquet`, async () => {
      const { dir, a, b, entities } = await scenario(seed, mode);
      const outDir = join(dir, "out");
      const store = createOfflineStore({ repoPath: dir, outputDir: outDir, duckdb: db });
      // The same store with the Parquet write's join split by key into parts of ~40 rows.
      const splitStore = createOfflineStore({
        repoPath: dir,
        outputDir: outDir,
        duckdb: db,
        joinRowsPerPart: SPLIT_ROWS_PER_PART,
      });
      for (const o of optionSets) {
        const label = JSON.stringify(o);
        const va = featureView(
          "va",
          [field("k1", T.INT64), field("k2", T.STRING)],
          [field("x", T.DOUBLE), field("n", T.INT64)],
          fileSource("va_src", "va", {
            createdTimestampColumn: "created_at",
            fieldMapping: { x_raw: "x" },
          }),
          o.ttlA,
        );
        const vb = featureView(
          "vb",
          [field("k1", T.INT64)],
          [field("y", T.STRING)],
          fileSource("vb_src", "vb.parquet", { timestampField: "event_time" }),
          o.ttlB,
        );
        const query = {
          snapshot: snapshotOf([va, vb]),
          selection: { kind: "features" as const, refs: ["va:x", "vb:y", "va:n"] },
          entities: {
            kind: "inline" as const,
            columns: {
              k1: column(
                "int64Val",
                entities.map((e) => e.k1),
              ),
              k2: column(
                "stringVal",
                entities.map((e) => e.k2),
              ),
            },
            timestamps: entities.map((e) => ({
              seconds: BigInt(Math.floor(e.ts / US)),
              nanos: (e.ts % US) * 1000,
            })),
          },
          fullFeatureNames: true,
          options: o,
        };

        // The oracle's rows.
        const expected: Record<string, unknown>[] = [];
        let matchedA = 0;
        let matchedB = 0;
        for (const e of entities) {
          const ma = oracleMatch(a, e, o.ttlA * US, o);
          const mb = oracleMatch(b, e, o.ttlB * US, o);
          if (o.dropUnmatched && !ma && !mb) continue;
          if (ma) matchedA++;
          if (mb) matchedB++;
          expected.push({
            k1: e.k1,
            k2: e.k2,
            event_timestamp: BigInt(e.ts),
            va__x: ma ? ma.values[0] : null,
            va__n: ma ? ma.values[1] : null,
            va__event_timestamp: ma ? BigInt(ma.ts) : null,
            vb__y: mb ? mb.values[0] : null,
            vb__event_timestamp: mb ? BigInt(mb.ts) : null,
          });
        }

        // The plan takes the packed order unless the data does not allow it.
        const planConn = await db.connect();
        const plan = await planHistorical(planConn, query, { repoPath: dir });
        planConn.closeSync();
        expect(plan.sql.includes("struct_pack(t :="), label).toBe(mode === "fallback");
        expect(plan.sql.includes("AS __order"), label).toBe(true);

        // Streamed.
        const rows: Record<string, unknown>[] = [];
        let summary: { rowCount: number; matchCounts: unknown; violations: number } | undefined;
        for await (const ev of store.streamHistorical(query, 64)) {
          if (ev.kind === "batch") rows.push(...rowsOfBatch(ev.encoded));
          if (ev.kind === "summary") summary = ev.result;
        }
        expect(rows, label).toEqual(expected);
        expect(summary?.rowCount, label).toBe(expected.length);
        expect(summary?.violations, label).toBe(0);
        expect(summary?.matchCounts, label).toEqual([
          { featureView: "va", matchedRows: matchedA },
          { featureView: "vb", matchedRows: matchedB },
        ]);

        // Parquet.
        const result = await store.writeHistorical(query, `seed${seed}/out.parquet`);
        expect(result.rowCount, label).toBe(expected.length);
        expect(result.violations, label).toBe(0);
        expect(result.matchCounts, label).toEqual(summary?.matchCounts);
        const conn = await db.connect();
        const read = await conn.runAndReadAll(
          `SELECT k1, k2, epoch_us(event_timestamp) AS event_timestamp, va__x, va__n,
             epoch_us(va__event_timestamp) AS va__event_timestamp, vb__y, epoch_us(vb__event_timestamp) AS vb__event_timestamp
           FROM read_parquet('${result.outputPath}')`,
        );
        conn.closeSync();
        expect(read.getRowObjects(), label).toEqual(expected);

        // Parquet, the join split by key (both views join on k1): the same rows in the same order.
        expect(
          plan.split?.keys.map((k) => k.name),
          label,
        ).toEqual(["k1"]);
        expect(splitPartCount(plan.split?.rows ?? 0n, SPLIT_ROWS_PER_PART), label).toBeGreaterThan(1);
        const split = await splitStore.writeHistorical(query, `seed${seed}/split.parquet`);
        expect(split.rowCount, label).toBe(expected.length);
        expect(split.violations, label).toBe(0);
        expect(split.matchCounts, label).toEqual(summary?.matchCounts);
        const splitConn = await db.connect();
        const splitRead = await splitConn.runAndReadAll(
          `SELECT k1, k2, epoch_us(event_timestamp) AS event_timestamp, va__x, va__n,
             epoch_us(va__event_timestamp) AS va__event_timestamp, vb__y, epoch_us(vb__event_timestamp) AS vb__event_timestamp
           FROM read_parquet('${split.outputPath}')`,
        );
        splitConn.closeSync();
        expect(splitRead.getRowObjects(), label).toEqual(expected);
      }
    });
  }
});

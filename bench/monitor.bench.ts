/**
 * Benchmark: profiling 10,000,000 rows x 8 features (4 DOUBLE, 2 BIGINT, a
 * VARCHAR and a BOOLEAN, with nulls) against DuckDB's own `SUMMARIZE` over
 * the same Parquet in the same run. Target: the profile takes at most 1.5x
 * SUMMARIZE.
 *
 * Generates the data with DuckDB SQL (hash-based pseudo-random values) into
 * a temp folder, then alternates SUMMARIZE, the profile of the feature view
 * (a scan for the value counts of the string and the boolean and the ranges
 * that fix the bins, then the profile aggregate) and the profile against
 * that profile as a baseline (what a drift check runs: the bins are given),
 * on one DuckDB instance with the server's defaults. Run with `npm run bench -- monitor`; ROWS and RUNS override the
 * size and the number of timed rounds (default 3, after a warm-up round).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { computeProfile, type ProfileRequest, referenceOf } from "../src/monitoring/index.js";
import { openDuckDb } from "../src/offline/index.js";
import type { FeatureViewDef, FieldDef, FileSourceDef } from "../src/registry/model.js";
import type { RegistrySnapshot } from "../src/registry/registry.js";

const ROWS = Number(process.env.ROWS ?? 10_000_000);
const RUNS = Number(process.env.RUNS ?? 3);
const TARGET_RATIO = 1.5;

const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });
const FEATURES: FieldDef[] = [
  field("d1", ValueType.DOUBLE),
  field("d2", ValueType.DOUBLE),
  field("d3", ValueType.DOUBLE),
  field("d4", ValueType.DOUBLE),
  field("i1", ValueType.INT64),
  field("i2", ValueType.INT64),
  field("s1", ValueType.STRING),
  field("b1", ValueType.BOOL),
];

function snapshot(path: string): RegistrySnapshot {
  const described = { description: "", tags: {}, owner: "" };
  const source: FileSourceDef = {
    kind: "file",
    name: "bench_source",
    path,
    timestampField: "ts",
    createdTimestampColumn: "",
    fieldMapping: {},
    ...described,
  };
  const view: FeatureViewDef = {
    name: "bench",
    entities: ["id"],
    entityColumns: [field("id", ValueType.INT64)],
    features: FEATURES,
    ttlSeconds: 0,
    source,
    online: true,
    ...described,
  };
  return {
    project: "bench_monitor",
    version: 1,
    entities: new Map(),
    dataSources: new Map([[source.name, source]]),
    featureViews: new Map([[view.name, view]]),
    featureServices: new Map(),
    onDemandFeatureViews: new Map(),
    meta: new Map(),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fstore-bench-monitor-"));
  const path = join(dir, "bench.parquet");
  const db = await openDuckDb();
  const connection = await db.connect();
  try {
    const g0 = performance.now();
    const h = (i: number) => `hash(i, ${i})`;
    await connection.run(`COPY (
      SELECT i AS id, make_timestamp(1767225600000000 + i * 1000000) AS ts,
        CASE WHEN ${h(1)} % 10 = 0 THEN NULL ELSE (${h(2)} % 1000000) / 1000.0 END AS d1,
        (${h(3)} % 1000)::DOUBLE * 0.5 AS d2,
        CASE WHEN ${h(4)} % 100 < 5 THEN NULL
          ELSE sqrt(-2 * ln((${h(5)} % 1000000 + 1) / 1000001.0)) * cos(2 * pi() * (${h(6)} % 1000000) / 1000000.0) END AS d3,
        exp((${h(7)} % 1000) / 200.0) AS d4,
        (${h(8)} % 100000)::BIGINT AS i1,
        CASE WHEN ${h(9)} % 50 = 0 THEN NULL ELSE (${h(9)} % 7)::BIGINT END AS i2,
        'cat_' || (${h(10)} % 40)::VARCHAR AS s1,
        ${h(11)} % 3 = 0 AS b1
      FROM range(${ROWS}) r(i)
    ) TO '${path}' (FORMAT parquet)`);
    const generateSeconds = (performance.now() - g0) / 1000;

    const columns = FEATURES.map((f) => f.name).join(", ");
    const ctx = { connection, snapshot: snapshot(path), repoPath: dir };
    const plain: ProfileRequest = { target: { kind: "feature_view", name: "bench" } };
    const first = await computeProfile(ctx, plain);
    const against: ProfileRequest = { ...plain, reference: referenceOf(first) };

    const times = { summarize: [] as number[], profile: [] as number[], baseline: [] as number[] };
    const time = async (xs: number[], work: () => Promise<unknown>, keep: boolean) => {
      const t0 = performance.now();
      await work();
      if (keep) xs.push((performance.now() - t0) / 1000);
    };
    for (let round = 0; round <= RUNS; round++) {
      const keep = round > 0; // round 0 warms the file cache and DuckDB
      await time(
        times.summarize,
        () => connection.runAndReadAll(`SUMMARIZE SELECT ${columns} FROM read_parquet('${path}')`),
        keep,
      );
      await time(times.profile, () => computeProfile(ctx, plain), keep);
      await time(times.baseline, () => computeProfile(ctx, against), keep);
    }
    const summarize = median(times.summarize);
    const rows = [
      ["case", "median s", "min s", "x SUMMARIZE", "x (min s)", `target <= ${TARGET_RATIO}x`],
      ["DuckDB SUMMARIZE", summarize.toFixed(2), Math.min(...times.summarize).toFixed(2), "1.00", "1.00", ""],
      ...(
        [
          ["profile (value counts + ranges, then the profile)", times.profile],
          ["profile against a baseline (bins given)", times.baseline],
        ] as const
      ).map(([name, xs]) => {
        const ratio = median(xs) / summarize;
        return [
          name,
          median(xs).toFixed(2),
          Math.min(...xs).toFixed(2),
          ratio.toFixed(2),
          // Best against best: less sensitive to a shared machine than the medians.
          (Math.min(...xs) / Math.min(...times.summarize)).toFixed(2),
          ratio <= TARGET_RATIO ? "met" : "MISSED",
        ];
      }),
    ];
    const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
    console.log(
      `Profiling ${ROWS.toLocaleString("en-US")} rows x ${FEATURES.length} features (Parquet), median of ${RUNS} rounds after a warm-up`,
    );
    for (const r of rows) {
      console.log(
        `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ")}`,
      );
    }
    console.log(`  (setup: generated the Parquet in ${generateSeconds.toFixed(1)} s)`);
    if (median(times.profile) / summarize > TARGET_RATIO) process.exitCode = 1;
  } finally {
    connection.closeSync();
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * Benchmark: what recording lineage costs a training set. The historical
 * benchmark's query (1,000,000 entity rows, two views over ~10,000,000
 * feature rows; its data set, generated once into
 * $TMPDIR/fstore-bench-historical) is written to Parquet in-process, in
 * alternating runs without lineage and with it (manifest built, embedded in
 * the file's key-value metadata and recorded in a SQLite lineage store, as
 * GetHistoricalFeatures does). Printed:
 * - wall and CPU seconds of both (median of RUNS each) and their ratio;
 * - the lineage work alone (fingerprinting the files, looking the versions
 *   up, recording the manifest), timed on its own, as a fraction of the
 *   query: the steadier figure on a loaded machine, since it is the only
 *   work lineage adds (the target: under 3%);
 * - a materialization run's lineage (fingerprints and one record per view),
 *   which adds nothing to the rows written.
 *
 *   npm run bench -- lineage        (RUNS=5; PRESET=small for a quick check on the small data set)
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateExampleData } from "../feature_repo/_generate_data.js";
import { parseRepoConfig } from "../src/config/index.js";
import {
  buildDatasetManifest,
  closeLineage,
  fingerprintFiles,
  openLineage,
  startHistoricalRun,
  startMaterializationLineage,
} from "../src/lineage/index.js";
import type { HistoricalQuery } from "../src/offline/index.js";
import { createOfflineStore, openDuckDb } from "../src/offline/index.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import type { RegistrySnapshot } from "../src/registry/registry.js";
import { snapshotOf, vehicleDefinitions } from "./historical/vehicle-definitions.js";

const PRESET = process.env.PRESET === "small" ? "small" : "large";
const REPO = join(tmpdir(), PRESET === "large" ? "fstore-bench-historical" : "fstore-bench-lineage-small");
const RUNS = Number(process.env.RUNS ?? 5);
const TARGET = 0.03;

const query = (snap: RegistrySnapshot): HistoricalQuery => ({
  snapshot: snap,
  selection: {
    kind: "features",
    refs: [
      ...[
        "technology",
        "num_images",
        "street_parked",
        "description",
        "actual_price",
        "recommended_price",
      ].map((f) => `vehicle_features:${f}`),
      "vehicle_hourly_stats:recent_reservations",
      "vehicle_hourly_stats:current_price",
    ],
  },
  entities: { kind: "registered", name: "vehicle_labels" },
  fullFeatureNames: false,
  options: {
    strict: false,
    dropUnmatched: false,
    excludeCreatedAfter: false,
    includeFeatureTimestamps: false,
  },
});

/** CPU seconds (user + system, every thread) of this process. */
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  if (!existsSync(join(REPO, "data", "vehicle_labels.parquet"))) {
    console.log(`generating the ${PRESET} data set in ${REPO} ...`);
    await generateExampleData({ repoPath: REPO, preset: PRESET, dataDir: "data" });
  }
  const out = join(REPO, "out-lineage");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const config = parseRepoConfig(
    { project: "bench", provider: "local", registry: join(out, "registry.db") },
    { repoPath: REPO, configPath: join(REPO, "feature_store.yaml"), env: {} },
  );
  const lineage = openLineage(config);
  const db = await openDuckDb({ memoryLimit: process.env.FSTORE_DUCKDB_MEMORY_LIMIT ?? "1GB" });
  const store = createOfflineStore({ repoPath: REPO, outputDir: out, duckdb: db });
  const snap = snapshotOf(vehicleDefinitions());

  const off = { wall: [] as number[], cpu: [] as number[] };
  const on = { wall: [] as number[], cpu: [] as number[] };
  const work = { wall: [] as number[], cpu: [] as number[] };
  let rows = 0;
  let files = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const withLineage of [false, true]) {
      const q = query(snap);
      const t0 = performance.now();
      const c0 = cpuSeconds();
      if (withLineage) {
        const run = startHistoricalRun(lineage, {
          via: "cli",
          output: "parquet",
          requested: q.selection,
          query: q,
        });
        const result = await store.writeHistorical(q, `on-${i}.parquet`, undefined, run.writeOptions);
        await run.finish(result);
        rows = result.rowCount;
      } else {
        await store.writeHistorical(q, `off-${i}.parquet`);
      }
      const target = withLineage ? on : off;
      target.wall.push((performance.now() - t0) / 1000);
      target.cpu.push(cpuSeconds() - c0);
    }
    // The lineage work alone, on the last result's inputs.
    const q = query(snap);
    const result = await store.writeHistorical(q, "probe.parquet");
    files = result.inputs.views.reduce((n, v) => n + v.files.length, 0) + result.inputs.entityFiles.length;
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const manifest = await buildDatasetManifest(lineage.store, {
      id: `ds-probe${i}`,
      via: "cli",
      output: "parquet",
      requested: q.selection,
      query: q,
      result,
    });
    await lineage.store.recordDataset(manifest);
    work.wall.push((performance.now() - t0) / 1000);
    work.cpu.push(cpuSeconds() - c0);
  }

  // A materialization run's lineage: fingerprint the view's files, record the run.
  const view = snap.featureViews.get("vehicle_hourly_stats") as FeatureViewDef;
  const hourlyFiles = (
    await (
      await db.connect()
    ).runAndReadAll(`SELECT file FROM glob('${join(REPO, "data/vehicle_hourly")}/**/*.parquet')`)
  )
    .getRows()
    .map((r) => String(r[0]));
  const m0 = performance.now();
  const mat = startMaterializationLineage(lineage, {
    onlineStore: "sqlite:bench",
    view,
    start: new Date(0),
    end: new Date(),
    scheduled: false,
  });
  await mat.reading(hourlyFiles);
  await mat.finish("succeeded", { rowsRead: 0, entitiesWritten: 0 }, "");
  const matMs = performance.now() - m0;
  const fp0 = performance.now();
  await fingerprintFiles(hourlyFiles);
  const fpMs = performance.now() - fp0;

  await closeLineage(lineage);
  db.closeSync();

  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const ratioWall = median(on.wall) / median(off.wall);
  const ratioCpu = median(on.cpu) / median(off.cpu);
  const share = median(work.cpu) / median(off.cpu);
  console.log(
    `\nlineage cost of a training set: ${rows.toLocaleString()} rows from ${files} files (${PRESET} data set), median of ${RUNS} runs each`,
  );
  console.log("| case | wall s | CPU s |");
  console.log("|---|---|---|");
  console.log(`| Parquet, lineage off | ${median(off.wall).toFixed(3)} | ${median(off.cpu).toFixed(3)} |`);
  console.log(`| Parquet, lineage on | ${median(on.wall).toFixed(3)} | ${median(on.cpu).toFixed(3)} |`);
  console.log(`| on / off | ${ratioWall.toFixed(3)} | ${ratioCpu.toFixed(3)} |`);
  console.log(
    `| lineage work alone (fingerprints, version lookups, record) | ${median(work.wall).toFixed(4)} | ${median(work.cpu).toFixed(4)} |`,
  );
  console.log(
    `lineage work / query CPU: ${pct(share)} (target < ${pct(TARGET)}: ${share < TARGET ? "yes" : "NO"}); on/off ratios swing with the machine's load`,
  );
  console.log(
    `materialization run lineage: ${matMs.toFixed(1)} ms per view run (fingerprinting ${hourlyFiles.length} files: ${fpMs.toFixed(1)} ms); nothing is added to the rows written`,
  );
  console.log(
    `load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
}

await main();

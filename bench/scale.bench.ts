/**
 * Growth benchmark: how time and memory grow with 10x the data, on one host.
 *
 * - Historical retrieval (to Parquet, the offline store's writeHistorical) at
 *   1x (the historical benchmark's set: 1,000,000 entity rows x 2 views over
 *   ~10,000,000 feature rows) and 10x (10,000,000 entity rows over ~100,000,000
 *   feature rows), DuckDB held to a memory limit and spilling to a folder:
 *   time ratio 10x/1x (target at most 12) and peak RSS against the limit
 *   (target at most the limit + 25%).
 * - Materialization of every entity of both views into a SQLite online store:
 *   1,000,000 entities from ~10,000,000 rows, then 10,000,000 entities from
 *   ~100,000,000 rows: peak RSS 10x/1x (target at most 1.25).
 *
 * Each case runs in its own process, so its peak RSS (VmHWM) is its own.
 * Data comes from the example generator (feature_repo/_generate_data.ts) with
 * larger sizes, written only under the bench's temp folder and deleted at the
 * end (SCALE_KEEP=1 keeps it for another run).
 *
 *   npm run bench -- scale                       full size: long (tens of minutes), ~10 GB of disk
 *   SCALE_BASE=small npm run bench -- scale      1/100 of the size, to check the bench itself
 *   SCALE_DIVISOR=10 npm run bench -- scale      1/10 of the size
 *
 * SCALE_MEMORY_LIMIT (default 2GB) and SCALE_THREADS (default 2) set DuckDB's
 * memory limit and threads; SCALE_DIR the temp folder.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateExampleData, type PresetSize } from "../feature_repo/_generate_data.js";
import { parseRepoConfig } from "../src/config/index.js";
import { materialize } from "../src/materialize/index.js";
import type { HistoricalQuery } from "../src/offline/index.js";
import { createOfflineStore, openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import { openRegistry } from "../src/registry/index.js";
import { snapshotOfRows } from "../src/registry/object-rows.js";
import { vehicleDefinitions } from "./historical/vehicle-definitions.js";

const ROOT = process.env.SCALE_DIR ?? join(tmpdir(), "fstore-bench-scale");
const MEMORY_LIMIT = process.env.SCALE_MEMORY_LIMIT ?? "2GB";
const THREADS = Number(process.env.SCALE_THREADS ?? 2);
/** SCALE_BASE=small: 1/100 of the size; SCALE_DIVISOR=N: 1/N (10 gives the 1x historical at 1/10). */
const DIVISOR = Number(process.env.SCALE_DIVISOR ?? (process.env.SCALE_BASE === "small" ? 100 : 1));
const END = new Date("2026-01-01T00:00:00Z");
const TARGETS = { historicalTimeRatio: 12, historicalRssOverLimit: 1.25, materializeRssRatio: 1.25 };

/** The sets: historical at 1x/10x (the large preset's shape), materialization at 1M/10M entities. */
const SETS: Record<string, PresetSize> = {
  "historical-1x": { vehicles: 100_000 / DIVISOR, days: 50, hours: 55, labels: 1_000_000 / DIVISOR },
  "historical-10x": { vehicles: 1_000_000 / DIVISOR, days: 50, hours: 55, labels: 10_000_000 / DIVISOR },
  "materialize-1x": { vehicles: 1_000_000 / DIVISOR, days: 5, hours: 6, labels: 1 },
  "materialize-10x": { vehicles: 10_000_000 / DIVISOR, days: 5, hours: 6, labels: 1 },
};

function vmHwmBytes(): number {
  const m = readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+) kB/);
  return Number(m?.[1] ?? 0) * 1024;
}

function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    try {
      n += f.isDirectory() ? folderBytes(join(dir, f.name)) : statSync(join(dir, f.name)).size;
    } catch {
      // A spill file removed while listing.
    }
  }
  return n;
}

const bytesOf = (size: string) => {
  const m = size.match(/^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B$/i);
  return Number(m?.[1]) * 1024 ** "BKMGT".indexOf((m?.[2] || "B").toUpperCase());
};

// ---- child processes: one case each, one JSON line ----

async function child(kind: string, dir: string): Promise<void> {
  const spill = join(dir, "spill");
  rmSync(spill, { recursive: true, force: true });
  let spillPeak = 0;
  const sampler = setInterval(() => {
    spillPeak = Math.max(spillPeak, folderBytes(spill));
  }, 500);
  const db = await openDuckDb({ memoryLimit: MEMORY_LIMIT, tempDirectory: spill, threads: THREADS });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let rows = 0;
  let entities = 0;
  if (kind === "historical") {
    const defs = vehicleDefinitions();
    const rowsOf = defs.featureViews.map((v) => ({
      kind: "feature_view",
      name: v.name,
      spec: JSON.stringify(v),
      created_ms: 0,
      updated_ms: 0,
    }));
    const sourceRows = defs.dataSources.map((s) => ({
      kind: "data_source",
      name: s.name,
      spec: JSON.stringify(s),
      created_ms: 0,
      updated_ms: 0,
    }));
    const query: HistoricalQuery = {
      snapshot: snapshotOfRows("bench", 1, [...rowsOf, ...sourceRows]),
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
    };
    const store = createOfflineStore({
      repoPath: dir,
      outputDir: join(dir, "out"),
      duckdb: Promise.resolve(db),
    });
    const r = await store.writeHistorical(query, "training.parquet");
    rows = r.rowCount;
  } else {
    const config = parseRepoConfig(
      {
        project: "bench",
        registry: "registry.db",
        online_store: { type: "sqlite", path: "online.db" },
        materialization: { schedule: null },
      },
      { repoPath: dir, configPath: join(dir, "feature_store.yaml"), env: {} },
    );
    rmSync(join(dir, "online.db"), { force: true });
    rmSync(join(dir, "registry.db"), { force: true });
    const registry = await openRegistry(config);
    await registry.apply(vehicleDefinitions());
    const onlineStore = createOnlineStore(config);
    for await (const ev of materialize(
      { config, registry, onlineStore, duckdb: async () => db },
      {
        start: new Date(END.getTime() - 7 * 86_400_000),
        end: END,
        incremental: false,
        progressIntervalMs: 0,
      },
    )) {
      if (ev.kind === "summary") {
        rows = ev.views.reduce((n, v) => n + v.rowsRead, 0);
        entities = Math.max(...ev.views.map((v) => v.entitiesWritten));
      }
    }
    await onlineStore.close();
    await registry.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  console.log(
    JSON.stringify({
      seconds,
      cpu: (cpu.user + cpu.system) / 1e6,
      rows,
      entities,
      rss: vmHwmBytes(),
      spillPeak,
    }),
  );
  db.closeSync();
}

// ---- parent: data, runs, table ----

interface Run {
  seconds: number;
  cpu: number;
  rows: number;
  entities: number;
  rss: number;
  spillPeak: number;
}

function runChild(kind: "historical" | "materialize", dir: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [join("bin", "run-ts.js"), "bench/scale.bench.ts", "--child", kind, dir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    p.stdout.on("data", (d) => {
      out += String(d);
    });
    p.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) reject(new Error(`${kind} child exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line) as Run);
    });
  });
}

async function dataFor(name: string): Promise<{ dir: string; featureRows: number; entityRows: number }> {
  const dir = join(ROOT, name);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const made = await generateExampleData({ repoPath: dir, dataDir: "data", end: END, size: SETS[name] });
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  const featureRows = made.rows.vehicleFeatures + made.rows.vehicleHourly;
  console.log(
    `  ${name}: ${featureRows.toLocaleString()} feature rows, ${made.vehicles.toLocaleString()} vehicles (${seconds} s)`,
  );
  return { dir, featureRows, entityRows: made.rows.vehicleLabels };
}

const mb = (b: number) => `${Math.round(b / 1024 ** 2)} MB`;

async function parent(): Promise<void> {
  console.log(
    `growth: DuckDB memory_limit ${MEMORY_LIMIT}, ${THREADS} threads, spilling under ${ROOT}${DIVISOR > 1 ? ` (1/${DIVISOR} of the size)` : ""}`,
  );
  const results: Record<string, Run & { featureRows: number; entityRows: number }> = {};
  for (const name of Object.keys(SETS)) {
    const data = await dataFor(name);
    const run = await runChild(name.startsWith("historical") ? "historical" : "materialize", data.dir);
    results[name] = { ...run, ...data };
    console.log(
      `  ${name}: ${run.seconds.toFixed(1)} s, ${run.cpu.toFixed(1)} CPU s, peak RSS ${mb(run.rss)}, spilled ${mb(run.spillPeak)}`,
    );
    // Each set is deleted once measured: the 10x sets need the disk.
    if (!process.env.SCALE_KEEP) rmSync(data.dir, { recursive: true, force: true });
  }
  const h1 = results["historical-1x"] as Run & { featureRows: number; entityRows: number };
  const h10 = results["historical-10x"] as typeof h1;
  const m1 = results["materialize-1x"] as typeof h1;
  const m10 = results["materialize-10x"] as typeof h1;
  const limit = bytesOf(MEMORY_LIMIT);
  const timeRatio = h10.seconds / h1.seconds;
  const cpuRatio = h10.cpu / h1.cpu;
  const rssOverLimit = h10.rss / limit;
  const matRssRatio = m10.rss / m1.rss;
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  console.log(
    [
      "",
      row(["case", "1x", "10x", "10x / 1x", "target"]),
      row(["---", "---", "---", "---", "---"]),
      row([
        "historical: entity rows / feature rows",
        `${h1.entityRows.toLocaleString()} / ${h1.featureRows.toLocaleString()}`,
        `${h10.entityRows.toLocaleString()} / ${h10.featureRows.toLocaleString()}`,
        (h10.featureRows / h1.featureRows).toFixed(1),
        "",
      ]),
      row([
        "historical: wall seconds",
        h1.seconds.toFixed(1),
        h10.seconds.toFixed(1),
        timeRatio.toFixed(2),
        `<= ${TARGETS.historicalTimeRatio}`,
      ]),
      row(["historical: CPU seconds", h1.cpu.toFixed(1), h10.cpu.toFixed(1), cpuRatio.toFixed(2), ""]),
      row([
        `historical: peak RSS (limit ${MEMORY_LIMIT})`,
        mb(h1.rss),
        mb(h10.rss),
        `${rssOverLimit.toFixed(2)} x limit`,
        `<= ${TARGETS.historicalRssOverLimit} x limit`,
      ]),
      row(["historical: peak spill", mb(h1.spillPeak), mb(h10.spillPeak), "", ""]),
      row([
        "materialize: entities / rows read",
        `${m1.entities.toLocaleString()} / ${m1.rows.toLocaleString()}`,
        `${m10.entities.toLocaleString()} / ${m10.rows.toLocaleString()}`,
        (m10.entities / m1.entities).toFixed(1),
        "",
      ]),
      row([
        "materialize: wall seconds",
        m1.seconds.toFixed(1),
        m10.seconds.toFixed(1),
        (m10.seconds / m1.seconds).toFixed(2),
        "",
      ]),
      row([
        "materialize: CPU seconds",
        m1.cpu.toFixed(1),
        m10.cpu.toFixed(1),
        (m10.cpu / m1.cpu).toFixed(2),
        "",
      ]),
      row([
        "materialize: peak RSS",
        mb(m1.rss),
        mb(m10.rss),
        matRssRatio.toFixed(2),
        `<= ${TARGETS.materializeRssRatio}`,
      ]),
    ].join("\n"),
  );
  const met = [
    timeRatio <= TARGETS.historicalTimeRatio,
    rssOverLimit <= TARGETS.historicalRssOverLimit,
    matRssRatio <= TARGETS.materializeRssRatio,
  ];
  console.log(`\ntargets met: ${met.filter(Boolean).length} of ${met.length}`);
  if (!process.env.SCALE_KEEP) rmSync(ROOT, { recursive: true, force: true });
}

const at = process.argv.indexOf("--child");
if (at >= 0) await child(process.argv[at + 1] ?? "", process.argv[at + 2] ?? "");
else await parent();

/**
 * Benchmark: the clients. One training set of 1,000,000 entity rows x 2
 * feature views (the historical benchmark's data and server: the
 * vehicle-rental large preset, 8 features) streamed from a real gRPC server
 * into memory by
 * - the Python client, into a pandas DataFrame (`get_historical_features`,
 *   Debian's /usr/bin/python3), and
 * - the TypeScript client, into typed columns (`streamHistoricalColumns`,
 *   every batch kept),
 * in the same run, each in its own process with a fresh server, so each peak
 * RSS (VmHWM) is its own. Prints rows/s, the Python/TypeScript ratio (target
 * >= 0.8) and the Python client's peak RSS against the DataFrame's own size
 * (`memory_usage(deep=True)`; target <= 2x).
 *
 *   npm run bench -- clients          (RUNS=3 by default; the fastest run of each client is kept)
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createFstoreClient } from "../clients/typescript/src/index.js";
import type { DecodedColumn } from "../clients/typescript/src/record-batch-decoder.js";
import { generateExampleData } from "../feature_repo/_generate_data.js";

const REPO = join(tmpdir(), "fstore-bench-historical");
const RUNS = Number(process.env.RUNS ?? 3);
const PYTHON = process.env.FSTORE_PYTHON ?? "/usr/bin/python3";
const TARGETS = { ratio: 0.8, rssOverDataFrame: 2 };
const FEATURE_REFS = [
  ...["technology", "num_images", "street_parked", "description", "actual_price", "recommended_price"].map(
    (f) => `vehicle_features:${f}`,
  ),
  ...["recent_reservations", "current_price"].map((f) => `vehicle_hourly_stats:${f}`),
];

interface Run {
  seconds: number;
  rows: number;
  rss: number;
  cpu: number;
  violations: number;
  /** Python: the DataFrame's own size. */
  df_bytes?: number;
  dtypes?: Record<string, string>;
}

function vmHwmBytes(): number {
  const m = readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+) kB/);
  return Number(m?.[1] ?? 0) * 1024;
}

/** The TypeScript client in this (child) process: every batch's typed columns kept in memory. */
async function tsChild(address: string): Promise<void> {
  const client = createFstoreClient({
    address,
    channelOptions: { "grpc.max_receive_message_length": 256 * 1024 * 1024 },
  });
  const kept: DecodedColumn[][] = [];
  let rows = 0;
  let violations = -1;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for await (const ev of client.streamHistoricalColumns(
    { features: FEATURE_REFS, entitySource: { source: "vehicle_labels" }, batchSize: 50_000 },
    { timeoutMs: 600_000 },
  )) {
    if (ev.kind === "batch") {
      rows += ev.numRows;
      kept.push(ev.columns);
    } else if (ev.kind === "summary") violations = ev.summary.leakageViolations;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  client.close();
  console.log(
    JSON.stringify({
      seconds,
      rows,
      violations,
      batches: kept.length,
      rss: vmHwmBytes(),
      cpu: (cpu.user + cpu.system) / 1e6,
    }),
  );
}

async function startServer(): Promise<{ proc: ChildProcess; address: string }> {
  // The historical benchmark's server: the same data and definitions, in-memory registry.
  const proc = spawn(
    process.execPath,
    [join("bin", "run-ts.js"), "bench/historical.bench.ts", "--child", "server"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/\{"address":"([^"]+)"\}/);
      if (m?.[1]) resolve(m[1]);
    });
    proc.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { proc, address };
}

async function runClient(kind: "python" | "ts"): Promise<Run> {
  const { proc, address } = await startServer();
  try {
    const [command, args] =
      kind === "python"
        ? [PYTHON, ["bench/clients/python_historical.py", address, ...FEATURE_REFS]]
        : [process.execPath, [join("bin", "run-ts.js"), "bench/clients.bench.ts", "--child", address]];
    const { stdout } = await promisify(execFile)(command, args, { maxBuffer: 1 << 20, timeout: 900_000 });
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Run;
  } finally {
    proc.kill("SIGTERM");
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(REPO, "data", "vehicle_labels.parquet"))) {
    console.log(`generating the large data set in ${REPO} ...`);
    const g = await generateExampleData({ repoPath: REPO, preset: "large", dataDir: "data" });
    console.log(`  ${JSON.stringify(g.rows)}`);
  }
  const py: Run[] = [];
  const ts: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    ts.push(await runClient("ts"));
    py.push(await runClient("python"));
  }
  const best = (xs: Run[]) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const p = best(py);
  const t = best(ts);
  const rps = (r: Run) => r.rows / r.seconds;
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MB`;
  const ratio = rps(p) / rps(t);
  const rssRatio = p.rss / (p.df_bytes ?? 1);
  console.log(`\n${p.rows.toLocaleString("en-US")} entity rows x 2 views (8 features), best of ${RUNS} runs`);
  console.log("| client | seconds | rows/s | client CPU s | peak client RSS | leakage |");
  console.log("|---|---|---|---|---|---|");
  for (const [name, r] of [
    ["TypeScript, typed columns kept in memory", t],
    ["Python, pandas DataFrame", p],
  ] as const) {
    console.log(
      `| ${name} | ${r.seconds.toFixed(2)} | ${Math.round(rps(r)).toLocaleString("en-US")} | ${r.cpu.toFixed(2)} | ${mb(r.rss)} | ${r.violations} |`,
    );
  }
  console.log(
    `\nPython / TypeScript rate: ${ratio.toFixed(2)}x (target >= ${TARGETS.ratio}x: ${ratio >= TARGETS.ratio ? "met" : "NOT met"})`,
  );
  console.log(
    `Python peak RSS ${mb(p.rss)} / DataFrame ${mb(p.df_bytes ?? 0)} = ${rssRatio.toFixed(2)}x (target <= ${TARGETS.rssOverDataFrame}x: ${rssRatio <= TARGETS.rssOverDataFrame ? "met" : "NOT met"})`,
  );
  console.log(`DataFrame dtypes: ${JSON.stringify(p.dtypes)}`);
  console.log(
    `runs (seconds): TypeScript ${ts.map((r) => r.seconds.toFixed(2)).join(", ")}; Python ${py.map((r) => r.seconds.toFixed(2)).join(", ")}`,
  );
}

const at = process.argv.indexOf("--child");
if (at >= 0) await tsChild(process.argv[at + 1] as string);
else await main();

/**
 * A quick look at materialization alone (no raw baselines): starts a
 * redis-server, then runs `run-materialize.ts` REPS times over the window of
 * HOURS hours of the bench data (flushing first, or, with "again", once
 * fresh and then REPS times over the keys it wrote; with "newer", each run
 * over the keys of the window one hour shorter, so every row updates a field),
 * printing each run's
 * wall time, client and redis-server CPU, time to the first batch and peak
 * RSS, then the median. Run it under the bench lock:
 *
 *   flock /tmp/fstore-bench.lock node bin/run-ts.js bench/materialize/probe.ts [HOURS] [REPS] [again|newer]
 *
 * PROBE_NODE_ARGS: node flags for each run's process (e.g. "--cpu-prof --cpu-prof-dir=DIR").
 * PROBE_BATCH: rows per online write (materialize's batchSize; default 8,192).
 * PROBE_STORE=sqlite materializes into a new SQLite file each run instead.
 * PROBE_STAGE=read|encode: each run stops short of Redis (see run-materialize.ts):
 * DuckDB's rows only, or rows and encoding.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startRedis } from "../../test/support/redis.js";
import { ensureBenchData } from "./shared.js";

const ROOT = join(import.meta.dirname, "..", "..");
const [hoursArg = "10", repsArg = "3", againArg] = process.argv.slice(2);
const ENTITIES = Number(process.env.MATERIALIZE_BENCH_ENTITIES ?? 1_000_000);
const dataDir = join(
  ROOT,
  "bench",
  "out",
  "materialize",
  ENTITIES === 1_000_000 ? "data" : `data-${ENTITIES}`,
);
await ensureBenchData(dataDir, ENTITIES, 10);

function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}

const redis = await startRedis();
const pid = redis.pid as number;
const [host, port] = redis.connectionString.split(":") as [string, string];
const admin = new Redis({ host, port: Number(port) });
interface Run {
  seconds: number;
  firstBatchSeconds: number;
  /** PROBE_STAGE=read: seconds of the statistics query. */
  statsSeconds?: number;
  cpuSeconds: number;
  entities: number;
  rowsRead: number;
  peakRssMb: number;
  redisCpuSeconds: number;
  /** CPU seconds every other process of the machine used meanwhile (noise). */
  otherCpuSeconds: number;
  /** CPU seconds stolen by the hypervisor meanwhile (both cores). */
  stealSeconds: number;
}
/** CPU seconds (user + nice + system + irq + softirq) of the whole machine so far, from /proc/stat. */
function machineCpu(): number {
  const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).map(Number);
  return ((f[1] ?? 0) + (f[2] ?? 0) + (f[3] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / 100;
}
/** CPU seconds the hypervisor gave to others while this machine wanted them (steal), from /proc/stat. */
function stealCpu(): number {
  const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).map(Number);
  return (f[8] ?? 0) / 100;
}
/** PROBE_TIMELINE=1: prints client, redis and other CPU per 250 ms of each run. */
const TIMELINE = process.env.PROBE_TIMELINE === "1";
const run = async (hours = hoursArg): Promise<Run> => {
  const r0 = cpuOf(pid);
  const m0 = machineCpu();
  const s0 = stealCpu();
  const child = spawn(
    process.execPath,
    [
      ...(process.env.PROBE_NODE_ARGS ?? "").split(" ").filter(Boolean),
      join(ROOT, "bin/run-ts.js"),
      join(ROOT, "bench/materialize/run-materialize.ts"),
      dataDir,
      process.env.PROBE_STORE === "sqlite" ? "sqlite" : redis.connectionString,
      hours,
      ...(process.env.PROBE_BATCH ? [process.env.PROBE_BATCH] : []),
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const samples: string[] = [];
  let last = { c: 0, r: cpuOf(pid), m: machineCpu() };
  const timer = TIMELINE
    ? setInterval(() => {
        let c = 0;
        try {
          c = cpuOf(child.pid as number);
        } catch {
          return;
        }
        const now = { c, r: cpuOf(pid), m: machineCpu() };
        const dc = now.c - last.c;
        const dr = now.r - last.r;
        samples.push(
          `${(dc * 4).toFixed(1)}/${(dr * 4).toFixed(1)}/${((now.m - last.m - dc - dr) * 4).toFixed(1)}`,
        );
        last = now;
      }, 250)
    : undefined;
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(timer);
  if (TIMELINE) console.log(`cores used per 250 ms (client/redis/other): ${samples.join(" ")}`);
  if (status !== 0) throw new Error(stderr);
  const r = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Run;
  const redisCpuSeconds = cpuOf(pid) - r0;
  // The child's CPU covers only its measured section; the rest (startup, DuckDB open) counts as other.
  return {
    ...r,
    redisCpuSeconds,
    otherCpuSeconds: machineCpu() - m0 - redisCpuSeconds - r.cpuSeconds,
    stealSeconds: stealCpu() - s0,
  };
};
// PROBE_PERF_OUT=FILE: `perf record` of redis-server over the runs (perf must be installed).
const perf = process.env.PROBE_PERF_OUT
  ? spawn("perf", ["record", "-F", "999", "-g", "-p", String(pid), "-o", process.env.PROBE_PERF_OUT], {
      stdio: "ignore",
    })
  : undefined;
const seconds: number[] = [];
try {
  await admin.flushall();
  if (againArg === "again") await run();
  for (let i = 0; i < Number(repsArg); i++) {
    if (againArg !== "again") await admin.flushall();
    // "newer": the window one hour shorter first (not timed), so every key exists and every row is newer.
    if (againArg === "newer") await run(String(Number(hoursArg) - 1));
    const r = await run();
    seconds.push(r.seconds);
    console.log(
      [
        `wall ${r.seconds.toFixed(2)} s`,
        `first batch ${r.firstBatchSeconds.toFixed(2)} s`,
        ...(r.statsSeconds === undefined ? [] : [`stats ${r.statsSeconds.toFixed(2)} s`]),
        `cpu ${r.cpuSeconds.toFixed(1)} + redis ${r.redisCpuSeconds.toFixed(1)} (other ${r.otherCpuSeconds.toFixed(1)}, steal ${r.stealSeconds.toFixed(1)})`,
        `entities ${r.entities}`,
        `rows ${r.rowsRead}`,
        `rss ${r.peakRssMb.toFixed(0)} MB`,
        `${Math.round(r.entities / r.seconds)} entities/s`,
      ].join("  "),
    );
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  console.log(
    `median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(2)} s of ${sorted.map((s) => s.toFixed(2)).join(", ")}`,
  );
} finally {
  if (perf) {
    perf.kill("SIGINT");
    await new Promise((r) => perf.on("close", r));
  }
  admin.disconnect();
  await redis.close();
}

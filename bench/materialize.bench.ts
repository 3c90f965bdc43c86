/**
 * Materialization benchmark: 1,000,000 entities from 10,000,000 rows into a
 * redis-server this benchmark starts, beside raw pipelined HSET of the same
 * bytes, with each process's peak RSS; and a 2,000,000-row window of the same
 * entities, to show that memory does not grow with the window; and the
 * 10,000,000-row window again over the keys it wrote (the update path: every
 * row's field exists, so each goes through the compare-and-set script), and
 * over the keys of the window one hour shorter (every row newer, so the
 * script also writes every row).
 *
 *   flock /tmp/fstore-bench.lock npm run bench -- materialize
 *   MATERIALIZE_BENCH_ENTITIES=100000 ... (a smaller data set for a quick look)
 *
 * Data (DuckDB SQL, cached in bench/out/materialize/): one Parquet file per
 * hour, each holding every entity once. Every step runs in its own process.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startRedis } from "../test/support/redis.js";
import { ensureBenchData } from "./materialize/shared.js";

const ROOT = join(import.meta.dirname, "..");
const ENTITIES = Number(process.env.MATERIALIZE_BENCH_ENTITIES ?? 1_000_000);
const HOURS = 10;
const dataDir = join(
  ROOT,
  "bench",
  "out",
  "materialize",
  ENTITIES === 1_000_000 ? "data" : `data-${ENTITIES}`,
);

interface Result {
  seconds: number;
  /** CPU time of the measured section in the child process. */
  cpuSeconds: number;
  /** CPU time redis-server spent meanwhile. */
  redisCpuSeconds?: number;
  entities: number;
  rowsRead?: number;
  peakRssMb: number;
  /** CPU the whole machine spent during the measured section (all cores), and steal. */
  machineCpuSeconds: number;
  stealSeconds: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

let redisPid = 0;

function child(script: string, args: string[]): Result {
  const redisCpu0 = processCpuSeconds(redisPid);
  const res = spawnSync(
    process.execPath,
    [join(ROOT, "bin/run-ts.js"), join(ROOT, "bench/materialize", script), ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (res.status !== 0) throw new Error(`${script} failed: ${res.stderr}`);
  const line = res.stdout.trim().split("\n").at(-1) ?? "";
  // The raw child's redis CPU also covers nothing but its HSETs: it computes its bytes first, without Redis.
  return { ...(JSON.parse(line) as Result), redisCpuSeconds: processCpuSeconds(redisPid) - redisCpu0 };
}

console.log(`data: ${ENTITIES.toLocaleString("en-US")} entities x ${HOURS} hours in ${dataDir}`);
const t = performance.now();
await ensureBenchData(dataDir, ENTITIES, HOURS);
console.log(`data ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const redis = await startRedis();
redisPid = redis.pid as number;
const [host, port] = redis.connectionString.split(":") as [string, string];
const admin = new Redis({ host, port: Number(port) });
const flush = async () => {
  await admin.flushall();
};
const rows: string[][] = [];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
try {
  await flush();
  const cpuOf = (r: Result) => r.cpuSeconds + (r.redisCpuSeconds ?? 0);
  // What other processes of the machine took during the measured section (noise on 2 shared cores).
  const noise = (r: Result) =>
    `${Math.max(0, r.machineCpuSeconds - cpuOf(r)).toFixed(1)} (${r.stealSeconds.toFixed(1)})`;
  const baselines: [string, Result][] = [];
  for (const [label, mode] of [
    ["raw HSET, ioredis pipelines (same bytes)", "ioredis"],
    ["raw HSET, RESP on a socket (same bytes)", "resp"],
  ] as const) {
    await flush();
    baselines.push([label, child("raw-hset.ts", [dataDir, redis.connectionString, String(HOURS), mode])]);
  }
  // Ratios are against the faster baseline.
  const [, raw] = baselines.reduce((a, b) =>
    b[1].entities / b[1].seconds > a[1].entities / a[1].seconds ? b : a,
  );
  const rawRate = raw.entities / raw.seconds;
  const rawCpuRate = raw.entities / cpuOf(raw);
  for (const [label, r] of baselines) {
    rows.push([
      label,
      fmt(r.entities),
      "-",
      r.seconds.toFixed(2),
      fmt(r.entities / r.seconds),
      (r.entities / r.seconds / rawRate).toFixed(2),
      `${r.cpuSeconds.toFixed(1)} + ${(r.redisCpuSeconds ?? 0).toFixed(1)}`,
      fmt(r.entities / cpuOf(r)),
      (r.entities / cpuOf(r) / rawCpuRate).toFixed(2),
      noise(r),
      "-",
    ]);
  }
  // The last run writes the same window again over the keys the one before wrote: every row
  // then takes the update path (HSETNX finds the field, the compare-and-set script decides).
  // The last run ("newer") writes the window over the keys of the window one hour shorter
  // (written first, untimed): every field exists and every row is newer, so each is written by the script.
  for (const [hours, again] of [
    [2, "fresh"],
    [HOURS, "fresh"],
    [HOURS, "again"],
    [HOURS, "newer"],
  ] as const) {
    if (again !== "again") await flush();
    if (again === "newer") child("run-materialize.ts", [dataDir, redis.connectionString, String(hours - 1)]);
    const m = child("run-materialize.ts", [dataDir, redis.connectionString, String(hours)]);
    const rate = m.entities / m.seconds;
    rows.push([
      again === "again"
        ? `re-materialize the ${fmt(m.rowsRead ?? 0)}-row window over existing keys`
        : again === "newer"
          ? `materialize it over the ${hours - 1}-hour window's keys (every row newer)`
          : `materialize ${fmt(m.rowsRead ?? 0)}-row window`,
      fmt(m.entities),
      fmt(m.rowsRead ?? 0),
      m.seconds.toFixed(2),
      fmt(rate),
      (rate / rawRate).toFixed(2),
      `${m.cpuSeconds.toFixed(1)} + ${(m.redisCpuSeconds ?? 0).toFixed(1)}`,
      fmt(m.entities / cpuOf(m)),
      (m.entities / cpuOf(m) / rawCpuRate).toFixed(2),
      noise(m),
      m.peakRssMb.toFixed(0),
    ]);
  }
} finally {
  admin.disconnect();
  await redis.close();
}

const header = [
  "run",
  "entities",
  "rows read",
  "wall s",
  "entities/s",
  "x raw",
  "CPU s (client + redis)",
  "entities/CPU-s",
  "x raw (CPU)",
  "other CPU s (steal)",
  "peak RSS MB",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log(
  "targets: materialize >= 0.5x raw HSET and >= 200,000 entities/s; peak RSS flat from the 2M- to the 10M-row window",
);
console.log(
  "other CPU s: what other processes of the machine used during the run (2 shared cores: a run beside a busy one is slower); steal: time the hypervisor took",
);

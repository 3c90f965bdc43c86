/**
 * Materialization benchmark: 1,000,000 entities from 10,000,000 rows into a
 * redis-server this benchmark starts, beside raw pipelined HSET of the same
 * bytes, with each process's peak RSS; and a 2,000,000-row window of the same
 * entities, to show that memory does not grow with the window.
 *
 *   flock /tmp/fstore-bench.lock npm run bench -- materialize
 *   MATERIALIZE_BENCH_ENTITIES=100000 ... (a smaller data set for a quick look)
 *
 * Data (DuckDB SQL, cached in bench/out/materialize/): one Parquet file per
 * hour, each holding every entity once. Every step runs in its own process.
 */
import { spawnSync } from "node:child_process";
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
  entities: number;
  rowsRead?: number;
  peakRssMb: number;
}

function child(script: string, args: string[]): Result {
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
  return JSON.parse(line) as Result;
}

console.log(`data: ${ENTITIES.toLocaleString("en-US")} entities x ${HOURS} hours in ${dataDir}`);
const t = performance.now();
await ensureBenchData(dataDir, ENTITIES, HOURS);
console.log(`data ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const redis = await startRedis();
const [host, port] = redis.connectionString.split(":") as [string, string];
const admin = new Redis({ host, port: Number(port) });
const flush = async () => {
  await admin.flushall();
};
const rows: string[][] = [];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
try {
  await flush();
  const raw = child("raw-hset.ts", [dataDir, redis.connectionString, String(HOURS)]);
  const rawRate = raw.entities / raw.seconds;
  rows.push([
    "raw pipelined HSET (same bytes)",
    fmt(raw.entities),
    "-",
    raw.seconds.toFixed(2),
    fmt(rawRate),
    "1.00",
    "-",
  ]);
  for (const hours of [2, HOURS]) {
    await flush();
    const m = child("run-materialize.ts", [dataDir, redis.connectionString, String(hours)]);
    const rate = m.entities / m.seconds;
    rows.push([
      `materialize ${fmt(m.rowsRead ?? 0)}-row window`,
      fmt(m.entities),
      fmt(m.rowsRead ?? 0),
      m.seconds.toFixed(2),
      fmt(rate),
      (rate / rawRate).toFixed(2),
      m.peakRssMb.toFixed(0),
    ]);
  }
} finally {
  admin.disconnect();
  await redis.close();
}

const header = ["run", "entities", "rows read", "seconds", "entities/s", "x raw HSET", "peak RSS MB"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log(
  "targets: materialize >= 0.5x raw HSET and >= 200,000 entities/s; peak RSS flat from the 2M- to the 10M-row window",
);

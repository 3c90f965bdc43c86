/**
 * One materialization in its own process (so its peak RSS is its own):
 *   run-materialize.ts DATA_DIR REDIS_ADDR HOURS [BATCH]
 * materializes [T0, T0 + HOURS h) of the bench data into Redis and prints a
 * JSON line with seconds, rows read, entities written and peak RSS.
 * REDIS_ADDR "sqlite": into a SQLite online store (a file in a temporary repo) instead.
 * PROBE_STAGE=encode: the same run into a store that drops every batch
 * (DuckDB and encoding only); PROBE_STAGE=read: DuckDB's latest-row query
 * alone, its chunks fetched and dropped. BENCH_DUCKDB_THREADS (default 2) and
 * BENCH_DUCKDB_MEMORY (default 1GB) set DuckDB's threads and memory limit.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRepoConfig } from "../../src/config/index.js";
import { connectUtc, materialize } from "../../src/materialize/index.js";
import { latestRowsQuery } from "../../src/materialize/latest-rows-reader.js";
import { openDuckDb } from "../../src/offline/index.js";
import { createOnlineStore } from "../../src/online/index.js";
import type { OnlineStore } from "../../src/online/online-store.js";
import { openRegistry } from "../../src/registry/index.js";
import { benchView, HOUR, machineCpu, peakRssMb, T0 } from "./shared.js";

const [dataDir, redisAddr, hoursArg, batchArg] = process.argv.slice(2);
const hours = Number(hoursArg);
const repo = mkdtempSync(join(tmpdir(), "fstore-bench-mat-"));
const config = parseRepoConfig(
  {
    project: "bench",
    provider: "local",
    registry: "registry.db",
    online_store:
      redisAddr === "sqlite"
        ? { type: "sqlite", path: "online.db" }
        : { type: "redis", connection_string: redisAddr },
    materialization: { schedule: null },
  },
  { repoPath: repo, configPath: join(repo, "feature_store.yaml"), env: {} },
);
const view = benchView(dataDir as string);
const registry = await openRegistry(config);
await registry.apply({
  entities: [
    {
      name: "driver",
      joinKeys: ["driver_id"],
      valueType: view.entityColumns[0]?.dtype as never,
      description: "",
      tags: {},
      owner: "",
    },
  ],
  dataSources: [view.source],
  featureViews: [view],
  featureServices: [],
  onDemandFeatureViews: [],
});
const stage = process.env.PROBE_STAGE ?? "";
const realStore = createOnlineStore(config);
// Only the write materialization calls, bound to the real store (or dropping every batch).
const store = {
  write:
    stage === "encode"
      ? async (_v, b) => ({ written: b.count, skippedStale: 0 })
      : realStore.write.bind(realStore),
} as Pick<OnlineStore, "write"> as OnlineStore;
const db = await openDuckDb({
  threads: Number(process.env.BENCH_DUCKDB_THREADS ?? 2),
  memoryLimit: process.env.BENCH_DUCKDB_MEMORY ?? "1GB",
});
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const machine0 = machineCpu();
let result = { rowsRead: 0, entitiesWritten: 0 };
let firstBatch = 0;
let statsSeconds = 0;
if (stage === "read") {
  const conn = await connectUtc(db);
  const files = readdirSync(dataDir as string)
    .filter((f) => f.endsWith(".parquet"))
    .sort()
    .map((f) => join(dataDir as string, f));
  const o = { files, start: new Date(T0), end: new Date(T0 + hours * HOUR - 1), batchSize: 8192 };
  const sql = (await latestRowsQuery(conn, view, o)) as string;
  statsSeconds = (performance.now() - t0) / 1000;
  const stream = await conn.stream(sql);
  for (;;) {
    const chunk = await stream.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    if (firstBatch === 0) firstBatch = performance.now() - t0;
    result.entitiesWritten += chunk.rowCount;
  }
  conn.closeSync();
} else {
  for await (const ev of materialize(
    { config, registry, onlineStore: store, duckdb: async () => db },
    {
      start: new Date(T0),
      end: new Date(T0 + hours * HOUR - 1),
      incremental: false,
      ...(batchArg ? { batchSize: Number(batchArg) } : {}),
      progressIntervalMs: 0,
    },
  )) {
    if (ev.kind === "summary") result = ev.views[0] ?? result;
    if (ev.kind === "progress" && ev.progress.rowsRead > 0 && firstBatch === 0)
      firstBatch = performance.now() - t0;
  }
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const machine = machineCpu();
console.log(
  JSON.stringify({
    seconds,
    firstBatchSeconds: firstBatch / 1000,
    ...(stage === "read" ? { statsSeconds } : {}),
    cpuSeconds,
    machineCpuSeconds: machine.busy - machine0.busy,
    stealSeconds: machine.steal - machine0.steal,
    rowsRead: result.rowsRead,
    entities: result.entitiesWritten,
    peakRssMb: peakRssMb(),
  }),
);
db.closeSync();
await realStore.close();
await registry.close();
rmSync(repo, { recursive: true, force: true });

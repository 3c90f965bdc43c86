/**
 * Streaming benchmark, online part (`onlineStreamBench`, run by
 * bench/streaming.bench.ts), against a redis-server this benchmark
 * starts (Redis Streams source, Redis online store, packed layout):
 *   1. Ingestion: N events already in a Redis stream, consumed by fstore's
 *      consumer (validation, tile read, apply, tile write, raw Parquet,
 *      acknowledgement) vs a raw consumer that reads the same events (its own
 *      group) and writes the same tiles (state kept in memory, no validation,
 *      no Parquet). Events/s by wall time and by this process's CPU time
 *      (redis-server's CPU reported beside). Target: fstore >= 0.5 x raw.
 *   2. Freshness: a producer appends 5,000 events/s; every 50th goes to a
 *      fresh entity, and a prober asks GetOnlineFeatures (in-process server,
 *      TypeScript client) for the pending ones every 2 ms: lag from append to
 *      first seen, p50/p99.
 *   3. GetOnlineFeatures 1 entity x 12 aggregates (3 windows x 4 functions,
 *      tiles full over 7 days) vs 1 x 50 packed features, same server,
 *      alternating rounds: p50/p99. Target: p99 <= 1.5 x packed.
 *
 * STREAM_BENCH_EVENTS (default 200,000), STREAM_BENCH_ENTITIES (10,000),
 * STREAM_BENCH_FRESHNESS_SECONDS (10), STREAM_BENCH_REQUESTS (3,000 per shape).
 */
import { join } from "node:path";
import { Redis } from "ioredis";
import { createFstoreClient } from "../../clients/typescript/src/index.js";
import { loadRepoConfig } from "../../src/config/index.js";
import {
  createDeadLetterSink,
  createRawEventWriter,
  createTileApplier,
  runStreamConsumer,
} from "../../src/ingest/index.js";
import { openRedisStreamReader } from "../../src/ingest/redis-stream-reader.js";
import { openDuckDb } from "../../src/offline/index.js";
import { createOnlineStore, type OnlineStore, writeOnlineRows } from "../../src/online/index.js";
import { applyRepo, openRegistry } from "../../src/registry/index.js";
import { type FeatureViewDef, isStreamView } from "../../src/registry/model.js";
import { startServer } from "../../src/server/index.js";
import { createLogger } from "../../src/server/logger.js";
import {
  applyEvent,
  type EntityTiles,
  emptyEntityTiles,
  tileLayoutOf,
  writeEntityTiles,
} from "../../src/streaming/index.js";
import { type StartedRedis, startRedis } from "../../test/support/redis.js";
import { createTempRepo, type TempRepo } from "../../test/support/temp-repo.js";

const EVENTS = Number(process.env.STREAM_BENCH_EVENTS ?? 200_000);
const ENTITIES = Number(process.env.STREAM_BENCH_ENTITIES ?? 10_000);
const FRESHNESS_SECONDS = Number(process.env.STREAM_BENCH_FRESHNESS_SECONDS ?? 10);
const REQUESTS = Number(process.env.STREAM_BENCH_REQUESTS ?? 3_000);
const DAY_US = 86_400e6;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** CPU seconds redis-server has used (INFO cpu). */
function redisCpuSeconds(redis: StartedRedis): number {
  const info = redis.cli("INFO", "cpu");
  const field = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field("used_cpu_sys") + field("used_cpu_user");
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

function benchDefinitions(redisUrl: string): string {
  const aggs = ["1h", "24h", "7d"]
    .flatMap((w) =>
      ["count", "sum", "mean", "max"].map(
        (f) => `new Aggregation({ column: "amount", function: "${f}", window: "${w}" })`,
      ),
    )
    .join(",\n    ");
  const packed = Array.from({ length: 50 }, (_, i) => `new Field({ name: "f${i}", dtype: Float64 })`).join(
    ", ",
  );
  return `import { Aggregation, Entity, FeatureView, Field, FileSource, Float64, Int64, PushSource, StreamFeatureView, StreamSource, UnixTimestamp } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
export const tx = new StreamSource({ name: "tx", stream: { kind: "redis", connection: "${redisUrl}", stream: "bench_tx" },
  schema: [new Field({ name: "user_id", dtype: Int64 }), new Field({ name: "amount", dtype: Float64 }), new Field({ name: "ts", dtype: UnixTimestamp })],
  timestampField: "ts", batchSource: new FileSource({ name: "tx_raw", path: "data/tx_raw", timestampField: "ts" }) });
export const spend = new StreamFeatureView({ name: "spend", entities: [user], source: tx, aggregations: [
    ${aggs}] });
export const packedPush = new PushSource({ name: "packed_push", batchSource: new FileSource({ name: "packed_raw", path: "data/packed_raw", timestampField: "ts" }) });
export const packed = new FeatureView({ name: "packed", entities: [user], source: packedPush, schema: [${packed}] });
`;
}

function config(redis: StartedRedis): string {
  return `project: stream_bench
provider: local
registry:
  path: data/registry.db
  cache_ttl_seconds: 0
online_store:
  type: redis
  connection_string: "${redis.connectionString}"
materialization:
  schedule: "off"
streaming:
  ingest_in_serve: false
`;
}

/** Appends `n` events for `entities` users, times spread over the last `spanUs`. */
async function fillStream(
  redis: Redis,
  stream: string,
  n: number,
  entities: number,
  spanUs: number,
  endUs: number,
) {
  for (let i = 0; i < n; i += 5_000) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(n, i + 5_000); j++) {
      const ts = endUs - spanUs + Math.floor((j / n) * spanUs);
      p.xadd(
        stream,
        "*",
        "user_id",
        String(j % entities),
        "amount",
        String((j % 97) / 4),
        "ts",
        String(ts / 1000),
      );
    }
    await p.exec();
  }
}

async function measureIngestion(repo: TempRepo, redis: StartedRedis, view: FeatureViewDef) {
  const cfg = loadRepoConfig(repo.path);
  const client = new Redis({ port: redis.port, host: "127.0.0.1" });
  const endUs = Date.now() * 1000;
  await fillStream(client, "bench_tx", EVENTS, ENTITIES, DAY_US, endUs);
  const source = view.source as Extract<FeatureViewDef["source"], { kind: "stream" }>;
  const rows: { name: string; seconds: number; cpu: number; redisCpu: number }[] = [];

  // fstore's consumer.
  {
    const store = createOnlineStore(cfg);
    const db = await openDuckDb();
    const reader = await openRedisStreamReader({
      connection: redis.connectionString,
      stream: "bench_tx",
      group: "fstore_bench",
    });
    const r0 = redisCpuSeconds(redis);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const consumer = runStreamConsumer({
      source,
      reader,
      applier: createTileApplier(source, [view], () => store),
      raw: createRawEventWriter({ db: async () => db, repoPath: repo.path, source }),
      deadLetters: createDeadLetterSink(join(repo.path, "dead"), source.name),
      config: cfg.streaming,
    });
    while (consumer.stats.acknowledged < EVENTS) await new Promise((r) => setTimeout(r, 5));
    if (consumer.stats.deadLetters > 0)
      throw new Error(`${consumer.stats.deadLetters} bench events were dead-lettered`);
    rows.push({
      name: "fstore consumer",
      seconds: (performance.now() - t0) / 1000,
      cpu: cpuSeconds(c0),
      redisCpu: redisCpuSeconds(redis) - r0,
    });
    await consumer.stop();
    await reader.close();
    await store.close();
    db.closeSync();
  }

  // The raw floor: same events (own group), same tiles, state in memory, no validation or Parquet.
  {
    const store: OnlineStore = createOnlineStore(cfg);
    const layout = tileLayoutOf(view);
    const states = new Map<number, EntityTiles>();
    await client.xgroup("CREATE", "bench_tx", "raw_bench", "0");
    const r0 = redisCpuSeconds(redis);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let done = 0;
    const values = new Float64Array(1);
    while (done < EVENTS) {
      const reply = (await client.xreadgroup(
        "GROUP",
        "raw_bench",
        "raw",
        "COUNT",
        1000,
        "STREAMS",
        "bench_tx",
        ">",
      )) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      const touched = new Map<number, EntityTiles>();
      for (const [id, f] of entries) {
        const user = Number(f[1]);
        values[0] = Number(f[3]);
        let s = states.get(user);
        if (!s) {
          s = emptyEntityTiles(layout);
          states.set(user, s);
        }
        applyEvent(layout, s, {
          eventTimeUs: Number(f[5]) * 1000,
          createdUs: Number(id.slice(0, id.indexOf("-"))) * 1000,
          values,
        });
        touched.set(user, s);
      }
      await writeEntityTiles(
        store,
        view,
        [...touched].map(([u, tiles]) => ({ entityKey: [BigInt(u)], tiles })),
      );
      if (entries.length > 0) await client.xack("bench_tx", "raw_bench", ...entries.map(([id]) => id));
      done += entries.length;
    }
    rows.push({
      name: "raw consumer (floor)",
      seconds: (performance.now() - t0) / 1000,
      cpu: cpuSeconds(c0),
      redisCpu: redisCpuSeconds(redis) - r0,
    });
    await store.close();
  }
  client.disconnect();
  const [ours, raw] = rows as [(typeof rows)[0], (typeof rows)[0]];
  console.log(
    `\nIngestion: ${EVENTS.toLocaleString()} events over ${ENTITIES.toLocaleString()} entities, Redis stream -> tiles (12 aggregates)`,
  );
  console.log("| consumer | wall s | events/s | CPU s (this process) | events/CPU s | redis-server CPU s |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.seconds.toFixed(2)} | ${Math.round(EVENTS / r.seconds).toLocaleString()} | ${r.cpu.toFixed(2)} | ${Math.round(EVENTS / r.cpu).toLocaleString()} | ${r.redisCpu.toFixed(2)} |`,
    );
  }
  console.log(
    `fstore / raw: ${(raw.seconds / ours.seconds).toFixed(2)}x by wall time, ${((raw.cpu + raw.redisCpu) / (ours.cpu + ours.redisCpu)).toFixed(2)}x by CPU (process + redis) (target >= 0.5x)`,
  );
}

async function measureServing(repo: TempRepo, redis: StartedRedis) {
  const cfg = loadRepoConfig(repo.path);
  const registry = await openRegistry(cfg);
  const snapshot = registry.snapshot();
  const spend = snapshot.featureViews.get("spend") as FeatureViewDef;
  const packed = snapshot.featureViews.get("packed") as FeatureViewDef;
  const server = await startServer({
    config: cfg,
    registry,
    logger: createLogger({ level: "silent" }),
    host: "127.0.0.1",
    port: 0,
  });
  const client = createFstoreClient({ address: server.address });
  try {
    // Full tiles: 200 users with an event every ~40 minutes over 7 days (each series holds all its tiles).
    const store = createOnlineStore(cfg);
    const layout = tileLayoutOf(spend);
    const nowUs = Date.now() * 1000;
    const entries = [];
    for (let u = 0; u < 200; u++) {
      const tiles = emptyEntityTiles(layout);
      for (let k = 0; k < 7 * 36; k++) {
        applyEvent(layout, tiles, {
          eventTimeUs: nowUs - 7 * DAY_US + k * 2_400e6 + u,
          createdUs: 1,
          values: [k % 13],
        });
      }
      entries.push({ entityKey: [BigInt(u)], tiles });
    }
    await writeEntityTiles(store, spend, entries);
    await writeOnlineRows(
      store,
      packed,
      Array.from({ length: 200 }, (_, u) => ({
        entityKey: [BigInt(u)],
        eventTimeUs: nowUs,
        values: packed.features.map((_, i) => i + u / 4),
      })),
    );
    await store.close();

    // Freshness at a steady 5,000 events/s, fed through the server's own consumer (its group starts at the end).
    await server.shutdown();
    const admin = new Redis({ port: redis.port, host: "127.0.0.1" });
    await admin.xgroup("CREATE", "bench_tx", "fstore", "$");
    admin.disconnect();
    const freshCfg = { ...cfg, streaming: { ...cfg.streaming, ingestInServe: true, flushIntervalMs: 1000 } };
    const live = await startServer({
      config: freshCfg,
      registry,
      logger: createLogger({ level: "silent" }),
      host: "127.0.0.1",
      port: 0,
    });
    const liveClient = createFstoreClient({ address: live.address });
    const producer = new Redis({ port: redis.port, host: "127.0.0.1" });
    const lags: number[] = [];
    try {
      const pending = new Map<number, number>(); // entity -> append time (ms)
      let nextProbe = 1_000_000;
      let produced = 0;
      const start = performance.now();
      let stop = false;
      const prober = (async () => {
        while (!stop || pending.size > 0) {
          const ids = [...pending.keys()];
          if (ids.length > 0) {
            const r = await liveClient.getOnlineFeatures({
              features: ["spend:amount_count_1h"],
              entities: { user_id: ids.map((i) => BigInt(i)) },
            });
            const now = performance.now();
            const col = r.columns.find((c) => c.name === "amount_count_1h");
            ids.forEach((id, i) => {
              if (Number(col?.values[i] ?? 0) > 0) {
                lags.push(now - (pending.get(id) as number));
                pending.delete(id);
              }
            });
          }
          await new Promise((r) => setTimeout(r, 10));
          if (stop && performance.now() - start > (FRESHNESS_SECONDS + 10) * 1000) break;
        }
      })();
      // 50 events every 10 ms; one in 50 goes to a fresh entity (a probe).
      while (performance.now() - start < FRESHNESS_SECONDS * 1000) {
        const due = Math.floor(((performance.now() - start) / 1000) * 5000);
        if (produced < due) {
          const p = producer.pipeline();
          const n = Math.min(due - produced, 500);
          const probes: number[] = [];
          for (let i = 0; i < n; i++) {
            const probe = (produced + i) % 50 === 0;
            const user = probe ? nextProbe++ : (produced + i) % ENTITIES;
            if (probe) probes.push(user);
            p.xadd("bench_tx", "*", "user_id", String(user), "amount", "1", "ts", String(Date.now()));
          }
          const sent = performance.now();
          await p.exec();
          for (const u of probes) pending.set(u, sent);
          produced += n;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      stop = true;
      await prober;
      const elapsed = (performance.now() - start) / 1000;
      lags.sort((a, b) => a - b);
      console.log(
        `\nFreshness: ${produced.toLocaleString()} events in ${elapsed.toFixed(1)} s (${Math.round(produced / FRESHNESS_SECONDS).toLocaleString()}/s target 5,000), ${lags.length} probes`,
      );
      console.log("| lag from append to GetOnlineFeatures | p50 ms | p99 ms | max ms |");
      console.log("|---|---:|---:|---:|");
      console.log(
        `| steady 5,000 events/s | ${percentile(lags, 50).toFixed(1)} | ${percentile(lags, 99).toFixed(1)} | ${(lags[lags.length - 1] ?? Number.NaN).toFixed(1)} |`,
      );
    } finally {
      producer.disconnect();
      liveClient.close();
      await live.shutdown();
    }

    // 1 x 12 aggregates vs 1 x 50 packed, alternating rounds.
    const servingServer = await startServer({
      config: cfg,
      registry,
      logger: createLogger({ level: "silent" }),
      host: "127.0.0.1",
      port: 0,
    });
    const c = createFstoreClient({ address: servingServer.address });
    try {
      const aggFeatures = spend.features.map((f) => `spend:${f.name}`);
      const packedFeatures = packed.features.map((f) => `packed:${f.name}`);
      const times: Record<string, number[]> = { agg: [], packed: [] };
      for (let w = 0; w < 200; w++) {
        await c.getOnlineFeatures({ features: aggFeatures, entities: { user_id: [BigInt(w % 200)] } });
        await c.getOnlineFeatures({ features: packedFeatures, entities: { user_id: [BigInt(w % 200)] } });
      }
      for (let round = 0; round < 6; round++) {
        for (const [kind, features] of [
          ["agg", aggFeatures],
          ["packed", packedFeatures],
        ] as const) {
          for (let i = 0; i < REQUESTS / 6; i++) {
            const t0 = performance.now();
            await c.getOnlineFeatures({ features, entities: { user_id: [BigInt(i % 200)] } });
            (times[kind] as number[]).push(performance.now() - t0);
          }
        }
      }
      const agg = (times.agg as number[]).sort((a, b) => a - b);
      const pk = (times.packed as number[]).sort((a, b) => a - b);
      console.log(
        `\nGetOnlineFeatures (TypeScript client, in-process server, Redis packed layout), ${agg.length} requests each`,
      );
      console.log("| request | p50 ms | p99 ms |");
      console.log("|---|---:|---:|");
      console.log(
        `| 1 x 12 aggregates (1h/24h/7d x count/sum/mean/max, full tiles) | ${percentile(agg, 50).toFixed(3)} | ${percentile(agg, 99).toFixed(3)} |`,
      );
      console.log(
        `| 1 x 50 packed features | ${percentile(pk, 50).toFixed(3)} | ${percentile(pk, 99).toFixed(3)} |`,
      );
      console.log(
        `aggregates / packed p99: ${(percentile(agg, 99) / percentile(pk, 99)).toFixed(2)}x (target <= 1.5x)`,
      );
    } finally {
      c.close();
      await servingServer.shutdown();
    }
  } finally {
    client.close();
    await registry.close();
  }
}

/** The online half of the streaming benchmark; true when it ran (targets are reported, not enforced). */
export async function onlineStreamBench(): Promise<boolean> {
  const redis = await startRedis();
  const repo = createTempRepo({ config: "" });
  try {
    repo.write("feature_store.yaml", config(redis));
    repo.write("features.ts", benchDefinitions(`redis://${redis.connectionString}`));
    await applyRepo(repo.path);
    const registry = await openRegistry(loadRepoConfig(repo.path));
    const view = [...registry.snapshot().featureViews.values()].find(isStreamView) as FeatureViewDef;
    await registry.close();
    await measureIngestion(repo, redis, view);
    await measureServing(repo, redis);
    return true;
  } finally {
    repo.cleanup();
    await redis.close();
  }
}

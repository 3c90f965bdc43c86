/**
 * In-process micro-benchmark of the serving path, stage by stage, against a
 * redis-server it starts itself (no gRPC, no load generator): where the time
 * of one GetOnlineFeatures goes beside a raw ioredis HMGET of the same key.
 *   node bin/run-ts.js bench/online/micro.ts [iterations]
 * Closed loop, one call at a time; prints the median and p99 per stage in µs.
 */
import { Redis } from "ioredis";
import {
  createEntityKeyEncoder,
  createOnlineRetrieval,
  createOnlineStore,
  decodeOnlineRequest,
  encodeOnlineResponse,
} from "../../src/online/index.js";
import type { ViewLookup } from "../../src/online/online-store.js";
import { redisStoreConfig, repoConfig } from "../../test/support/online-fixtures.js";
import { startRedis } from "../../test/support/redis.js";
import { createMemoryRegistry } from "../../test/support/server.js";
import { benchDefinitions, fv50, scenarioRequests, scenarios, writeBenchRows } from "./synthetic-repo.js";

const N = Number(process.argv[2] ?? 3000);

async function time(label: string, op: (i: number) => Promise<unknown> | unknown): Promise<void> {
  for (let i = 0; i < Math.min(500, N); i++) await op(i);
  const t = new Float64Array(N);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await op(i);
    t[i] = performance.now() - s;
  }
  const cpu = process.cpuUsage(cpu0);
  t.sort();
  const us = (x: number) => (x * 1000).toFixed(0).padStart(6);
  console.log(
    `${label.padEnd(44)} p50 ${us(t[Math.floor(N / 2)] as number)} µs  p99 ${us(t[Math.floor(N * 0.99)] as number)} µs  cpu ${((cpu.user + cpu.system) / N).toFixed(0).padStart(5)} µs/op`,
  );
}

const redis = await startRedis();
try {
  const project = "micro";
  const config = repoConfig(redisStoreConfig(redis.connectionString, "packed"), project);
  const store = createOnlineStore(config);
  const ts = new Date();
  await writeBenchRows(store, ts);
  const registry = createMemoryRegistry(project, benchDefinitions());
  const retrieval = createOnlineRetrieval({ registry, store, maxEntitiesPerRequest: 1000 });
  const raw = new Redis({ port: redis.port, host: "127.0.0.1" });
  const encode = createEntityKeyEncoder(fv50.entityColumns, project);
  for (const s of scenarios) {
    const { ids, bytes } = scenarioRequests(s, 256);
    const names = s.view.features.map((f) => f.name);
    const lookups: ViewLookup[][] = ids.map((e) => [
      { view: s.view, features: names, entityKeys: e.map((id) => [id]) },
    ]);
    const keys = ids.map((e) => e.map((id) => encode([id])));
    console.log(`--- ${s.name}`);
    await time("raw ioredis hmgetBuffer (pipeline if >1)", (i) => {
      const k = keys[i % 256] as Buffer[];
      if (k.length === 1) return raw.hmgetBuffer(k[0] as Buffer, s.view.name);
      const p = raw.pipeline();
      for (const key of k) p.hmgetBuffer(key, s.view.name);
      return p.exec();
    });
    await time("store.read", (i) => store.read(lookups[i % 256] as ViewLookup[]));
    const reqs = bytes.map((b) => decodeOnlineRequest(b));
    await time("decodeOnlineRequest", (i) => decodeOnlineRequest(bytes[i % 256] as Uint8Array));
    await time("retrieval.getOnlineFeatures", (i) => retrieval.getOnlineFeatures(reqs[i % 256] as never));
    const results = await Promise.all(reqs.slice(0, 16).map((r) => retrieval.getOnlineFeatures(r)));
    await time("encodeOnlineResponse", (i) => encodeOnlineResponse(results[i % 16] as never));
    await time("decode + retrieval + encode", async (i) =>
      encodeOnlineResponse(
        await retrieval.getOnlineFeatures(decodeOnlineRequest(bytes[i % 256] as Uint8Array)),
      ),
    );
  }
  raw.disconnect();
  await store.close();
} finally {
  await redis.close();
}

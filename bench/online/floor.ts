/**
 * What the online benchmark's latency ratios can reach on this machine with
 * nothing of fstore (for investigating, not a benchmark of fstore): a bare
 * grpc-js server whose method takes the real GetOnlineFeatures request bytes
 * without decoding them, reads the same stored rows over fstore's Redis read
 * connection (one HMGET per entity, written together) and answers with as
 * many bytes as fstore's response, measured like `npm run bench -- online`
 * against the no-op RPC (a) and the raw ioredis read (b).
 *   node bin/run-ts.js bench/online/floor.ts [rounds]
 * Prints each round's p50 / p99 and the medians of the ratios per scenario.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Redis } from "ioredis";
import {
  createEntityKeyEncoder,
  createOnlineRetrieval,
  createOnlineStore,
  decodeOnlineRequest,
  encodeOnlineResponse,
} from "../../src/online/index.js";
import { encodeCommand, RedisReadConnection } from "../../src/online/redis-read-connection.js";
import { redisStoreConfig, repoConfig } from "../../test/support/online-fixtures.js";
import { startRedis } from "../../test/support/redis.js";
import { createMemoryRegistry } from "../../test/support/server.js";
import { runLoadgen } from "./run-loadgen.js";
import { benchDefinitions, fv50, scenarioRequests, scenarios, writeBenchRows } from "./synthetic-repo.js";

const ROUNDS = Number(process.argv[2] ?? 5);
const RATE = 500;
const SECONDS = 4;
const WARMUP_SECONDS = 1;
const project = "floor";

const dir = mkdtempSync(join(tmpdir(), "fstore-floor-"));
const redis = await startRedis();
const [host, portText] = redis.connectionString.split(":") as [string, string];
const port = Number(portText);
const config = repoConfig(redisStoreConfig(redis.connectionString, "packed"), project);
config.server.maxEntitiesPerRequest = 1000;
const store = createOnlineStore(config);
const now = new Date();
await writeBenchRows(store, now);
const retrieval = createOnlineRetrieval({
  registry: createMemoryRegistry(project, benchDefinitions()),
  store,
  maxEntitiesPerRequest: 1000,
});
const reader = await RedisReadConnection.open(
  { host, port, tls: false, username: undefined, password: undefined, db: 0, connectTimeoutMs: 1000 },
  () => {},
);
const client = new Redis({ host, port });
const encodeKey = createEntityKeyEncoder(fv50.entityColumns, project);

/** The scenario the server's Get answers for: its requests' keys in the generator's order, and fstore's response size. */
let current: { keys: Buffer[][]; field: string; responseBytes: number } | undefined;
let served = 0;
const passThrough = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b };
const raw = { ...passThrough, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
const server = new grpc.Server();
server.addService(
  {
    Noop: { path: "/floor.Floor/Noop", requestStream: false, responseStream: false, ...raw },
    Get: { path: "/floor.Floor/Get", requestStream: false, responseStream: false, ...raw },
  },
  {
    Noop: (_call: unknown, done: grpc.sendUnaryData<Buffer>) => done(null, Buffer.alloc(0)),
    Get: (_call: unknown, done: grpc.sendUnaryData<Buffer>) => {
      const c = current as NonNullable<typeof current>;
      // The generator sends its requests in order, so the i-th call asks for the i-th request's keys.
      const keys = c.keys[served++ % c.keys.length] as Buffer[];
      Promise.all(keys.map((k) => reader.request(encodeCommand(["HMGET", k, c.field]), 1000))).then(
        (replies) => {
          const out = Buffer.allocUnsafe(c.responseBytes);
          let at = 0;
          for (const r of replies) at += (r[0] as Buffer).copy(out, at);
          done(null, out);
        },
        (err: Error) => done(err, null),
      );
    },
  },
);
const grpcPort = await new Promise<number>((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
    err ? reject(err) : resolve(p),
  ),
);

/** One open-loop measurement of `method` against the server in this process. */
async function loadgen(method: string, file: string): Promise<{ p50: number; p99: number; cpu: number }> {
  const args = [
    "open",
    `127.0.0.1:${grpcPort}`,
    method,
    file,
    String(RATE),
    String(SECONDS),
    String(WARMUP_SECONDS),
  ];
  const before = process.cpuUsage();
  const r = (await runLoadgen(args)) as unknown as { p50: number; p99: number };
  const used = process.cpuUsage(before);
  // This process's CPU per request while only the server in it works (the raw read runs after).
  return { ...r, cpu: (used.user + used.system) / ((SECONDS + WARMUP_SECONDS) * RATE) };
}

async function rawRead(keys: Buffer[][], field: string): Promise<{ p50: number; p99: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  const total = (SECONDS + 1) * RATE;
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / RATE - performance.now();
    if (wait > 0.5) await new Promise((r) => setTimeout(r, Math.max(1, Math.round(wait))));
    const k = keys[i % keys.length] as Buffer[];
    const sent = performance.now();
    if (k.length === 1) await client.hmgetBuffer(k[0] as Buffer, field);
    else {
      const p = client.pipeline();
      for (const key of k) p.hmgetBuffer(key, field);
      await p.exec();
    }
    if (i >= RATE) latencies.push(performance.now() - sent);
  }
  latencies.sort((a, b) => a - b);
  return {
    p50: latencies[Math.floor(latencies.length / 2)] as number,
    p99: latencies[Math.floor(latencies.length * 0.99)] as number,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const f = (l: { p50: number; p99: number; cpu?: number }) =>
  `${l.p50.toFixed(3)} / ${l.p99.toFixed(3)}${l.cpu === undefined ? "" : ` (cpu ${l.cpu.toFixed(0)} µs/req)`}`;
try {
  for (const s of scenarios) {
    const { ids, bytes } = scenarioRequests(s, 256);
    const file = join(dir, "requests.bin");
    const parts: Buffer[] = [Buffer.from(Uint32Array.of(bytes.length).buffer)];
    for (const b of bytes) parts.push(Buffer.from(Uint32Array.of(b.length).buffer), Buffer.from(b));
    writeFileSync(file, Buffer.concat(parts));
    const response = encodeOnlineResponse(
      await retrieval.getOnlineFeatures(decodeOnlineRequest(bytes[0] as Uint8Array)),
    );
    const keys = ids.map((e) => e.map((id) => encodeKey([id])));
    current = { keys, field: s.view.name, responseBytes: response.length };
    const r50: number[] = [];
    const r99: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const noop = await loadgen("/floor.Floor/Noop", "-");
      served = 0;
      const get = await loadgen("/floor.Floor/Get", file);
      const rawRound = await rawRead(keys, s.view.name);
      r50.push(get.p50 / (noop.p50 + rawRound.p50));
      r99.push(get.p99 / (noop.p99 + rawRound.p99));
      console.log(
        `${s.name} round ${r + 1}: floor ${f(get)}  no-op ${f(noop)}  raw ${f(rawRound)} (ms)  p50 ${(r50.at(-1) as number).toFixed(2)}  p99 ${(r99.at(-1) as number).toFixed(2)}`,
      );
    }
    console.log(
      `${s.name}: response ${response.length} bytes; floor / (a+b), medians: p50 ${median(r50).toFixed(2)}, p99 ${median(r99).toFixed(2)}`,
    );
  }
} finally {
  server.forceShutdown();
  reader.close();
  client.disconnect();
  await store.close();
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
}

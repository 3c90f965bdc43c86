/**
 * The baseline: the bytes materialization writes (entity keys and packed
 * rows of the window's latest rows, computed first and not timed), sent to
 * Redis as raw pipelined HSETs. Prints seconds, entities and peak RSS.
 *   raw-hset.ts DATA_DIR REDIS_ADDR HOURS
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { connectUtc } from "../../src/materialize/index.js";
import { readLatestRows } from "../../src/materialize/latest-rows-reader.js";
import { openDuckDb } from "../../src/offline/index.js";
import { createEntityKeyEncoder } from "../../src/online/index.js";
import { encodePackedRows } from "../../src/online/packed-row.js";
import { benchView, HOUR, peakRssMb, T0 } from "./shared.js";

const [dataDir, redisAddr, hoursArg] = process.argv.slice(2) as [string, string, string];
const view = benchView(dataDir);
const files = readdirSync(dataDir)
  .filter((f) => f.endsWith(".parquet"))
  .sort()
  .map((f) => join(dataDir, f));
const db = await openDuckDb({ threads: 2, memoryLimit: "1GB" });
const conn = await connectUtc(db);
const encodeKey = createEntityKeyEncoder(view.entityColumns, "bench");
const keys: Buffer[] = [];
const values: Buffer[] = [];
for await (const batch of readLatestRows(conn, view, {
  files,
  start: new Date(T0),
  end: new Date(T0 + Number(hoursArg) * HOUR - 1),
  batchSize: 10_000,
})) {
  for (const r of batch.rows) keys.push(encodeKey(r.entityKey));
  values.push(...encodePackedRows(view, batch.rows));
}
conn.closeSync();
db.closeSync();

const [host, port] = redisAddr.split(":") as [string, string];
const redis = new Redis({ host, port: Number(port), lazyConnect: true });
await redis.connect();
const PIPELINE = 10_000;
const IN_FLIGHT = 4;
const t0 = performance.now();
const inFlight: Promise<unknown>[] = [];
for (let i = 0; i < keys.length; i += PIPELINE) {
  const p = redis.pipeline();
  const end = Math.min(keys.length, i + PIPELINE);
  for (let j = i; j < end; j++) p.hset(keys[j] as Buffer, view.name, values[j] as Buffer);
  inFlight.push(p.exec());
  if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
}
await Promise.all(inFlight);
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ seconds, entities: keys.length, peakRssMb: peakRssMb() }));
redis.disconnect();

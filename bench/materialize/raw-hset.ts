/**
 * The baseline: the bytes materialization writes (entity keys and packed
 * rows of the window's latest rows, computed first and not timed), sent to
 * Redis as raw pipelined HSETs: through ioredis pipelines, or ("resp") as
 * RESP bytes written straight to a socket, the floor of any client. Prints
 * seconds, CPU seconds, entities and peak RSS.
 *   raw-hset.ts DATA_DIR REDIS_ADDR HOURS [ioredis|resp]
 */
import { readdirSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { connectUtc } from "../../src/materialize/index.js";
import { readLatestRows } from "../../src/materialize/latest-rows-reader.js";
import { openDuckDb } from "../../src/offline/index.js";
import { createEntityKeyEncoder } from "../../src/online/index.js";
import { encodePackedRows } from "../../src/online/packed-row.js";
import { benchView, HOUR, machineCpu, peakRssMb, T0 } from "./shared.js";

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
const mode = process.argv[5] ?? "ioredis";
const field = Buffer.from(view.name);
let seconds: number;
let cpuSeconds: number;
let machine0 = machineCpu();
if (mode === "resp") {
  // The floor: RESP bytes written straight to a socket, 10,000 commands per write, replies counted.
  const socket = createConnection({ host, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const bulk = (b: Buffer) => [Buffer.from(`$${b.length}\r\n`), b, CRLF];
  const CRLF = Buffer.from("\r\n");
  const HEAD = Buffer.from("*4\r\n$4\r\nHSET\r\n");
  const frames: Buffer[] = [];
  for (let i = 0; i < keys.length; i += 10_000) {
    const parts: Buffer[] = [];
    for (let j = i; j < Math.min(keys.length, i + 10_000); j++) {
      parts.push(HEAD, ...bulk(keys[j] as Buffer), ...bulk(field), ...bulk(values[j] as Buffer));
    }
    frames.push(Buffer.concat(parts));
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  machine0 = machineCpu();
  let replies = 0;
  const done = new Promise<void>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) replies++;
      if (replies >= keys.length) resolve();
    });
  });
  for (const frame of frames) if (!socket.write(frame)) await new Promise((r) => socket.once("drain", r));
  await done;
  seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  cpuSeconds = (cpu.user + cpu.system) / 1e6;
  socket.destroy();
} else {
  const redis = new Redis({ host, port: Number(port), lazyConnect: true });
  await redis.connect();
  const PIPELINE = 10_000;
  const IN_FLIGHT = 4;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  machine0 = machineCpu();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < keys.length; i += PIPELINE) {
    const p = redis.pipeline();
    const end = Math.min(keys.length, i + PIPELINE);
    for (let j = i; j < end; j++) p.hset(keys[j] as Buffer, field, values[j] as Buffer);
    inFlight.push(p.exec());
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  cpuSeconds = (cpu.user + cpu.system) / 1e6;
  redis.disconnect();
}
const machine = machineCpu();
console.log(
  JSON.stringify({
    seconds,
    cpuSeconds,
    machineCpuSeconds: machine.busy - machine0.busy,
    stealSeconds: machine.steal - machine0.steal,
    entities: keys.length,
    peakRssMb: peakRssMb(),
  }),
);

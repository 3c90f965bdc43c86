/**
 * Streaming fixtures: a repository with three stream sources over one event
 * schema (Redis Streams, NATS JetStream, and one fed by Push), a stream view
 * per source with every function over three windows, publishers for each
 * path, the raw events read back from the batch sources, and the comparison
 * of GetOnlineFeatures against the brute-force oracle.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import type { FstoreClient } from "../../clients/typescript/src/index.js";
import type { AggregationDef, AggregationFunction } from "../../src/registry/model.js";
import type { RandomEventsOptions } from "./stream-events.js";
import { randomStreamEvents } from "./stream-events.js";
import { type OracleEvent, onlineEvents, oracleValue } from "./stream-oracle.js";

export const FUNCTIONS: AggregationFunction[] = ["count", "sum", "mean", "min", "max", "last"];
/** [window, slide] in seconds. */
export const WINDOWS: [number, number][] = [
  [60, 10],
  [600, 60],
  [3600, 300],
];
export const LATENESS_SECONDS = 90;

/** The aggregations of every stream view: a (Float64) for count/sum/mean/max, b (Int64) for min/last. */
export function aggregations(): AggregationDef[] {
  const out: AggregationDef[] = [];
  for (const [w, s] of WINDOWS) {
    for (const f of FUNCTIONS) {
      const column = f === "min" || f === "last" ? "b" : "a";
      out.push({ name: `${column}_${f}_${w}s`, column, function: f, windowSeconds: w, slideSeconds: s });
    }
  }
  return out;
}

export interface StreamRepoOptions {
  redisUrl: string;
  natsUrl: string;
  /** Suffix for stream names, so tests sharing a broker do not meet. */
  tag: string;
}

/** The definitions file. */
export function streamDefinitions(o: StreamRepoOptions): string {
  const aggs = aggregations()
    .map(
      (a) =>
        `new Aggregation({ column: "${a.column}", function: "${a.function}", window: ${a.windowSeconds}, slide: ${a.slideSeconds} })`,
    )
    .join(",\n  ");
  const schema = `[new Field({ name: "user_id", dtype: Int64 }), new Field({ name: "a", dtype: Float64 }),
  new Field({ name: "b", dtype: Int64 }), new Field({ name: "ts", dtype: UnixTimestamp })]`;
  const source = (name: string, stream: string) => `
export const ${name} = new StreamSource({ name: "${name}", stream: ${stream}, schema: ${schema}, timestampField: "ts",
  batchSource: new FileSource({ name: "${name}_raw", path: "data/${name}_raw", timestampField: "ts" }) });
export const ${name}_view = new StreamFeatureView({ name: "${name}_view", entities: [user], source: ${name},
  allowedLateness: ${LATENESS_SECONDS}, aggregations: [
  ${aggs}] });`;
  return `import { Aggregation, Entity, FileSource, Field, Float64, Int64, StreamFeatureView, StreamSource, UnixTimestamp } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
${source("tx_redis", `{ kind: "redis", connection: "${o.redisUrl}", stream: "tx_${o.tag}" }`)}
${source("tx_nats", `{ kind: "nats", connection: "${o.natsUrl}", stream: "TX_${o.tag}", subject: "tx.${o.tag}" }`)}
${source("tx_push", `{ kind: "redis", connection: "${o.redisUrl}", stream: "unused_${o.tag}" }`)}
`;
}

export function streamConfig(onlineStore: string, extra = ""): string {
  return `project: stream_test
provider: local
registry:
  path: data/registry.db
  cache_ttl_seconds: 0
${onlineStore}
materialization:
  schedule: "off"
streaming:
  flush_interval_ms: 100
  batch_size: 200
${extra}`;
}

/** Random events with integer `b` and whole-second times for Push (its timestamps carry seconds). */
export function eventsFor(
  seed: number,
  wholeSeconds: boolean,
  o: Partial<RandomEventsOptions> = {},
): OracleEvent[] {
  return randomStreamEvents({
    seed,
    entities: 6,
    events: 250,
    startUs: 1_767_225_600_000_000, // 2026-01-01
    spanUs: 7200e6,
    boundariesUs: [10e6, 60e6, 300e6],
    columns: ["a", "b"],
    ...o,
  }).map((e) => ({
    ...e,
    eventTimeUs: wholeSeconds ? Math.floor(e.eventTimeUs / 1e6) * 1e6 : e.eventTimeUs,
    values: { a: e.values.a as number, b: (e.values.b as number) * 4 },
  }));
}

/** RFC 3339 with microseconds. */
export function rfc3339(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // ...ss.mmmZ
  return `${iso.slice(0, 23)}${String(us % 1000).padStart(3, "0")}Z`;
}

/** Appends events to a Redis stream (fields as strings, time as RFC 3339 µs), with some bad ones; returns the bad count. */
export async function publishRedis(
  url: string,
  stream: string,
  events: readonly OracleEvent[],
  bad = true,
): Promise<number> {
  const redis = new Redis(url.replace(/^redis:\/\//, "redis://"));
  let badCount = 0;
  try {
    const pipeline = redis.pipeline();
    events.forEach((e, i) => {
      pipeline.xadd(
        stream,
        "*",
        "user_id",
        e.entity,
        "a",
        String(e.values.a),
        "b",
        String(e.values.b),
        "ts",
        rfc3339(e.eventTimeUs),
      );
      if (bad && i % 83 === 5) {
        pipeline.xadd(stream, "*", "user_id", e.entity, "a", "1", "ts", rfc3339(e.eventTimeUs)); // missing b
        pipeline.xadd(stream, "*", "user_id", e.entity, "a", "abc", "b", "1", "ts", rfc3339(e.eventTimeUs)); // wrong type
        pipeline.xadd(stream, "*", "user_id", e.entity, "a", "1", "b", "1", "ts", "yesterday"); // bad time
        badCount += 3;
      }
    });
    await pipeline.exec();
  } finally {
    redis.disconnect();
  }
  return badCount;
}

/** Publishes events to JetStream as JSON (time as fractional ms), with some bad ones; returns the bad count. */
export async function publishNats(
  url: string,
  stream: string,
  subject: string,
  events: readonly OracleEvent[],
  bad = true,
): Promise<number> {
  const nc = await connect({ servers: url });
  let badCount = 0;
  try {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams.add({ name: stream, subjects: [subject] });
    }
    const js = jetstream(nc);
    let i = 0;
    for (const e of events) {
      await js.publish(
        subject,
        JSON.stringify({ user_id: Number(e.entity), a: e.values.a, b: e.values.b, ts: e.eventTimeUs / 1000 }),
      );
      if (bad && i % 83 === 5) {
        await js.publish(subject, "not json");
        await js.publish(subject, JSON.stringify({ user_id: 1, a: 1, ts: 1 })); // missing b
        await js.publish(subject, JSON.stringify({ user_id: 1, a: "x", b: 1, ts: 1 })); // wrong type
        badCount += 3;
      }
      i++;
    }
  } finally {
    await nc.close();
  }
  return badCount;
}

/** Pushes events through the Push RPC in chunks (arrival order kept). */
export async function pushEvents(
  client: FstoreClient,
  source: string,
  events: readonly OracleEvent[],
): Promise<void> {
  for (let i = 0; i < events.length; i += 40) {
    const chunk = events.slice(i, i + 40);
    await client.push({
      source,
      to: "online_and_offline",
      columns: {
        user_id: chunk.map((e) => BigInt(e.entity)),
        a: chunk.map((e) => e.values.a as number),
        b: chunk.map((e) => BigInt(e.values.b as number)),
        ts: chunk.map((e) => new Date(e.eventTimeUs / 1000)),
      },
    });
  }
}

/** The raw events of a batch folder in arrival order (stream position, or created for Push). */
export async function readRawEvents(folder: string): Promise<OracleEvent[]> {
  if (!existsSync(folder)) return [];
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(`
      SELECT user_id::VARCHAR, a, b::DOUBLE, epoch_us(ts)::DOUBLE, epoch_us(created)::DOUBLE
        FROM read_parquet('${join(folder, "**", "*.parquet").replaceAll("'", "''")}', union_by_name = true)
       ORDER BY _stream_hi NULLS LAST, _stream_lo NULLS LAST, created`);
    return reader.getRows().map(([entity, a, b, ts, created]) => ({
      entity: String(entity),
      eventTimeUs: Number(ts),
      createdUs: Number(created),
      values: { a: Number(a), b: Number(b) },
    }));
  } catch (err) {
    if (/No files found/i.test(String((err as Error).message))) return [];
    throw err;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Waits until `check` is true (polling), or throws naming `what`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A sortable text of events without created (what was sent vs what was kept). */
export function eventKeys(events: readonly OracleEvent[]): string[] {
  return events.map((e) => `${e.entity}|${e.eventTimeUs}|${e.values.a}|${e.values.b}`).sort();
}

/** Request times (ms) after every event: on and around tile and window boundaries. */
export function requestTimesMs(events: readonly OracleEvent[]): number[] {
  const maxMs = Math.ceil(Math.max(...events.map((e) => e.eventTimeUs)) / 1000);
  const offsets = [0, 1, 5_000, 59_999, 60_000, 300_000, 600_000, 3_599_999, 3_600_000, 4_000_000];
  return offsets.map((o) => maxMs + o);
}

/**
 * Asks GetOnlineFeatures for every aggregate of `view` for entities 0..6 (6
 * has no events) and compares each value and status with the oracle over
 * the events online tiles keep.
 */
export async function expectOnlineMatchesOracle(
  client: FstoreClient,
  view: string,
  arrivals: readonly OracleEvent[],
  tMs: number,
): Promise<{ compared: number; nonEmpty: number; mismatches: string[] }> {
  const kept = onlineEvents(arrivals, LATENESS_SECONDS * 1e6);
  const aggs = aggregations();
  const entities = ["0", "1", "2", "3", "4", "5", "6"];
  const result = await client.getOnlineFeatures({
    features: aggs.map((a) => `${view}:${a.name}`),
    entities: { user_id: entities.map((e) => BigInt(e)) },
  });
  const mismatches: string[] = [];
  let compared = 0;
  let nonEmpty = 0;
  aggs.forEach((a) => {
    const column = result.columns.find((c) => c.name === a.name);
    entities.forEach((entity, r) => {
      const want = oracleValue(a, kept, entity, tMs * 1000);
      const got = column?.values[r];
      const status = column?.statuses[r];
      const gotNumber = got === null || got === undefined ? null : Number(got);
      const wantStatus = want === null ? "NULL_VALUE" : "PRESENT";
      compared++;
      if (a.function === "count" && want !== 0) nonEmpty++;
      if (gotNumber !== want || status !== wantStatus) {
        mismatches.push(
          `${view} ${a.name} user ${entity} at ${tMs}: got ${gotNumber} (${status}), want ${want} (${wantStatus})`,
        );
      }
    });
  });
  return { compared, nonEmpty, mismatches };
}

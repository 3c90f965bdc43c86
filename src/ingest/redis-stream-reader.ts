/**
 * Redis Streams through a consumer group. The group is created at the
 * stream's beginning when missing (MKSTREAM). One consumer name per group
 * (ingestion owns the stream's one partition): after a restart it first reads
 * its own pending entries (XREADGROUP ... 0) in order, then new ones (>).
 */
import { Redis } from "ioredis";
import { unavailable } from "../errors/index.js";
import { parseRedisConnectionString } from "../online/redis-connection.js";
import type { StreamMessage, StreamReader } from "./stream-reader.js";

export interface RedisStreamReaderOptions {
  /** "host:port" or "redis://host:port", with Feast's options (",password=...,db=1"). */
  connection: string;
  stream: string;
  group: string;
  /** Consumer name inside the group (default "fstore"). */
  consumer?: string;
}

const MAX_RAW = 4096;

export async function openRedisStreamReader(o: RedisStreamReaderOptions): Promise<StreamReader> {
  const c = parseRedisConnectionString(o.connection);
  const ep = c.endpoints[0] as { host: string; port: number };
  const redis = new Redis({
    host: ep.host,
    port: ep.port,
    db: c.db,
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    ...(c.ssl ? { tls: {} } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: null,
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw unavailable(
      `cannot connect to Redis at ${o.connection} for stream "${o.stream}": ${(err as Error).message}`,
      err,
    );
  }
  try {
    await redis.xgroup("CREATE", o.stream, o.group, "0", "MKSTREAM");
  } catch (err) {
    if (!String((err as Error).message).includes("BUSYGROUP")) {
      redis.disconnect();
      throw unavailable(
        `cannot create consumer group "${o.group}" on stream "${o.stream}": ${(err as Error).message}`,
        err,
      );
    }
  }
  const consumer = o.consumer ?? "fstore";
  const partition = `redis:${o.stream}`;
  // Pending entries (delivered before a restart, never acknowledged) come first.
  let pendingDone = false;
  // Pending entries stay pending until acknowledged: page through them after the last one read.
  let pendingCursor = "0";
  let closed = false;

  const toMessage = (id: string, fields: string[]): StreamMessage => {
    const dash = id.indexOf("-");
    const ms = Number(id.slice(0, dash));
    const seq = Number(id.slice(dash + 1));
    const event: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) event[fields[i] as string] = fields[i + 1] as string;
    const raw = () => {
      const text = JSON.stringify({ id, fields: event });
      return text.length > MAX_RAW ? `${text.slice(0, MAX_RAW)}...` : text;
    };
    return {
      position: { partition, hi: ms, lo: seq },
      // The entry id's time; entries of the same ms are told apart by their sequence.
      createdUs: ms * 1000 + Math.min(seq, 999),
      event,
      raw,
    };
  };

  return {
    description: `Redis stream "${o.stream}" (group ${o.group})`,
    async read(max, waitMs) {
      if (closed) return [];
      type Reply = [string, [string, string[]][]][] | null;
      let reply: Reply;
      if (!pendingDone) {
        reply = (await redis.xreadgroup(
          "GROUP",
          o.group,
          consumer,
          "COUNT",
          max,
          "STREAMS",
          o.stream,
          pendingCursor,
        )) as Reply;
        const entries = reply?.[0]?.[1] ?? [];
        const last = entries[entries.length - 1];
        if (last) pendingCursor = last[0];
        // A deleted entry still pending shows up with null fields: acknowledge it away.
        const gone = entries.filter(([, f]) => f === null).map(([id]) => id);
        if (gone.length > 0) await redis.xack(o.stream, o.group, ...gone);
        const live = entries.filter(([, f]) => f !== null);
        if (entries.length === 0) pendingDone = true;
        else return live.map(([id, f]) => toMessage(id, f));
      }
      reply = (await redis.xreadgroup(
        "GROUP",
        o.group,
        consumer,
        "COUNT",
        max,
        "BLOCK",
        Math.max(1, waitMs),
        "STREAMS",
        o.stream,
        ">",
      )) as Reply;
      return (reply?.[0]?.[1] ?? []).map(([id, f]) => toMessage(id, f));
    },
    async ack(messages) {
      if (messages.length === 0) return;
      const ids = messages.map((m) => `${m.position.hi}-${m.position.lo}`);
      for (let i = 0; i < ids.length; i += 10_000)
        await redis.xack(o.stream, o.group, ...ids.slice(i, i + 10_000));
    },
    async close() {
      closed = true;
      redis.disconnect();
    },
  };
}

/**
 * Redis connections from Feast's connection string format,
 * "host:port[,host:port...][,password=...][,ssl=true][,db=N]", with options
 * that make requests fail fast while Redis is down (no offline queue, no
 * retries of in-flight commands, a command timeout) and reconnect in the
 * background so serving recovers on its own when Redis returns.
 */
import { Cluster, Redis } from "ioredis";
import type { RedisOnlineStoreConfig } from "../config/types.js";
import { failedPrecondition, unavailable } from "../errors/index.js";

export interface RedisEndpoint {
  host: string;
  port: number;
}

export interface RedisConnectionOptions {
  endpoints: RedisEndpoint[];
  username: string | undefined;
  password: string | undefined;
  ssl: boolean;
  db: number;
}

/** Parses Feast's connection string; a malformed one is FAILED_PRECONDITION naming the config key. */
export function parseRedisConnectionString(text: string): RedisConnectionOptions {
  const where = "online_store.connection_string";
  const out: RedisConnectionOptions = {
    endpoints: [],
    username: undefined,
    password: undefined,
    ssl: false,
    db: 0,
  };
  for (const raw of text.split(",")) {
    let part = raw.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq > 0 && !part.includes("://")) {
      const key = part.slice(0, eq).trim().toLowerCase();
      const value = part.slice(eq + 1).trim();
      if (key === "password") out.password = value;
      else if (key === "username") out.username = value;
      else if (key === "ssl") out.ssl = value.toLowerCase() === "true";
      else if (key === "db") {
        if (!/^\d+$/.test(value))
          throw failedPrecondition(`${where}: db must be a non-negative integer, got "${value}"`);
        out.db = Number(value);
      }
      // Other Feast/redis-py options (e.g. ssl_cert_reqs) do not apply to ioredis and are ignored.
      continue;
    }
    if (part.startsWith("rediss://")) {
      out.ssl = true;
      part = part.slice("rediss://".length);
    } else if (part.startsWith("redis://")) {
      part = part.slice("redis://".length);
    }
    const colon = part.lastIndexOf(":");
    const host = colon > 0 ? part.slice(0, colon) : part;
    const portText = colon > 0 ? part.slice(colon + 1) : "6379";
    const port = Number(portText);
    if (host === "" || !/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw failedPrecondition(`${where}: expected "host:port", got "${raw.trim()}"`);
    }
    out.endpoints.push({ host: host.replace(/^\[|\]$/g, ""), port });
  }
  if (out.endpoints.length === 0) throw failedPrecondition(`${where}: no "host:port" given in "${text}"`);
  return out;
}

export interface RedisTimeouts {
  /** Per-command timeout (a hung Redis fails the request instead of blocking it). */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

export type RedisClient = Redis | Cluster;

/** Opens a standalone or cluster client for `config` (connecting in the background). */
export function createRedisClient(config: RedisOnlineStoreConfig, timeouts: RedisTimeouts): RedisClient {
  const c = parseRedisConnectionString(config.connectionString);
  const common = {
    username: c.username,
    password: c.password,
    tls: c.ssl ? {} : undefined,
    connectTimeout: timeouts.connectTimeoutMs,
    commandTimeout: timeouts.commandTimeoutMs,
    // Fail in-flight commands when the connection drops instead of resending them later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  };
  let client: RedisClient;
  if (config.redisType === "redis_cluster") {
    if (c.db !== 0)
      throw failedPrecondition("online_store.connection_string: Redis Cluster has no db other than 0");
    client = new Cluster(c.endpoints, {
      enableOfflineQueue: false,
      redisOptions: common,
      clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
      slotsRefreshTimeout: timeouts.connectTimeoutMs,
    });
  } else {
    const ep = c.endpoints[0] as RedisEndpoint;
    client = new Redis({
      ...common,
      host: ep.host,
      port: ep.port,
      db: c.db,
      enableOfflineQueue: false,
      // Concurrent requests' commands share one socket write and one reply parse per tick.
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(50 * times, 500),
    });
  }
  // Connection errors surface on requests (as UNAVAILABLE); don't let the emitter treat them as unhandled.
  client.on("error", () => {});
  // Every request waiting out a reconnect listens for "ready".
  client.setMaxListeners(0);
  return client;
}

/**
 * Resolves when the client is ready, waiting at most `waitMs` (a reconnect in
 * progress may finish), else rejects with UNAVAILABLE.
 */
export async function whenReady(
  client: RedisClient,
  waitMs: number,
  address: string,
  signal?: AbortSignal,
): Promise<void> {
  if (client.status === "ready") return;
  if (client.status === "end" || (client.status === "close" && waitMs <= 0)) {
    throw unavailable(`Redis at ${address} is unavailable (connection ${client.status})`);
  }
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const onAbort = () =>
      done(unavailable(`Redis at ${address} is unavailable (request cancelled while reconnecting)`));
    const timer = setTimeout(
      () =>
        done(
          unavailable(
            `Redis at ${address} is unavailable (connection ${client.status}, waited ${waitMs} ms); retry later`,
          ),
        ),
      waitMs,
    );
    client.once("ready", onReady);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const RETRYABLE_REPLIES = [
  "CLUSTERDOWN",
  "LOADING",
  "TRYAGAIN",
  "MASTERDOWN",
  "BUSY",
  "READONLY",
  "MOVED",
  "ASK",
];

/**
 * Translates a Redis/driver error where it enters: outages are UNAVAILABLE
 * (naming the store's `address` when given), anything else INTERNAL.
 */
export function redisError(err: unknown, what: string, address?: string): Error {
  const e = err as { name?: string; message?: string; code?: string };
  const message = e?.message ?? String(err);
  const redis = address === undefined ? "Redis" : `Redis at ${address}`;
  if (e?.name === "ReplyError" && !RETRYABLE_REPLIES.some((p) => message.startsWith(p))) {
    return new Error(`${redis} ${what} failed: ${message}`, { cause: err });
  }
  return unavailable(`${redis} is unavailable during ${what}: ${message}`, err);
}

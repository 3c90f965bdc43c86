/**
 * Which online store a configuration points at, as one string: materialization
 * state (intervals, runs) is recorded per store, so switching `online_store`
 * (SQLite to Redis, another Redis, another layout) starts from nothing instead
 * of trusting intervals written elsewhere. Secrets (password) and transport
 * options (ssl) are left out: they do not change where the data is.
 */
import type { OnlineStoreConfig } from "./types.js";

/** `sqlite:/abs/online_store.db`, or `redis:packed:host:port[,host:port]/db` (hosts sorted). */
export function onlineStoreIdentity(store: OnlineStoreConfig): string {
  if (store.type === "sqlite") return `sqlite:${store.path}`;
  const parts = store.connectionString.split(",").map((p) => p.trim());
  const hosts = parts.filter((p) => p !== "" && !p.includes("=")).sort();
  const db = parts.find((p) => p.startsWith("db="))?.slice(3) ?? "0";
  const kind = store.redisType === "redis_cluster" ? "redis_cluster" : "redis";
  return `${kind}:${store.layout}:${hosts.join(",")}/${db}`;
}

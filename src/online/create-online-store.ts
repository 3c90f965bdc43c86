/**
 * Chooses the online store by `online_store.type` in feature_store.yaml.
 */
import type { RepoConfig } from "../config/types.js";
import type { OnlineStore } from "./online-store.js";
import { createRedisOnlineStore, type RedisOnlineStoreOptions } from "./redis-online-store.js";
import { createSqliteOnlineStore } from "./sqlite-online-store.js";

/** Tuning that is not part of feature_store.yaml (timeouts, batch sizes); tests and benchmarks set it. */
export type OnlineStoreTuning = Omit<RedisOnlineStoreOptions, "project" | "config">;

/** Opens the online store the repository's config names. */
export function createOnlineStore(config: RepoConfig, tuning: OnlineStoreTuning = {}): OnlineStore {
  const c = config.onlineStore;
  switch (c.type) {
    case "sqlite":
      return createSqliteOnlineStore({ project: config.project, path: c.path });
    case "redis":
      return createRedisOnlineStore({ ...tuning, project: config.project, config: c });
  }
}

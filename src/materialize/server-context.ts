/**
 * Materialization and push inside a server: the shared online store and
 * DuckDB instance come from the server's resources, so handlers and the
 * schedule reuse one of each per process.
 */
import type { RepoConfig } from "../config/types.js";
import { forgettingTileCaches } from "../ingest/index.js";
import { sharedLineage } from "../lineage/index.js";
import { sharedDuckDb } from "../offline/index.js";
import { sharedOnlineStore } from "../online/index.js";
import type { Registry } from "../registry/registry.js";
import type { MaterializeContext } from "./materialize.js";

/** What a server hands over (structurally, so materialize/ does not depend on server/). */
export interface ServerResourcesLike {
  config: RepoConfig;
  registry: Registry;
  resources: { get<T>(key: string, open: () => T, close: (resource: T) => Promise<void> | void): T };
}

export function materializeContextOf(deps: ServerResourcesLike): MaterializeContext {
  return {
    config: deps.config,
    registry: deps.registry,
    // Tiles Materialize rebuilds replace what the stream consumers hold in memory.
    onlineStore: forgettingTileCaches(sharedOnlineStore(deps), deps.registry),
    duckdb: () => sharedDuckDb(deps.resources, deps.config.offlineStore.duckdb),
    lineage: sharedLineage(deps),
  };
}

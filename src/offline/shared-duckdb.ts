/**
 * The process-wide DuckDB instance, as a shared resource: opened on first
 * use, closed once at shutdown. Historical retrieval and materialization ask
 * for it by the same key, so a server runs one instance.
 */
import type { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDbOptions } from "./duckdb-instance.js";
import { openDuckDb } from "./duckdb-instance.js";

/** Anything that opens named resources lazily (the server's `Resources`). */
export interface ResourcePool {
  get<T>(key: string, open: () => T, close: (resource: T) => Promise<void> | void): T;
}

/** Key of the shared DuckDB instance in a ResourcePool. */
export const DUCKDB_RESOURCE = "duckdb";

/** The pool's DuckDB instance (its opening, the first time). */
export function sharedDuckDb(pool: ResourcePool, options: DuckDbOptions = {}): Promise<DuckDBInstance> {
  return pool.get(
    DUCKDB_RESOURCE,
    () => openDuckDb(options),
    async (pending) => {
      const db = await pending.catch(() => undefined);
      db?.closeSync();
    },
  );
}

/**
 * The process-wide DuckDB instance, as a shared resource: opened on first
 * use, closed once at shutdown. Historical retrieval and materialization ask
 * for it by the same key, so a server runs one instance.
 *
 * A serving process leaves one core to its event loop: unless configured,
 * this instance gets every core but one (at least one). With every core, a
 * 1M-row historical retrieval beside 200 small reads/s took their p99 from
 * 7.0 to 18.3 ms on 2 cores (2.62x); with one DuckDB thread, 6.2 to 11.7 ms
 * (1.90x), and the retrieval alone took 3.1 s instead of 2.3 s.
 */
import { availableParallelism } from "node:os";
import type { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDbOptions } from "./duckdb-instance.js";
import { openDuckDb } from "./duckdb-instance.js";

/** Anything that opens named resources lazily (the server's `Resources`). */
export interface ResourcePool {
  get<T>(key: string, open: () => T, close: (resource: T) => Promise<void> | void): T;
}

/** Key of the shared DuckDB instance in a ResourcePool. */
export const DUCKDB_RESOURCE = "duckdb";

/** DuckDB's threads in a serving process: $FSTORE_DUCKDB_THREADS, else every core but one (at least 1). */
export function servingDuckDbThreads(
  env: NodeJS.ProcessEnv = process.env,
  cores: number = availableParallelism(),
): number {
  return Number(env.FSTORE_DUCKDB_THREADS) || Math.max(1, cores - 1);
}

/** The pool's DuckDB instance (its opening, the first time). */
export function sharedDuckDb(pool: ResourcePool, options: DuckDbOptions = {}): Promise<DuckDBInstance> {
  return pool.get(
    DUCKDB_RESOURCE,
    () => openDuckDb({ ...options, threads: options.threads ?? servingDuckDbThreads() }),
    async (pending) => {
      const db = await pending.catch(() => undefined);
      db?.closeSync();
    },
  );
}

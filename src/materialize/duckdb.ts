/**
 * The DuckDB instance materialization and offline push read and write
 * Parquet with. One instance per process (shared through the server's
 * resources), a connection per job, sessions pinned to UTC.
 */
import { availableParallelism } from "node:os";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

export interface DuckDbOptions {
  /** DuckDB's memory_limit, e.g. "1GB"; it spills to disk beyond it. */
  memoryLimit?: string;
  threads?: number;
}

/** Opens an in-memory DuckDB instance sized for this machine. */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<DuckDBInstance> {
  return DuckDBInstance.create(":memory:", {
    threads: String(options.threads ?? availableParallelism()),
    memory_limit: options.memoryLimit ?? "1GB",
  });
}

/**
 * A new connection on `instance` whose TIMESTAMP/TIMESTAMPTZ conversions are
 * UTC: pinned when the ICU extension is loaded; without ICU DuckDB has no
 * time zones and already converts as UTC.
 */
export async function connectUtc(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const conn = await DuckDBConnection.create(instance);
  try {
    await conn.run("SET TimeZone = 'UTC'");
  } catch {
    // No ICU: nothing to pin.
  }
  return conn;
}

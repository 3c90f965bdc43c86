/**
 * Connections for materialization and offline push on the process's DuckDB
 * instance (opened by `offline/`'s `openDuckDb`, shared as a server resource).
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/**
 * A new connection on `instance` whose TIMESTAMP/TIMESTAMPTZ conversions are
 * UTC: pinned when the ICU extension is loaded; without ICU DuckDB has no
 * time zones and already converts as UTC.
 */
export async function connectUtc(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
  } catch {
    // No ICU: nothing to pin.
  }
  return conn;
}

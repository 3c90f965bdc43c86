/**
 * The process's DuckDB: one in-memory instance shared by every query (a
 * connection per query), sized to the machine, spilling to a temp folder
 * instead of growing past its memory limit.
 */
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { DuckDBInstance } from "@duckdb/node-api";
import { Code, FstoreError } from "../errors/index.js";

export interface DuckDbOptions {
  /** Worker threads; default: $FSTORE_DUCKDB_THREADS, else the number of cores. */
  threads?: number;
  /**
   * DuckDB's memory limit, e.g. "2GB"; default: $FSTORE_DUCKDB_MEMORY_LIMIT, else 1GB
   * (a 1M-row join against two 5M-row views needs about that much to run without
   * failing; beyond it DuckDB spills to `tempDirectory`).
   */
  memoryLimit?: string;
  /** Where DuckDB spills; default: a folder under the OS temp dir. */
  tempDirectory?: string;
}

/** Opens an in-memory DuckDB instance whose time zone is UTC (naive TIMESTAMPs are read as UTC). */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<DuckDBInstance> {
  // DuckDB creates this folder when it first spills and removes it on close: made here, it was left
  // behind (empty) by every process.
  const tempDirectory = options.tempDirectory ?? join(tmpdir(), `fstore-duckdb-${process.pid}`);
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(options.threads ?? (Number(process.env.FSTORE_DUCKDB_THREADS) || availableParallelism())),
    memory_limit: options.memoryLimit ?? process.env.FSTORE_DUCKDB_MEMORY_LIMIT ?? "1GB",
    temp_directory: tempDirectory,
    // Sources and outputs are files the configuration allows; nothing else.
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    // Off: sources are local files, already in the OS page cache; DuckDB's own copy of every byte
    // read stayed in the process (up to the memory limit), so RSS grew with the data read: 413 MB
    // instead of 857 MB materializing 10M entities from ~105M rows.
    enable_external_file_cache: "false",
  });
  // With ICU loaded the zone is the host's, and casting a naive TIMESTAMP to TIMESTAMPTZ would shift it.
  const connection = await instance.connect();
  try {
    await connection.run("SET GLOBAL TimeZone = 'UTC'");
  } catch {
    // No ICU: DuckDB has no time zones and already casts as UTC.
  } finally {
    connection.closeSync();
  }
  return instance;
}

/**
 * Runs `fn` on a fresh connection, interrupting the running query when
 * `signal` aborts (the error is then CANCELLED), and closes the connection.
 */
export async function withConnection<T>(
  db: DuckDBInstance,
  fn: (connection: DuckDBConnection) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (signal?.aborted) throw cancelled();
  const connection = await db.connect();
  const onAbort = () => connection.interrupt();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await fn(connection);
  } catch (err) {
    if (signal?.aborted) throw cancelled(err);
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    connection.closeSync();
  }
}

function cancelled(cause?: unknown): FstoreError {
  return new FstoreError(Code.Cancelled, "the query was cancelled", { cause });
}

/** DuckDB's spill folder, or one in the OS temp folder when it has none (where temp parts go beside it). */
export async function duckDbTempDirectory(connection: DuckDBConnection): Promise<string> {
  const r = await connection.runAndReadAll("SELECT current_setting('temp_directory')");
  const dir = r.getRows()[0]?.[0];
  return typeof dir === "string" && dir !== "" ? dir : join(tmpdir(), `fstore-duckdb-${process.pid}`);
}

/**
 * Writing a repository's Parquet from SQL, for data generators: a template's
 * `_generate_data.ts` describes its rows as a DuckDB `SELECT` (range(),
 * hash()-based pseudo-random values) and needs nothing but fstore.
 */
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { invalidArgument } from "../errors/index.js";

export interface WriteParquetOptions {
  /** Rows per Parquet row group; default 122,880 (DuckDB's). */
  rowGroupSize?: number;
}

const quoted = (path: string) => `'${path.replaceAll("'", "''")}'`;

/**
 * Writes the rows of a DuckDB `SELECT` to a Parquet file (zstd), creating its
 * folder; the file appears whole (written beside it, then renamed), so a
 * reader never sees half of it. Returns the number of rows written.
 * Timestamps are UTC.
 */
export async function writeParquet(
  file: string,
  select: string,
  options: WriteParquetOptions = {},
): Promise<number> {
  const target = resolve(file);
  const rowGroupSize = options.rowGroupSize ?? 122_880;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize <= 0) {
    throw invalidArgument(
      `writeParquet: rowGroupSize: expected a positive whole number, got ${rowGroupSize}`,
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    try {
      await connection.run("SET TimeZone = 'UTC'");
    } catch {
      // No ICU: DuckDB has no time zones and already works in UTC.
    }
    const reader = await connection.runAndReadAll(
      `COPY (${select}) TO ${quoted(partial)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize})`,
    );
    renameSync(partial, target);
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } catch (err) {
    rmSync(partial, { force: true });
    throw invalidArgument(`writeParquet ${file}: ${(err as Error).message}`, err);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/**
 * Reading a FileSource: where its Parquet lives (a file, a folder or a glob,
 * relative to the repository), the table expression that scans it, and its
 * columns as DuckDB sees them, with field_mapping applied.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { DuckDBConnection, DuckDBType } from "@duckdb/node-api";
import { notFound } from "../errors/index.js";
import type { FileSourceDef } from "../registry/model.js";
import { fromDuckDbError } from "./duckdb-errors.js";
import { quoteString } from "./sql-text.js";

const GLOB_CHARS = /[*?[]/;

/**
 * The absolute path or glob that holds a source's Parquet: a folder means
 * every `.parquet` file below it. A plain path that does not exist is
 * NOT_FOUND, naming the source and the path.
 */
export function sourceLocation(source: FileSourceDef, repoPath: string): string {
  const path = isAbsolute(source.path) ? source.path : resolve(repoPath, source.path);
  if (GLOB_CHARS.test(path)) return path;
  if (!existsSync(path)) throw notFound(`data source "${source.name}": no Parquet file or folder at ${path}`);
  return statSync(path).isDirectory() ? join(path, "**", "*.parquet") : path;
}

/** The table expression scanning the Parquet at `location` (files of one source may differ in columns). */
export function parquetScanSql(location: string): string {
  return `read_parquet(${quoteString(location)}, union_by_name = true)`;
}

/** A source's columns by name (as stored, before field_mapping), with their DuckDB types. */
export type SourceColumns = ReadonlyMap<string, DuckDBType>;

/** The columns of the Parquet at `location`, read from its metadata only. */
export async function describeParquet(
  connection: DuckDBConnection,
  location: string,
  context: string,
): Promise<SourceColumns> {
  try {
    const result = await connection.run(`SELECT * FROM ${parquetScanSql(location)} LIMIT 0`);
    const names = result.columnNames();
    const types = result.columnTypes();
    return new Map(names.map((n, i) => [n, types[i] as DuckDBType]));
  } catch (err) {
    throw fromDuckDbError(err, `${context} (${location})`);
  }
}

/**
 * The stored column that feeds `name` (a join key, feature or timestamp
 * field): the column field_mapping renames to `name`, else `name` itself.
 */
export function storedColumnOf(source: FileSourceDef, name: string): string {
  for (const [column, mapped] of Object.entries(source.fieldMapping)) {
    if (mapped === name) return column;
  }
  return name;
}

/**
 * The stored column of the source's timestamp field. Feast names it as
 * stored; a name that field_mapping produces is accepted too.
 */
export function storedTimestampColumn(source: FileSourceDef, columns: SourceColumns, field: string): string {
  return columns.has(field) ? field : storedColumnOf(source, field);
}

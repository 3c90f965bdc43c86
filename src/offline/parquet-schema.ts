/**
 * Reads the column names and DuckDB types of Parquet data (a file, a folder
 * read recursively, or a glob) from its metadata only. Used by `fstore
 * apply` to check sources against their definitions.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Code, FstoreError } from "../errors/index.js";

/** One Parquet column as DuckDB reports it, e.g. `{ name: "price", type: "DOUBLE" }`, `"BIGINT[]"`. */
export interface ParquetColumn {
  name: string;
  type: string;
}

const GLOB_CHARS = /[*?[]/;

/** Where a source path points, resolved against the repository. */
export type ParquetLocation =
  | { kind: "file" | "folder" | "glob"; path: string; pattern: string }
  | { kind: "missing"; path: string; pattern: string };

/** Resolves a definition's path: a folder becomes `folder/**\/*.parquet`. */
export function parquetLocation(repoPath: string, path: string): ParquetLocation {
  const absolute = isAbsolute(path) ? path : resolve(repoPath, path);
  if (GLOB_CHARS.test(absolute)) return { kind: "glob", path: absolute, pattern: absolute };
  if (!existsSync(absolute)) return { kind: "missing", path: absolute, pattern: absolute };
  if (statSync(absolute).isDirectory()) {
    return { kind: "folder", path: absolute, pattern: join(absolute, "**", "*.parquet") };
  }
  return { kind: "file", path: absolute, pattern: absolute };
}

/** A short-lived DuckDB for schema reads (no extensions, little memory). */
export async function openSchemaReader(): Promise<ParquetSchemaReader> {
  const instance = await DuckDBInstance.create(":memory:", {
    threads: "1",
    memory_limit: "256MB",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  return new ParquetSchemaReader(instance);
}

export class ParquetSchemaReader {
  constructor(private readonly instance: DuckDBInstance) {}

  /**
   * The columns of the Parquet matching `pattern` (files of one source may
   * differ in columns: their union by name). NOT_FOUND when nothing matches,
   * FAILED_PRECONDITION when a file is not readable Parquet.
   */
  async columns(pattern: string, context: string): Promise<ParquetColumn[]> {
    const connection = await this.instance.connect();
    try {
      const literal = `'${pattern.replaceAll("'", "''")}'`;
      const result = await connection.run(
        `SELECT * FROM read_parquet(${literal}, union_by_name = true) LIMIT 0`,
      );
      const names = result.columnNames();
      const types = result.columnTypes();
      return names.map((name, i) => ({ name, type: String(types[i]) }));
    } catch (err) {
      const message = (err as Error).message.split("\n")[0] ?? "";
      const missing = /No files found|No such file|does not exist|Cannot open file/i.test(message);
      throw new FstoreError(
        missing ? Code.NotFound : Code.FailedPrecondition,
        `${context}: ${missing ? "no Parquet found at" : "cannot read Parquet at"} ${pattern}: ${message}`,
        { cause: err },
      );
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }
}

/**
 * Which Parquet files a batch source covers right now. A source path is a
 * file, a folder (every `*.parquet` below it) or a glob, relative to the
 * repository. Files being written by an offline push are named `*.tmp` until
 * renamed into place, so they are never matched.
 */
import { statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { failedPrecondition } from "../errors/index.js";
import type { FileSourceDef } from "../registry/model.js";
import { sqlString } from "./latest-rows-sql.js";

const GLOB_CHARS = /[*?[]/;

/** The absolute path of a source, resolved against the repository folder. */
export function sourcePath(repoPath: string, source: FileSourceDef): string {
  return isAbsolute(source.path) ? source.path : resolve(repoPath, source.path);
}

/** The glob pattern matching the source's files (pure but for a stat of the path). */
export function sourcePattern(absPath: string): {
  pattern: string;
  kind: "glob" | "folder" | "file" | "missing";
} {
  if (GLOB_CHARS.test(absPath)) return { pattern: absPath, kind: "glob" };
  const st = statSync(absPath, { throwIfNoEntry: false });
  if (st === undefined) return { pattern: absPath, kind: "missing" };
  if (st.isDirectory()) return { pattern: join(absPath, "**", "*.parquet"), kind: "folder" };
  return { pattern: absPath, kind: "file" };
}

/**
 * The source's Parquet files, sorted. An empty or missing folder has none
 * (a push source's folder appears with its first offline push); a missing
 * file source is FAILED_PRECONDITION.
 */
export async function listSourceFiles(
  conn: DuckDBConnection,
  repoPath: string,
  source: FileSourceDef,
  allowMissing: boolean,
): Promise<string[]> {
  const abs = sourcePath(repoPath, source);
  const { pattern, kind } = sourcePattern(abs);
  if (kind === "missing") {
    if (allowMissing) return [];
    throw failedPrecondition(`source "${source.name}": ${abs} does not exist`);
  }
  if (kind === "file") return [abs];
  const reader = await conn.runAndReadAll(`SELECT file FROM glob(${sqlString(pattern)}) ORDER BY file`);
  return reader.getColumns()[0]?.map(String) ?? [];
}

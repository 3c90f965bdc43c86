/**
 * Where a view's batch source lives on disk, as globs DuckDB's read_parquet
 * accepts. A push-backed source's folder may not exist yet (it is created by
 * the first offline push): that is "no offline rows", not an error.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { failedPrecondition } from "../errors/index.js";
import type { FeatureViewDef } from "../registry/model.js";
import { batchSourceOf } from "../registry/model.js";

const GLOB_CHARS = /[*?[]/;

/** Parquet globs of the view's batch source; empty when it holds no files yet. */
export function sourceParquetGlobs(view: FeatureViewDef, repoPath: string): string[] {
  const source = batchSourceOf(view);
  const path = isAbsolute(source.path) ? source.path : resolve(repoPath, source.path);
  if (GLOB_CHARS.test(path)) return [path];
  if (!existsSync(path)) {
    // A push or stream source's folder appears with its first raw rows.
    if (view.source.kind !== "file") return [];
    throw failedPrecondition(
      `the batch source "${source.name}" of feature view "${view.name}" is missing: ${path} does not exist`,
    );
  }
  if (statSync(path).isDirectory()) return hasParquet(path) ? [join(path, "**", "*.parquet")] : [];
  return [path];
}

function hasParquet(dir: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".parquet")) return true;
    if (entry.isDirectory() && hasParquet(join(dir, entry.name))) return true;
  }
  return false;
}

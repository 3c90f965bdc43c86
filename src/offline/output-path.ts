/**
 * Where a training set may be written: only inside the configured output
 * directory. The request's path is resolved against it and checked both
 * lexically and after resolving symbolic links.
 */
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { Code, FstoreError, invalidArgument } from "../errors/index.js";

/**
 * The absolute path for `requested` (relative to `outputDir`). Empty paths,
 * NUL bytes and non-.parquet names are INVALID_ARGUMENT; a path that leaves
 * the directory (by `..`, an absolute path, or a symlink) is
 * PERMISSION_DENIED. Missing parent folders inside the directory are created.
 */
export function resolveOutputPath(outputDir: string, requested: string): string {
  if (requested.trim() === "") throw invalidArgument("parquet_output.path is empty");
  if (requested.includes("\0")) throw invalidArgument("parquet_output.path contains a NUL byte");
  if (!requested.endsWith(".parquet")) {
    throw invalidArgument(`parquet_output.path "${requested}" must end with ".parquet"`);
  }
  mkdirSync(outputDir, { recursive: true });
  const root = realpathSync(outputDir);
  const target = resolve(root, requested);
  if (!inside(root, target)) throw outside(requested, outputDir);
  const parent = dirname(target);
  // Create missing folders one level at a time, checking each real location.
  const missing: string[] = [];
  let probe = parent;
  while (!existsSync(probe)) {
    missing.unshift(probe);
    probe = dirname(probe);
  }
  if (!within(root, realpathSync(probe))) throw outside(requested, outputDir);
  for (const dir of missing) {
    mkdirSync(dir);
    if (!within(root, realpathSync(dir))) throw outside(requested, outputDir);
  }
  const realParent = realpathSync(parent);
  if (!within(root, realParent)) throw outside(requested, outputDir);
  const final = resolve(realParent, basename(target));
  if (existsSync(final) && !inside(root, realpathSync(final))) throw outside(requested, outputDir);
  return final;
}

/** `path` is `root` or below it. */
function within(root: string, path: string): boolean {
  return path === root || inside(root, path);
}

/** `path` is strictly below `root`. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" ? false : !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

function outside(requested: string, outputDir: string): FstoreError {
  return new FstoreError(
    Code.PermissionDenied,
    `parquet_output.path "${requested}" is outside the output directory ${outputDir}; give a path relative to it`,
  );
}

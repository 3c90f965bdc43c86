/**
 * Where a training set may be written: only inside the configured output
 * directory, under a name a shell, a file browser and every file system read
 * the same way.
 *
 * Two steps, so that nothing is created for a request that is then refused:
 * `checkOutputPath` is pure and bounded (it runs before the query is
 * planned); `prepareOutputPath` creates the missing folders (at most
 * OUTPUT_PATH_LIMITS.maxFolders, with the asynchronous file system calls, so a
 * request never blocks the event loop) and checks each real location after
 * resolving symbolic links. The limits:
 *
 * - at most 1024 characters as sent, and 255 once made relative to the directory;
 * - at most 8 folders below the directory;
 * - each part 1 to 100 characters of `A-Z a-z 0-9 _ - . =`, not starting with
 *   `.` or `-` (no hidden files, no option look-alikes, no shell, glob,
 *   control or bidirectional characters);
 * - the file name ends with `.parquet`.
 */
import { lstat, mkdir, realpath } from "node:fs/promises";
import { isAbsolute, normalize, relative, resolve, sep } from "node:path";
import { Code, FstoreError, invalidArgument, shown } from "../errors/index.js";

export const OUTPUT_PATH_LIMITS = {
  maxRequestedChars: 1024,
  maxRelativeChars: 255,
  maxFolders: 8,
  maxPartChars: 100,
} as const;

const PART = /^[A-Za-z0-9_=][A-Za-z0-9_=.-]*$/;

/**
 * The path of `requested` relative to `outputDir` (lexically normalized), or
 * INVALID_ARGUMENT for a path breaking the limits above, PERMISSION_DENIED for
 * one that leaves the directory (by `..` or an absolute path elsewhere).
 * Touches no file.
 */
export function checkOutputPath(outputDir: string, requested: string): string {
  const L = OUTPUT_PATH_LIMITS;
  if (requested.length > L.maxRequestedChars) {
    throw invalidArgument(
      `parquet_output.path ${shown(requested)} is longer than ${L.maxRequestedChars} characters`,
    );
  }
  if (requested.trim() === "") throw invalidArgument("parquet_output.path is empty");
  if (requested.includes("\0")) throw invalidArgument("parquet_output.path contains a NUL byte");
  if (!requested.endsWith(".parquet")) {
    throw invalidArgument(`parquet_output.path ${shown(requested)} must end with ".parquet"`);
  }
  const root = resolve(outputDir);
  const rel = relative(root, resolve(root, normalize(requested)));
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw outside(requested, outputDir);
  }
  if (rel.length > L.maxRelativeChars) {
    throw invalidArgument(
      `parquet_output.path ${shown(requested)} is longer than ${L.maxRelativeChars} characters below the output directory`,
    );
  }
  const parts = rel.split(sep);
  if (parts.length - 1 > L.maxFolders) {
    throw invalidArgument(
      `parquet_output.path ${shown(requested)} is ${parts.length - 1} folders deep; at most ${L.maxFolders} are allowed`,
    );
  }
  for (const part of parts) {
    if (part.length > L.maxPartChars || !PART.test(part)) {
      throw invalidArgument(
        `parquet_output.path ${shown(requested)}: the part ${shown(part, 40)} is not allowed; ` +
          `use 1 to ${L.maxPartChars} characters of A-Z a-z 0-9 _ - . = per part, not starting with "." or "-"`,
      );
    }
  }
  return rel;
}

/**
 * The absolute path to write for `rel` (from `checkOutputPath`): missing
 * folders are created one level at a time, each checked to resolve inside the
 * directory (a symbolic link out of it is PERMISSION_DENIED), as is an
 * existing file at the target.
 */
export async function prepareOutputPath(outputDir: string, rel: string): Promise<string> {
  await mkdir(outputDir, { recursive: true });
  const root = await realpath(outputDir);
  let current = root;
  const parts = rel.split(sep);
  const file = parts.pop() as string;
  for (const part of parts) {
    const next = resolve(current, part);
    try {
      await mkdir(next);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    current = await realpath(next);
    if (!inside(root, current)) throw outside(rel, outputDir);
  }
  const target = resolve(current, file);
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !inside(root, await realpath(target).catch(() => target))) {
    throw outside(rel, outputDir);
  }
  if (existing?.isDirectory()) {
    throw invalidArgument(`parquet_output.path ${shown(rel)} is a folder; name a file`);
  }
  return target;
}

/** `path` is strictly below `root`. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function outside(requested: string, outputDir: string): FstoreError {
  return new FstoreError(
    Code.PermissionDenied,
    `parquet_output.path ${shown(requested)} is outside the output directory ${outputDir}; give a path relative to it`,
  );
}

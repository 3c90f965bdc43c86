import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { Code, FstoreError, invalidArgument, notFound } from "../errors/index.js";
import type { RepoDefinitions } from "../registry/model.js";
import { kindOf } from "./definition-kind.js";
import { withRepoModules } from "./repo-modules.js";
import { type FoundDefinition, toRepoDefinitions } from "./to-model.js";

/** TypeScript or JavaScript; the repository's package.json decides ES module or CommonJS, as for Node. */
const DEFINITION_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;
/** Not definitions: declarations, tests and tool configs (vitest.config.ts, eslint.config.js). */
const SKIPPED_FILE = /(\.d\.[mc]?ts|\.(test|spec|config)\.[mc]?[jt]s)$/;

/**
 * The definition files of a repository: its top-level TypeScript and
 * JavaScript files, except `_*` files (helpers such as the data generator),
 * tests, declarations and `*.config.*` files. Subfolders (data/, scripts) are
 * not scanned.
 */
export function definitionFiles(repoPath: string): string[] {
  let names: string[];
  try {
    names = readdirSync(repoPath, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch (err) {
    throw notFound(`feature repository ${repoPath} cannot be read: ${(err as Error).message}`, err);
  }
  return names
    .filter((n) => DEFINITION_FILE.test(n) && !n.startsWith("_") && !SKIPPED_FILE.test(n))
    .sort()
    .map((n) => join(repoPath, n));
}

/**
 * Imports every definition file of the repository and converts the exported
 * definition objects (Entity, FileSource, PushSource, FeatureView,
 * FeatureService, OnDemandFeatureView) into the registry model. Each call
 * loads the files afresh, so edits are always seen. Errors name the file,
 * the object and the field.
 */
export async function loadRepoDefinitions(repoPath: string): Promise<RepoDefinitions> {
  const repo = resolve(repoPath);
  const files = definitionFiles(repo);
  const found: FoundDefinition[] = [];
  const seen = new Set<unknown>();
  await withRepoModules(async (load) => {
    for (const file of files) {
      const shown = relative(repo, file);
      let module: Record<string, unknown>;
      try {
        module = await load(file);
      } catch (err) {
        // The repository may load its own copy of fstore's modules, so its errors are FstoreErrors by shape.
        if (isFstoreError(err)) throw new FstoreError(err.code, `${shown}: ${err.message}`, { cause: err });
        throw invalidArgument(`${shown}: failed to load: ${(err as Error)?.message ?? String(err)}`, err);
      }
      for (const value of Object.values(module)) {
        // The same object re-exported by another file counts once.
        if (kindOf(value) !== undefined && !seen.has(value)) {
          seen.add(value);
          found.push({ value, file: shown });
        }
      }
    }
  });
  return toRepoDefinitions(found);
}

function isFstoreError(err: unknown): err is FstoreError {
  if (err instanceof FstoreError) return true;
  const e = err as { name?: unknown; code?: unknown } | null;
  return (
    typeof e === "object" &&
    e !== null &&
    e.name === "FstoreError" &&
    Object.values(Code).includes(e.code as Code)
  );
}

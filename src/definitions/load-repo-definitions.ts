import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";
import { Code, FstoreError, invalidArgument, notFound } from "../errors/index.js";
import type { RepoDefinitions } from "../registry/model.js";
import { kindOf } from "./definition-kind.js";
import { type FoundDefinition, toRepoDefinitions } from "./to-model.js";

/**
 * The definition files of a repository: its top-level `*.ts` files, except
 * `_*.ts` (helpers such as the data generator), `*.test.ts`, `*.spec.ts` and
 * `*.d.ts`. Subfolders (data/, scripts) are not scanned.
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
    .filter((n) => n.endsWith(".ts") && !n.startsWith("_") && !/\.(test|spec|d)\.ts$/.test(n))
    .sort()
    .map((n) => join(repoPath, n));
}

let loads = 0;

/**
 * Imports every definition file of the repository and converts the exported
 * definition objects (Entity, FileSource, PushSource, FeatureView,
 * FeatureService, OnDemandFeatureView) into the registry model. Each call
 * loads the files afresh (a new tsx namespace), so edits are always seen.
 * Errors name the file, the object and the field.
 */
export async function loadRepoDefinitions(repoPath: string): Promise<RepoDefinitions> {
  const repo = resolve(repoPath);
  const files = definitionFiles(repo);
  loads += 1;
  const api = register({ namespace: `fstore-repo-${process.pid}-${loads}-${Date.now()}` });
  const found: FoundDefinition[] = [];
  const seen = new Set<unknown>();
  try {
    for (const file of files) {
      const shown = relative(repo, file);
      let module: Record<string, unknown>;
      try {
        module = await api.import(pathToFileURL(file).href, import.meta.url);
      } catch (err) {
        // The repository loads its own copy of fstore's modules, so its errors are FstoreErrors by shape.
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
  } finally {
    await api.unregister();
  }
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

/**
 * A repository's data generator: a `_generate_data` file (TypeScript or
 * JavaScript) exporting `ensureExampleData(repoPath)`, which writes the
 * repository's Parquet if it is missing and returns what it generated (or
 * undefined when the data was already there). `fstore init` and
 * `fstore serve --init` call it.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { withRepoModules } from "../definitions/repo-modules.js";
import { invalidArgument } from "../errors/index.js";

const GENERATOR_FILES = [
  "_generate_data.ts",
  "_generate_data.mts",
  "_generate_data.js",
  "_generate_data.mjs",
];

export interface RepoDataResult {
  /** The generator file, or undefined when the repository has none. */
  generator: string | undefined;
  /** True when data was written, false when it was already there. */
  generated: boolean;
}

/** Runs the repository's `ensureExampleData`, if it has a generator. */
export async function ensureRepoData(repoPath: string): Promise<RepoDataResult> {
  const repo = resolve(repoPath);
  const generator = GENERATOR_FILES.map((f) => join(repo, f)).find((f) => existsSync(f));
  if (!generator) return { generator: undefined, generated: false };
  return withRepoModules(async (load) => {
    const module = await load(generator);
    const ensure = module.ensureExampleData;
    if (typeof ensure !== "function") {
      throw invalidArgument(`${generator}: expected it to export ensureExampleData(repoPath)`);
    }
    const generated = await (ensure as (repoPath: string) => unknown)(repo);
    return { generator, generated: generated !== undefined };
  });
}

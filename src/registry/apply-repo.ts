import type { Env } from "../config/env-substitution.js";
import { loadRepoConfig } from "../config/load-repo-config.js";
import type { RepoConfig } from "../config/types.js";
import { loadRepoDefinitions } from "../definitions/load-repo-definitions.js";
import type { RepoDefinitions } from "./model.js";
import type { PlannedChange } from "./registry.js";
import { openRegistry } from "./sqlite-registry.js";
import { validateSources } from "./validate-sources.js";

/** What `planRepo`/`applyRepo` found and did. */
export interface RepoPlan {
  config: RepoConfig;
  definitions: RepoDefinitions;
  /** Adds, changes (with properties) and removes; empty when the registry is up to date. */
  changes: PlannedChange[];
  /** The registry version after the operation (unchanged by a plan). */
  version: number;
}

/**
 * Loads and validates a repository (config, definitions, every source against
 * its Parquet) and reports what `applyRepo` would change. Writes nothing.
 */
export async function planRepo(repoPath: string, env: Env = process.env): Promise<RepoPlan> {
  const { config, definitions } = await loadValidated(repoPath, env);
  const registry = openRegistry(config);
  try {
    return { config, definitions, changes: registry.plan(definitions), version: registry.snapshot().version };
  } finally {
    registry.close();
  }
}

/**
 * Validates the repository like `planRepo`, then writes the registry in one
 * transaction: on any error nothing changes. Running servers see the new
 * version within their registry cache ttl.
 */
export async function applyRepo(repoPath: string, env: Env = process.env): Promise<RepoPlan> {
  const { config, definitions } = await loadValidated(repoPath, env);
  const registry = openRegistry(config);
  try {
    const changes = registry.apply(definitions);
    return { config, definitions, changes, version: registry.snapshot().version };
  } finally {
    registry.close();
  }
}

async function loadValidated(repoPath: string, env: Env) {
  const config = loadRepoConfig(repoPath, env);
  const definitions = await loadRepoDefinitions(config.repoPath);
  await validateSources(config.repoPath, definitions);
  return { config, definitions };
}

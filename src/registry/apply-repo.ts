import type { Env } from "../config/env-substitution.js";
import { loadRepoConfig } from "../config/load-repo-config.js";
import type { RepoConfig } from "../config/types.js";
import { loadRepoDefinitions } from "../definitions/load-repo-definitions.js";
import { FstoreError } from "../errors/index.js";
import {
  closeLineage,
  type Lineage,
  openLineage,
  openLineageStore,
  recordAppliedVersions,
  startApplyRun,
  withVersions,
} from "../lineage/index.js";
import { backfillStreamViews, streamViewsToBackfill } from "../materialize/stream-backfill.js";
import { createOnlineStore } from "../online/create-online-store.js";
import type { FeatureViewDef, RepoDefinitions } from "./model.js";
import { openRegistry } from "./open-registry.js";
import type { PlannedChange } from "./registry.js";
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
  const registry = await openRegistry(config);
  const lineage = openLineageStore(config);
  try {
    const changes = withVersions(
      await registry.plan(definitions),
      definitions,
      await lineage.latestVersions(),
    );
    return { config, definitions, changes, version: registry.snapshot().version };
  } finally {
    await registry.close();
    await lineage.close();
  }
}

/** Options of `applyRepo`. */
export interface ApplyOptions {
  /** The identity applying (recorded in the object versions when auth is on). */
  appliedBy?: string;
}

/** What `applyRepo` did beyond the plan. */
export interface AppliedRepo extends RepoPlan {
  /** Removed feature views whose online rows were deleted. */
  deletedOnlineViews: string[];
  /** Added or changed stream views whose online tiles were built from their raw events. */
  backfilledStreamViews: string[];
}

/**
 * Validates the repository like `planRepo`, then writes the registry in one
 * transaction: on any error nothing changes. Running servers see the new
 * version within their registry cache ttl. Once the registry has committed,
 * the online rows of removed views are deleted (Feast's infra update): a view
 * applied again later starts empty rather than serving values nobody owns;
 * added or changed stream views get their online tiles from the raw events
 * already kept (src/materialize/stream-backfill.ts).
 */
export async function applyRepo(
  repoPath: string,
  env: Env = process.env,
  options: ApplyOptions = {},
): Promise<AppliedRepo> {
  const config = loadRepoConfig(repoPath, env);
  const lineage = openLineage(config);
  const run = startApplyRun(lineage);
  try {
    const applied = await applyLoaded(config, lineage, options);
    run.complete(applied.definitions, applied.changes);
    return applied;
  } catch (err) {
    run.fail(err);
    throw err;
  } finally {
    await closeLineage(lineage);
  }
}

async function applyLoaded(
  config: RepoConfig,
  lineage: Lineage,
  options: ApplyOptions,
): Promise<AppliedRepo> {
  const definitions = await loadRepoDefinitions(config.repoPath);
  await validateSources(config.repoPath, definitions);
  const registry = await openRegistry(config);
  let plan: RepoPlan;
  let removed: FeatureViewDef[];
  let backfilled: string[] = [];
  try {
    const before = registry.snapshot().featureViews;
    const latest = await lineage.store.latestVersions();
    const changes = withVersions(await registry.apply(definitions), definitions, latest);
    // After the registry commit: a failure here is repaired by the next apply (versions reconcile by hash).
    await recordAppliedVersions(lineage.store, definitions, {
      repoPath: config.repoPath,
      ...(options.appliedBy ? { appliedBy: options.appliedBy } : {}),
    }).catch((err) => {
      const e = FstoreError.from(err);
      throw new FstoreError(
        e.code,
        `registry applied, but recording the object versions failed: ${e.message}; the next apply records them`,
        { cause: err },
      );
    });
    removed = changes
      .filter((c) => c.kind === "remove" && c.objectType === "feature_view")
      .flatMap((c) => before.get(c.name) ?? []);
    plan = { config, definitions, changes, version: registry.snapshot().version };
    // New or changed stream views get their tiles from the raw events already kept.
    const streams = streamViewsToBackfill(changes, registry.snapshot().featureViews);
    try {
      backfilled = await backfillStreamViews(config, registry, streams);
    } catch (err) {
      const e = FstoreError.from(err);
      throw new FstoreError(
        e.code,
        `registry applied (version ${plan.version}), but building the online tiles of stream view(s) ${streams.map((v) => `"${v.name}"`).join(", ")} from their raw events failed: ${e.message}; run \`fstore materialize\` for them`,
        { cause: err },
      );
    }
  } finally {
    await registry.close();
  }
  if (removed.length > 0) await deleteOnlineRows(plan, removed);
  return { ...plan, deletedOnlineViews: removed.map((v) => v.name), backfilledStreamViews: backfilled };
}

async function deleteOnlineRows(plan: RepoPlan, views: FeatureViewDef[]): Promise<void> {
  const store = createOnlineStore(plan.config);
  const names = views.map((v) => `"${v.name}"`).join(", ");
  try {
    for (const view of views) await store.deleteView(view);
  } catch (err) {
    const e = FstoreError.from(err);
    throw new FstoreError(
      e.code,
      `registry applied (version ${plan.version}), but deleting the online rows of removed view(s) ${names} failed: ${e.message}; they stay in the online store until \`fstore teardown\``,
      { cause: err },
    );
  } finally {
    await store.close();
  }
}

async function loadValidated(repoPath: string, env: Env) {
  const config = loadRepoConfig(repoPath, env);
  const definitions = await loadRepoDefinitions(config.repoPath);
  await validateSources(config.repoPath, definitions);
  return { config, definitions };
}

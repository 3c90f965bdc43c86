/**
 * Versions around `apply` and `plan`: which version each change will create,
 * and storing the versions of an apply with its provenance (identity, git).
 */
import type { RepoDefinitions } from "../registry/model.js";
import type { PlannedChange } from "../registry/registry.js";
import { gitState } from "./git-state.js";
import type { LineageStore } from "./lineage-store.js";
import { type LatestVersions, type ObjectVersion, objectKey, versionsToCreate } from "./object-versions.js";

/** `changes` with the version each add or change creates, or keeps (removes have none). */
export function withVersions(
  changes: readonly PlannedChange[],
  defs: RepoDefinitions,
  latest: LatestVersions,
): PlannedChange[] {
  const created = new Map(
    versionsToCreate(defs, latest, {
      appliedAt: new Date(0),
      appliedBy: "",
      gitCommit: "",
      gitDirty: false,
    }).map((v) => [objectKey(v.kind, v.name), v.version]),
  );
  return changes.map((c) => {
    const key = objectKey(c.objectType, c.name);
    // An object added back exactly as its latest version was keeps that version.
    const version = c.kind === "remove" ? undefined : (created.get(key) ?? latest.get(key)?.version);
    return version === undefined ? { ...c } : { ...c, version };
  });
}

/**
 * Stores a version of every object of `defs` whose content differs from its
 * latest version, stamped with the time, `appliedBy` and the repository's git
 * state. Returns what it stored.
 */
export async function recordAppliedVersions(
  store: LineageStore,
  defs: RepoDefinitions,
  options: { repoPath: string; appliedBy?: string; appliedAt?: Date },
): Promise<ObjectVersion[]> {
  const git = await gitState(options.repoPath);
  const latest = await store.latestVersions();
  const versions = versionsToCreate(defs, latest, {
    appliedAt: options.appliedAt ?? new Date(),
    appliedBy: options.appliedBy ?? "",
    gitCommit: git.commit,
    gitDirty: git.dirty,
  });
  await store.recordVersions(versions);
  return versions;
}

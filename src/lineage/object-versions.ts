/**
 * Immutable object versions. Every apply that changes an object stores its
 * whole definition as a new version (1, 2, ...) with a content hash; an object
 * whose hash equals its latest version's keeps that version. Deciding which
 * versions an apply creates is pure (here); storing them is the lineage
 * store's job.
 *
 * Versions are reconciled against the latest stored hash rather than the
 * registry's own change list, so an apply whose version write failed (the
 * registry committed, the versions did not) is repaired by the next apply,
 * and a registry that predates versioning gets version 1 of every object.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../definitions/canonical-json.js";
import type { FeatureServiceDef, RepoDefinitions } from "../registry/model.js";
import { type NamedDef, OBJECT_TYPES, type ObjectType, objectTableOf } from "../registry/plan-diff.js";

/** One stored version of a registry object. */
export interface ObjectVersion {
  kind: ObjectType;
  name: string;
  /** 1 for the first definition, then +1 per change. */
  version: number;
  /** "sha256:" + hex of the canonical JSON of the definition. */
  contentHash: string;
  /** The whole definition (model form). */
  definition: NamedDef;
  createdAt: Date;
  /** The identity that applied it, when known (auth on); "" otherwise. */
  appliedBy: string;
  /** HEAD of the repository when it is a git checkout; "" otherwise. */
  gitCommit: string;
  /** Whether the checkout had uncommitted changes. */
  gitDirty: boolean;
  /**
   * For feature services and on-demand views: the version of every view they
   * read at the time ("feature_view/name" -> version), so a pinned request can
   * tell what changed since.
   */
  dependencies: Record<string, number>;
}

/** The latest version and hash of each object, by "kind/name". */
export type LatestVersions = ReadonlyMap<string, { version: number; contentHash: string }>;

/** Who applied, and from which commit. */
export interface ApplyProvenance {
  appliedAt: Date;
  appliedBy: string;
  gitCommit: string;
  gitDirty: boolean;
}

export function objectKey(kind: string, name: string): string {
  return `${kind}/${name}`;
}

/** The content hash of a definition: equal definitions hash equal whatever their key order. */
export function contentHash(definition: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(definition)).digest("hex")}`;
}

/**
 * The versions an apply of `defs` creates: one per object whose hash differs
 * from its latest stored version (or that has none), in dependency order, so
 * a service's dependencies point at the views' new versions.
 */
export function versionsToCreate(
  defs: RepoDefinitions,
  latest: LatestVersions,
  provenance: ApplyProvenance,
): ObjectVersion[] {
  const table = objectTableOf(defs);
  const current = new Map<string, number>();
  for (const [key, v] of latest) current.set(key, v.version);
  const created: ObjectVersion[] = [];
  for (const kind of OBJECT_TYPES) {
    for (const [name, definition] of [...(table.get(kind) ?? new Map<string, NamedDef>())].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      const key = objectKey(kind, name);
      const hash = contentHash(definition);
      const before = latest.get(key);
      if (before && before.contentHash === hash) continue;
      const version = (before?.version ?? 0) + 1;
      current.set(key, version);
      created.push({
        kind,
        name,
        version,
        contentHash: hash,
        definition,
        createdAt: provenance.appliedAt,
        appliedBy: provenance.appliedBy,
        gitCommit: provenance.gitCommit,
        gitDirty: provenance.gitDirty,
        dependencies: dependenciesOf(kind, definition, current),
      });
    }
  }
  return created;
}

function dependenciesOf(kind: ObjectType, def: NamedDef, current: ReadonlyMap<string, number>) {
  if (kind !== "feature_service" && kind !== "on_demand_feature_view") return {};
  const projections =
    kind === "feature_service"
      ? (def as FeatureServiceDef).projections
      : (def as unknown as { sources: FeatureServiceDef["projections"] }).sources;
  const out: Record<string, number> = {};
  for (const p of projections) {
    for (const k of ["feature_view", "on_demand_feature_view"]) {
      const v = current.get(objectKey(k, p.featureView));
      if (v !== undefined) out[objectKey(k, p.featureView)] = v;
    }
  }
  return out;
}

/** Splits "name@N" into the name and version; a plain name has no version. */
export function parseVersionedName(text: string): { name: string; version?: number } {
  const at = text.lastIndexOf("@");
  if (at < 0) return { name: text };
  const digits = text.slice(at + 1);
  if (!/^[1-9][0-9]{0,8}$/.test(digits)) return { name: text };
  return { name: text.slice(0, at), version: Number(digits) };
}

/**
 * Feature services requested at a version (`vehicle_model_v1@3`), online and
 * offline. A pinned service stands for the features its version N selected,
 * with the types they had then; it is served from today's views when they
 * still hold every one of those features with the same type, and fails with
 * FAILED_PRECONDITION naming each incompatible change (a view or feature
 * removed, a feature retyped) otherwise. The selection is rewritten into
 * plain feature references, so every planner serves it unchanged.
 */
import { failedPrecondition, invalidArgument, notFound } from "../errors/index.js";
import type { FeatureSelection } from "../registry/feature-selection.js";
import type { FeatureServiceDef, FieldDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { valueTypeName } from "../values/index.js";
import type { LineageStore } from "./lineage-store.js";
import { type ObjectVersion, objectKey, parseVersionedName } from "./object-versions.js";

/** Whether a selection names a feature service at a version (a cheap test for the hot path). */
export function hasPinnedService(names: readonly string[] | undefined): boolean {
  return names?.some((n) => n.includes("@")) ?? false;
}

/** The features a pinned service version selected, with their types then. */
export interface PinnedFeatures {
  service: string;
  version: number;
  features: { view: string; feature: FieldDef }[];
}

/**
 * What today's registry lacks of a pinned service's features: one message per
 * incompatible change; empty when the version can be served. Pure.
 */
export function pinnedIncompatibilities(pinned: PinnedFeatures, snapshot: RegistrySnapshot): string[] {
  const problems: string[] = [];
  const goneViews = new Set<string>();
  for (const { view, feature } of pinned.features) {
    const current = snapshot.featureViews.get(view) ?? snapshot.onDemandFeatureViews.get(view);
    if (!current) {
      if (!goneViews.has(view)) problems.push(`feature view "${view}" was removed`);
      goneViews.add(view);
      continue;
    }
    const now = current.features.find((f) => f.name === feature.name);
    if (!now) problems.push(`feature "${view}:${feature.name}" was removed`);
    else if (feature.dtype >= 0 && now.dtype !== feature.dtype) {
      problems.push(
        `feature "${view}:${feature.name}" was retyped from ${valueTypeName(feature.dtype)} to ${valueTypeName(now.dtype)}`,
      );
    }
  }
  return problems;
}

/** Loads what version `version` of service `name` selected (NOT_FOUND when there is no such version). */
export async function pinnedFeatures(
  store: LineageStore,
  name: string,
  version: number,
): Promise<PinnedFeatures> {
  const service = await store.version("feature_service", name, version);
  if (!service) {
    const history = await store.history(name, "feature_service");
    const known = history.length > 0 ? `versions 1 to ${history.length}` : "no recorded versions";
    throw notFound(`feature service "${name}" has no version ${version} (it has ${known})`);
  }
  const def = service.definition as FeatureServiceDef;
  const features: PinnedFeatures["features"] = [];
  for (const p of def.projections) {
    const viewVersion = await dependencyOf(store, service, p.featureView);
    const fields = (viewVersion?.definition as { features?: FieldDef[] } | undefined)?.features ?? [];
    const names = p.features.length > 0 ? p.features : fields.map((f) => f.name);
    for (const featureName of names) {
      const field = fields.find((f) => f.name === featureName);
      // A view version that was not recorded (applied before versioning): names only, types unchecked.
      features.push({
        view: p.featureView,
        feature: field ?? { name: featureName, dtype: -1 as never, description: "", tags: {} },
      });
    }
  }
  return { service: name, version, features };
}

async function dependencyOf(
  store: LineageStore,
  service: ObjectVersion,
  view: string,
): Promise<ObjectVersion | undefined> {
  for (const kind of ["feature_view", "on_demand_feature_view"]) {
    const v = service.dependencies[objectKey(kind, view)];
    if (v !== undefined) return store.version(kind, view, v);
  }
  return undefined;
}

/** Resolves pinned services of selections against one lineage store, caching per registry version. */
export interface PinnedSelectionResolver {
  /** The selection with every `name@N` (and any other service beside it) as feature references. */
  resolve(selection: FeatureSelection, snapshot: RegistrySnapshot): Promise<FeatureSelection>;
}

const MAX_CACHED = 256;

export function createPinnedSelectionResolver(store: () => LineageStore): PinnedSelectionResolver {
  const cache = new Map<string, PinnedFeatures>();
  const load = async (name: string, version: number) => {
    const key = `${name}@${version}`;
    let pinned = cache.get(key);
    if (!pinned) {
      pinned = await pinnedFeatures(store(), name, version);
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(key, pinned);
    }
    return pinned;
  };
  return {
    async resolve(selection, snapshot) {
      if (selection.kind !== "services" || !hasPinnedService(selection.names)) return selection;
      const refs: string[] = [];
      for (const text of selection.names) {
        const { name, version } = parseVersionedName(text);
        if (version === undefined) {
          if (text.includes("@")) {
            throw invalidArgument(
              `malformed pinned feature service "${text}": expected "name@N" with N >= 1`,
            );
          }
          refs.push(...currentRefs(snapshot, name));
          continue;
        }
        // Versions are immutable: only the compatibility check depends on today's registry.
        const pinned = await load(name, version);
        const problems = pinnedIncompatibilities(pinned, snapshot);
        if (problems.length > 0) {
          throw failedPrecondition(
            `feature service "${text}" cannot be served: since version ${version}, ${problems.slice(0, 10).join("; ")}${problems.length > 10 ? `; and ${problems.length - 10} more` : ""}`,
          );
        }
        for (const f of pinned.features) refs.push(`${f.view}:${f.feature.name}`);
      }
      return { kind: "features", refs: [...new Set(refs)] };
    },
  };
}

function currentRefs(snapshot: RegistrySnapshot, name: string): string[] {
  const service = snapshot.featureServices.get(name);
  if (!service) throw notFound(`feature service "${name}" is not in the registry`);
  const refs: string[] = [];
  for (const p of service.projections) {
    const view = snapshot.featureViews.get(p.featureView) ?? snapshot.onDemandFeatureViews.get(p.featureView);
    const features = p.features.length > 0 ? p.features : (view?.features ?? []).map((f) => f.name);
    for (const f of features) refs.push(`${p.featureView}:${f}`);
  }
  return refs;
}

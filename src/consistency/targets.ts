/**
 * Which features a validation checks: chosen views, a feature service, or by
 * default every online view. Pure over a registry snapshot.
 */
import { failedPrecondition, invalidArgument, notFound } from "../errors/index.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";

/** The features of one view to check. */
export interface ViewTarget {
  view: FeatureViewDef;
  /** Feature names, in the view's order. */
  features: string[];
}

export interface TargetSelection {
  featureViews: readonly string[];
  /** Empty string: none. */
  featureService: string;
}

/**
 * The views and features to check. Named views contribute all their features,
 * a service its projections (on-demand views are skipped: they are computed at
 * request time, nothing is stored to compare); both may be combined. Unknown
 * names are NOT_FOUND; a named view that is not online is FAILED_PRECONDITION.
 */
export function resolveTargets(snapshot: RegistrySnapshot, selection: TargetSelection): ViewTarget[] {
  const wanted = new Map<string, Set<string>>();
  const add = (view: FeatureViewDef, features: readonly string[]) => {
    const set = wanted.get(view.name) ?? new Set<string>();
    for (const f of features) set.add(f);
    wanted.set(view.name, set);
  };
  const onlineView = (name: string, why: string): FeatureViewDef => {
    const view = snapshot.featureViews.get(name);
    if (!view) {
      const known = [...snapshot.featureViews.keys()].sort().join(", ") || "none";
      throw notFound(`feature view "${name}" not found${why} (known views: ${known})`);
    }
    if (!view.online) {
      throw failedPrecondition(
        `feature view "${name}"${why} is not online (online: false): it has no online values to validate`,
      );
    }
    return view;
  };

  for (const name of selection.featureViews) {
    if (name === "") throw invalidArgument("feature view names must not be empty");
    const view = onlineView(name, "");
    add(
      view,
      view.features.map((f) => f.name),
    );
  }
  if (selection.featureService !== "") {
    const service = snapshot.featureServices.get(selection.featureService);
    if (!service) throw notFound(`feature service "${selection.featureService}" not found`);
    for (const p of service.projections) {
      if (snapshot.onDemandFeatureViews.has(p.featureView)) continue;
      add(onlineView(p.featureView, ` (in feature service "${service.name}")`), p.features);
    }
  }
  if (selection.featureViews.length === 0 && selection.featureService === "") {
    for (const view of snapshot.featureViews.values()) {
      if (view.online)
        add(
          view,
          view.features.map((f) => f.name),
        );
    }
  }

  const targets: ViewTarget[] = [];
  for (const [name, set] of wanted) {
    const view = snapshot.featureViews.get(name) as FeatureViewDef;
    const features = view.features.map((f) => f.name).filter((f) => set.has(f));
    const unknown = [...set].filter((f) => !view.features.some((d) => d.name === f));
    if (unknown.length > 0) throw notFound(`feature "${name}:${unknown[0]}" not found in view "${name}"`);
    if (features.length > 0) targets.push({ view, features });
  }
  targets.sort((a, b) => a.view.name.localeCompare(b.view.name));
  return targets;
}

/**
 * Which features a validation checks: chosen views and the request's feature
 * selection (references or services), or by default every online view. Pure
 * over a registry snapshot.
 */
import { failedPrecondition, invalidArgument, notFound } from "../errors/index.js";
import { type FeatureSelection, parseFeatureRef } from "../registry/feature-selection.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";

/** The features of one view to check. */
export interface ViewTarget {
  view: FeatureViewDef;
  /** Feature names, in the view's order. */
  features: string[];
}

export interface TargetSelection {
  /** Views whose every feature to check. */
  featureViews: readonly string[];
  /** References or services to check; undefined for none. */
  features?: FeatureSelection | undefined;
}

/**
 * The views and features to check. Named views contribute all their
 * features, references their feature, services their projections (on-demand
 * views are skipped: they are computed at request time, nothing is stored to
 * compare; a reference to one is INVALID_ARGUMENT); views and features may be
 * combined. Unknown names are NOT_FOUND; a view that is not online is
 * FAILED_PRECONDITION.
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
  const chosen = selection.features;
  if (chosen?.kind === "features") {
    for (const ref of chosen.refs) {
      const { view, feature } = parseFeatureRef(ref);
      if (snapshot.onDemandFeatureViews.has(view)) {
        throw invalidArgument(
          `feature "${ref}" belongs to on-demand feature view "${view}": it is computed at request time, nothing stored to validate`,
        );
      }
      add(onlineView(view, ` (in feature "${ref}")`), [feature]);
    }
  }
  for (const name of chosen?.kind === "services" ? chosen.names : []) {
    const service = snapshot.featureServices.get(name);
    if (!service) throw notFound(`feature service "${name}" not found`);
    for (const p of service.projections) {
      if (snapshot.onDemandFeatureViews.has(p.featureView)) continue;
      const view = onlineView(p.featureView, ` (in feature service "${service.name}")`);
      add(view, p.features.length > 0 ? p.features : view.features.map((f) => f.name));
    }
  }
  if (selection.featureViews.length === 0 && chosen === undefined) {
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

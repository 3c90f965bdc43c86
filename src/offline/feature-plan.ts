/**
 * Which features a historical request asks for: "view:feature" references
 * and feature services resolved against the registry into one selection per
 * view, with the output column of every feature.
 */
import { Code, FstoreError, invalidArgument, notFound } from "../errors/index.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";

/** The features read from one view, in output order. */
export interface ViewSelection {
  view: FeatureViewDef;
  features: FieldDef[];
  /** Output column of each feature: "feature", or "view__feature" with full feature names. */
  outputNames: string[];
}

export interface FeaturePlan {
  /** One entry per view, in order of first mention. */
  views: ViewSelection[];
  /** The join keys the entity rows must carry: every selected view's, in order of first mention. */
  joinKeys: FieldDef[];
}

/** Name of the column that holds the entity rows' timestamps in the output. */
export const EVENT_TIMESTAMP = "event_timestamp";

/** Name of the per-view column holding the matched row's event timestamp. */
export function featureTimestampColumn(view: string): string {
  return `${view}__event_timestamp`;
}

/** Splits "view:feature"; anything else is INVALID_ARGUMENT. */
export function parseFeatureRef(ref: string): { view: string; feature: string } {
  const at = ref.indexOf(":");
  const view = ref.slice(0, at);
  const feature = ref.slice(at + 1);
  if (at <= 0 || feature === "" || feature.includes(":")) {
    throw invalidArgument(`malformed feature reference "${ref}": expected "view:feature"`);
  }
  return { view, feature };
}

/**
 * Resolves `refs` and `services` (mixed freely; a feature asked for twice is
 * read once). Unknown views, features and services are NOT_FOUND naming them;
 * an empty selection, or two features with the same output column, is
 * INVALID_ARGUMENT.
 */
export function planFeatures(
  snapshot: RegistrySnapshot,
  refs: readonly string[],
  services: readonly string[],
  fullFeatureNames: boolean,
): FeaturePlan {
  const wanted: { view: string; feature: string }[] = refs.map(parseFeatureRef);
  for (const name of services) {
    const service = snapshot.featureServices.get(name);
    if (!service) throw notFound(`feature service "${name}" is not in the registry`);
    for (const p of service.projections) {
      const view = snapshot.featureViews.get(p.featureView);
      if (!view) {
        if (snapshot.onDemandFeatureViews.has(p.featureView)) throw onDemandUnsupported(p.featureView);
        throw notFound(`feature service "${name}" uses feature view "${p.featureView}", not in the registry`);
      }
      const features = p.features.length > 0 ? p.features : view.features.map((f) => f.name);
      for (const feature of features) wanted.push({ view: p.featureView, feature });
    }
  }
  if (wanted.length === 0)
    throw invalidArgument("no features requested: give feature references or a feature service");

  const byView = new Map<string, ViewSelection>();
  const seen = new Set<string>();
  for (const { view: viewName, feature } of wanted) {
    const key = `${viewName}:${feature}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let sel = byView.get(viewName);
    if (!sel) {
      const view = snapshot.featureViews.get(viewName);
      if (!view) {
        if (snapshot.onDemandFeatureViews.has(viewName)) throw onDemandUnsupported(viewName);
        throw notFound(`feature view "${viewName}" is not in the registry`);
      }
      sel = { view, features: [], outputNames: [] };
      byView.set(viewName, sel);
    }
    const field = sel.view.features.find((f) => f.name === feature);
    if (!field) throw notFound(`feature "${feature}" is not in feature view "${viewName}"`);
    sel.features.push(field);
    sel.outputNames.push(fullFeatureNames ? `${viewName}__${feature}` : feature);
  }

  const views = [...byView.values()];
  const joinKeys: FieldDef[] = [];
  for (const { view } of views) {
    for (const key of view.entityColumns) {
      if (!joinKeys.some((k) => k.name === key.name)) joinKeys.push(key);
    }
  }
  return { views, joinKeys };
}

function onDemandUnsupported(name: string): FstoreError {
  return new FstoreError(
    Code.Unimplemented,
    `"${name}" is an on-demand feature view; historical retrieval serves batch feature views only (request its source features and compute it afterwards)`,
  );
}

/**
 * Refuses duplicate output columns, naming the clash and the fix.
 * `columns` are in output order, each with what produced it.
 */
export function checkUniqueColumns(columns: readonly { name: string; from: string }[]): void {
  const first = new Map<string, string>();
  for (const { name, from } of columns) {
    const prev = first.get(name);
    if (prev !== undefined) {
      throw invalidArgument(
        `output column "${name}" would hold both ${prev} and ${from}; set full_feature_names to name columns "view__feature"`,
      );
    }
    first.set(name, from);
  }
}

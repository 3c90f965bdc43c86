/**
 * Which features a historical request asks for: "view:feature" references
 * and feature services resolved against the registry into one selection per
 * view, with the output column of every feature.
 */
import { failedPrecondition, invalidArgument, notFound } from "../errors/index.js";
import { type FeatureSelection, parseFeatureRef } from "../registry/feature-selection.js";
import type { FeatureViewDef, FieldDef, OnDemandFeatureViewDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";

/** The features read from one view, in output order. */
export interface ViewSelection {
  view: FeatureViewDef;
  features: FieldDef[];
  /** Output column of each feature: "feature", or "view__feature" with full feature names. */
  outputNames: string[];
  /** Per feature: read only as an on-demand view's input, not part of the output. */
  hidden: boolean[];
}

/** An on-demand view of the request: its inputs (by udf input name) and requested outputs. */
export interface OdfvSelection {
  odfv: OnDemandFeatureViewDef;
  /**
   * Udf inputs read from the join: each source feature under its bare name
   * and as "view__feature" (as the online path passes them), with the
   * selected view and feature it comes from.
   */
  inputs: { name: string; view: string; feature: string }[];
  /** Request-data inputs: entity-row columns of the same name. */
  requestFields: FieldDef[];
  features: FieldDef[];
  /** Output column of each feature: "feature", or "odfv__feature" with full feature names. */
  outputNames: string[];
}

export interface FeaturePlan {
  /** One entry per view, in order of first mention. */
  views: ViewSelection[];
  /** The join keys the entity rows must carry: every selected view's, in order of first mention. */
  joinKeys: FieldDef[];
  /** On-demand views, in order of first mention; their outputs come after every view's features. */
  odfvs: OdfvSelection[];
}

/** Name of the column that holds the entity rows' timestamps in the output. */
export const EVENT_TIMESTAMP = "event_timestamp";

/** Name of the per-view column holding the matched row's event timestamp. */
export function featureTimestampColumn(view: string): string {
  return `${view}__event_timestamp`;
}

/**
 * Resolves a selection's references or services (a feature asked for twice is
 * read once). Unknown views, features and services are NOT_FOUND naming them;
 * a selection that comes to no feature, or two features with the same output
 * column, is INVALID_ARGUMENT.
 */
export function planFeatures(
  snapshot: RegistrySnapshot,
  selection: FeatureSelection,
  fullFeatureNames: boolean,
): FeaturePlan {
  const wanted: { view: string; feature: string }[] =
    selection.kind === "features" ? selection.refs.map(parseFeatureRef) : [];
  for (const name of selection.kind === "services" ? selection.names : []) {
    const service = snapshot.featureServices.get(name);
    if (!service) throw notFound(`feature service "${name}" is not in the registry`);
    for (const p of service.projections) {
      const view =
        snapshot.featureViews.get(p.featureView) ?? snapshot.onDemandFeatureViews.get(p.featureView);
      if (!view) {
        throw notFound(`feature service "${name}" uses feature view "${p.featureView}", not in the registry`);
      }
      const features = p.features.length > 0 ? p.features : view.features.map((f) => f.name);
      for (const feature of features) wanted.push({ view: p.featureView, feature });
    }
  }
  if (wanted.length === 0)
    throw invalidArgument("no features requested: the selected feature services hold no features");

  const byView = new Map<string, ViewSelection>();
  const byOdfv = new Map<string, OdfvSelection>();
  const seen = new Set<string>();
  // A batch view's feature, visible or (as an on-demand input) hidden; a hidden one becomes
  // visible when it is requested too.
  const select = (viewName: string, feature: string, hidden: boolean, context: string) => {
    let sel = byView.get(viewName);
    if (!sel) {
      const view = snapshot.featureViews.get(viewName);
      if (!view) throw notFound(`${context}feature view "${viewName}" is not in the registry`);
      sel = { view, features: [], outputNames: [], hidden: [] };
      byView.set(viewName, sel);
    }
    const at = sel.features.findIndex((f) => f.name === feature);
    if (at >= 0) {
      if (!hidden && sel.hidden[at]) {
        sel.hidden[at] = false;
        sel.outputNames[at] = fullFeatureNames ? `${viewName}__${feature}` : feature;
      }
      return;
    }
    const field = sel.view.features.find((f) => f.name === feature);
    if (!field) throw notFound(`${context}feature "${feature}" is not in feature view "${viewName}"`);
    sel.features.push(field);
    sel.hidden.push(hidden);
    sel.outputNames.push(hidden ? "" : fullFeatureNames ? `${viewName}__${feature}` : feature);
  };
  for (const { view: viewName, feature } of wanted) {
    const key = `${viewName}:${feature}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const odfv = snapshot.featureViews.has(viewName)
      ? undefined
      : snapshot.onDemandFeatureViews.get(viewName);
    if (!odfv) {
      select(viewName, feature, false, "");
      continue;
    }
    let sel = byOdfv.get(viewName);
    if (!sel) {
      sel = { odfv, inputs: [], requestFields: [...odfv.requestSchema], features: [], outputNames: [] };
      byOdfv.set(viewName, sel);
      for (const src of odfv.sources) {
        const view = snapshot.featureViews.get(src.featureView);
        if (!view) {
          throw failedPrecondition(
            `on-demand feature view "${odfv.name}" reads "${src.featureView}", which is not a feature view in the registry`,
          );
        }
        const names = src.features.length > 0 ? src.features : view.features.map((f) => f.name);
        for (const f of names) {
          select(src.featureView, f, true, `on-demand feature view "${odfv.name}" reads a missing input: `);
          // Both the bare name (Feast's convention) and the qualified one, which never clashes.
          sel.inputs.push(
            { name: f, view: src.featureView, feature: f },
            { name: `${src.featureView}__${f}`, view: src.featureView, feature: f },
          );
        }
      }
    }
    const field = odfv.features.find((f) => f.name === feature);
    if (!field) throw notFound(`feature "${feature}" is not in on-demand feature view "${viewName}"`);
    sel.features.push(field);
    sel.outputNames.push(fullFeatureNames ? `${viewName}__${feature}` : feature);
  }
  // Hidden inputs get reserved column names the output never shows.
  [...byView.values()].forEach((sel, v) => {
    sel.outputNames = sel.outputNames.map((n, j) => (sel.hidden[j] ? `__in${v}_${j}` : n));
  });

  const views = [...byView.values()];
  const joinKeys: FieldDef[] = [];
  for (const { view } of views) {
    for (const key of view.entityColumns) {
      if (!joinKeys.some((k) => k.name === key.name)) joinKeys.push(key);
    }
  }
  return { views, joinKeys, odfvs: [...byOdfv.values()] };
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

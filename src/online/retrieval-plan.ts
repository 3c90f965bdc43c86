/**
 * What a GetOnlineFeatures request needs, worked out once per registry
 * version and request shape: the views to read (with the features to fetch,
 * including on-demand sources not requested themselves), the join keys and
 * request data to expect, and the output columns. Pure: a snapshot in, a
 * plan out; unknown names are NOT_FOUND, malformed ones INVALID_ARGUMENT.
 */
import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { failedPrecondition, invalidArgument, notFound } from "../errors/index.js";
import { type FeatureSelection, parseFeatureRef } from "../registry/feature-selection.js";
import type { FeatureViewDef, FieldDef, OnDemandFeatureViewDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";

/** One view to read: the features fetched, in the order they are asked of the store. */
export interface PlannedRead {
  view: FeatureViewDef;
  features: string[];
}

/** Where an output column's values come from. */
export type OutputSource =
  | { kind: "view"; read: number; feature: number }
  | { kind: "odfv"; step: number; feature: string };

export interface PlannedOutput {
  /** Column name: `feature`, or `view__feature` with full feature names. */
  name: string;
  dtype: ValueType;
  source: OutputSource;
}

/** An input column of an on-demand view: a source feature, or request data. */
export type OdfvInput =
  | { name: string; kind: "feature"; read: number; feature: number }
  | { name: string; kind: "request"; field: FieldDef };

export interface PlannedOdfv {
  odfv: OnDemandFeatureViewDef;
  inputs: OdfvInput[];
}

export interface RetrievalPlan {
  /** Join keys to expect among the entity columns, in first-use order. */
  joinKeys: FieldDef[];
  /** Which views need each join key (for error messages). */
  joinKeyUsers: Map<string, string[]>;
  reads: PlannedRead[];
  /** Per read: positions of the view's join keys in `joinKeys`. */
  readKeyColumns: number[][];
  odfvs: PlannedOdfv[];
  /** Request data to expect (request_context or extra entity columns). */
  requestFields: FieldDef[];
  outputs: PlannedOutput[];
}

/** The references a selection stands for (services expanded), deduplicated, in order. */
export function selectedRefs(snapshot: RegistrySnapshot, selection: FeatureSelection): string[] {
  if (selection.kind === "features") return [...new Set(selection.refs)];
  const refs: string[] = [];
  for (const name of selection.names) {
    const service = snapshot.featureServices.get(name);
    if (!service) {
      throw notFound(`feature service "${name}" not found in project "${snapshot.project}"`);
    }
    for (const p of service.projections) {
      const features =
        p.features.length > 0
          ? p.features
          : (
              snapshot.featureViews.get(p.featureView)?.features ??
              snapshot.onDemandFeatureViews.get(p.featureView)?.features ??
              []
            ).map((f) => f.name);
      for (const f of features) refs.push(`${p.featureView}:${f}`);
    }
  }
  return [...new Set(refs)];
}

/** Plans a request; every unknown view or feature is named in one NOT_FOUND. */
export function planRetrieval(
  snapshot: RegistrySnapshot,
  selection: FeatureSelection,
  fullFeatureNames: boolean,
): RetrievalPlan {
  const refs = selectedRefs(snapshot, selection);
  const parsed = refs.map(parseFeatureRef);
  const unknown: string[] = [];
  for (const { view, feature } of parsed) {
    const fv = snapshot.featureViews.get(view);
    const odfv = fv ? undefined : snapshot.onDemandFeatureViews.get(view);
    if (!fv && !odfv) unknown.push(`feature view "${view}"`);
    else if (!(fv ?? odfv)?.features.some((f) => f.name === feature)) {
      unknown.push(`feature "${feature}" in view "${view}"`);
    }
  }
  if (unknown.length > 0) {
    throw notFound(`not found in project "${snapshot.project}": ${[...new Set(unknown)].join(", ")}`);
  }

  const plan: RetrievalPlan = {
    joinKeys: [],
    joinKeyUsers: new Map(),
    reads: [],
    readKeyColumns: [],
    odfvs: [],
    requestFields: [],
    outputs: [],
  };
  const readIndex = new Map<string, number>();
  const readOf = (view: FeatureViewDef): number => {
    let r = readIndex.get(view.name);
    if (r === undefined) {
      if (!view.online) {
        throw failedPrecondition(`feature view "${view.name}" is not served online (online: false)`);
      }
      r = plan.reads.length;
      readIndex.set(view.name, r);
      plan.reads.push({ view, features: [] });
      plan.readKeyColumns.push(
        view.entityColumns.map((c) => {
          let k = plan.joinKeys.findIndex((j) => j.name === c.name);
          if (k < 0) {
            k = plan.joinKeys.length;
            plan.joinKeys.push(c);
          }
          plan.joinKeyUsers.set(c.name, [...(plan.joinKeyUsers.get(c.name) ?? []), view.name]);
          return k;
        }),
      );
    }
    return r;
  };
  const featureOf = (r: number, feature: string): number => {
    const read = plan.reads[r] as PlannedRead;
    let i = read.features.indexOf(feature);
    if (i < 0) {
      i = read.features.length;
      read.features.push(feature);
    }
    return i;
  };
  const odfvIndex = new Map<string, number>();
  const odfvOf = (odfv: OnDemandFeatureViewDef): number => {
    let s = odfvIndex.get(odfv.name);
    if (s !== undefined) return s;
    const inputs: OdfvInput[] = [];
    for (const src of odfv.sources) {
      const view = snapshot.featureViews.get(src.featureView);
      if (!view) {
        throw failedPrecondition(
          `on-demand feature view "${odfv.name}" reads "${src.featureView}", which is not a feature view in the registry`,
        );
      }
      const r = readOf(view);
      const names = src.features.length > 0 ? src.features : view.features.map((f) => f.name);
      for (const f of names) {
        if (!view.features.some((x) => x.name === f)) {
          throw failedPrecondition(
            `on-demand feature view "${odfv.name}" reads missing feature "${src.featureView}:${f}"`,
          );
        }
        const feature = featureOf(r, f);
        // Both the bare name (Feast's convention) and the qualified one, which never clashes.
        inputs.push(
          { name: f, kind: "feature", read: r, feature },
          { name: `${view.name}__${f}`, kind: "feature", read: r, feature },
        );
      }
    }
    for (const field of odfv.requestSchema) {
      inputs.push({ name: field.name, kind: "request", field });
      if (!plan.requestFields.some((x) => x.name === field.name)) plan.requestFields.push(field);
    }
    s = plan.odfvs.length;
    odfvIndex.set(odfv.name, s);
    plan.odfvs.push({ odfv, inputs });
    return s;
  };

  for (const { view, feature } of parsed) {
    const fv = snapshot.featureViews.get(view);
    const name = fullFeatureNames ? `${view}__${feature}` : feature;
    if (fv) {
      const r = readOf(fv);
      const dtype = (fv.features.find((f) => f.name === feature) as FieldDef).dtype;
      plan.outputs.push({ name, dtype, source: { kind: "view", read: r, feature: featureOf(r, feature) } });
    } else {
      const odfv = snapshot.onDemandFeatureViews.get(view) as OnDemandFeatureViewDef;
      const dtype = (odfv.features.find((f) => f.name === feature) as FieldDef).dtype;
      plan.outputs.push({ name, dtype, source: { kind: "odfv", step: odfvOf(odfv), feature } });
    }
  }

  // Output names must be unique: without full names, two views' "x" would be indistinguishable.
  const seen = new Map<string, string>();
  parsed.forEach(({ view }, i) => {
    const out = plan.outputs[i] as PlannedOutput;
    const other = seen.get(out.name);
    if (other !== undefined) {
      throw invalidArgument(
        `feature name "${out.name}" is ambiguous: it is in views "${other}" and "${view}"; set full_feature_names`,
      );
    }
    seen.set(out.name, view);
  });
  for (const k of plan.joinKeys) {
    if (seen.has(k.name))
      throw invalidArgument(`feature name "${k.name}" clashes with a join key; set full_feature_names`);
  }
  return plan;
}

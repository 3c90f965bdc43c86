/**
 * What a request touches, as checks of actions on registry objects (pure):
 * the views of a feature selection (with the inputs of on-demand views and
 * the feature services themselves), the views a push feeds, the views and
 * batch sources of a materialization. Names the registry does not know are
 * left out: the handler then answers NOT_FOUND as it would without
 * permissions.
 */
import type { FeatureSelection } from "../registry/feature-selection.js";
import { batchSourceOf, type FeatureViewDef, type Tags } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import type { AccessCheck, Action, ProtectedObject, ProtectedType } from "./model.js";

export function protectedObject(type: ProtectedType, def: { name: string; tags: Tags }): ProtectedObject {
  return { type, name: def.name, tags: def.tags };
}

/** A view by name (feature view or on-demand view), or undefined. */
function viewObject(snapshot: RegistrySnapshot, name: string): ProtectedObject | undefined {
  const view = snapshot.featureViews.get(name);
  if (view) return protectedObject("FeatureView", view);
  const odfv = snapshot.onDemandFeatureViews.get(name);
  return odfv ? protectedObject("OnDemandFeatureView", odfv) : undefined;
}

/** Checks of `actions` on each named view and, for an on-demand view, on the views it reads. */
export function viewChecks(
  snapshot: RegistrySnapshot,
  views: Iterable<string>,
  actions: readonly Action[],
): AccessCheck[] {
  const objects = new Map<string, ProtectedObject>();
  const add = (name: string) => {
    if (objects.has(name)) return;
    const object = viewObject(snapshot, name);
    if (!object) return;
    objects.set(name, object);
    for (const source of snapshot.onDemandFeatureViews.get(name)?.sources ?? []) add(source.featureView);
  };
  for (const name of views) add(name);
  return [...objects.values()].flatMap((object) => actions.map((action) => ({ object, action })));
}

/** Checks for reading a feature selection: each feature service, each view, each on-demand view's inputs. */
export function selectionChecks(
  snapshot: RegistrySnapshot,
  selection: FeatureSelection,
  actions: readonly Action[],
): AccessCheck[] {
  if (selection.kind === "features") {
    const views = new Set(selection.refs.map((ref) => ref.slice(0, Math.max(0, ref.indexOf(":")))));
    return viewChecks(snapshot, views, actions);
  }
  const checks: AccessCheck[] = [];
  const views = new Set<string>();
  for (const name of selection.names) {
    // A pinned "name@N" is checked as the service it is a version of.
    const service =
      snapshot.featureServices.get(name) ?? snapshot.featureServices.get(name.replace(/@[0-9]+$/, ""));
    if (!service) continue;
    const object = protectedObject("FeatureService", service);
    for (const action of actions) checks.push({ object, action });
    for (const p of service.projections) views.add(p.featureView);
  }
  return [...checks, ...viewChecks(snapshot, views, actions)];
}

/**
 * Checks for describing every current object named `name` (its versions or
 * lineage): a name may belong to several kinds. Objects that no longer exist
 * have no tags to match, so only authentication guards their history.
 */
export function namedObjectChecks(
  snapshot: RegistrySnapshot,
  name: string,
  actions: readonly Action[],
): AccessCheck[] {
  const objects: ProtectedObject[] = [];
  const add = (type: ProtectedType, def: { name: string; tags: Tags } | undefined) => {
    if (def) objects.push(protectedObject(type, def));
  };
  add("Entity", snapshot.entities.get(name));
  add("DataSource", snapshot.dataSources.get(name));
  add("FeatureView", snapshot.featureViews.get(name));
  add("OnDemandFeatureView", snapshot.onDemandFeatureViews.get(name));
  add("FeatureService", snapshot.featureServices.get(name));
  return objects.flatMap((object) => actions.map((action) => ({ object, action })));
}

/** The feature views a push to `name` (a push source, or one view) writes. */
/** The feature views a push to `name` (a push or stream source, or one view) writes. */
export function pushedViews(snapshot: RegistrySnapshot, name: string): FeatureViewDef[] {
  const source = snapshot.dataSources.get(name);
  if (source?.kind === "push" || source?.kind === "stream") {
    return [...snapshot.featureViews.values()].filter(
      (v) => v.source.kind === source.kind && v.source.name === name,
    );
  }
  const view = snapshot.featureViews.get(name);
  return view ? [view] : [];
}

/** Materializing `views`: WRITE_ONLINE on each view, READ_OFFLINE on the batch source it reads. */
export function materializeChecks(views: readonly FeatureViewDef[]): AccessCheck[] {
  const checks: AccessCheck[] = [];
  for (const view of views) {
    checks.push({ object: protectedObject("FeatureView", view), action: "WRITE_ONLINE" });
    checks.push({ object: protectedObject("DataSource", batchSourceOf(view)), action: "READ_OFFLINE" });
  }
  return checks;
}

/** What a stored profile was made of: its source and its features' names. */
export interface StoredProfileScope {
  source: { kind: "feature_view" | "feature_service" | "training_set" | "serving_log"; name: string };
  features: readonly { name: string }[];
}

/**
 * Checks for reading a stored profile: `actions` on its view or service (as
 * when profiling it by name) and on every view its features name
 * ("view:feature", or a training set's "view__feature" column), which also
 * covers a training set's service and a service whose views changed since.
 * Objects no longer in the registry are left out, like `namedObjectChecks`.
 */
export function storedProfileChecks(
  snapshot: RegistrySnapshot,
  profile: StoredProfileScope,
  actions: readonly Action[],
): AccessCheck[] {
  const { kind, name } = profile.source;
  const checks =
    kind === "feature_view"
      ? viewChecks(snapshot, [name], actions)
      : kind === "feature_service" || kind === "serving_log"
        ? selectionChecks(snapshot, { kind: "services", names: [name] }, actions)
        : [];
  const isView = (v: string) => snapshot.featureViews.has(v) || snapshot.onDemandFeatureViews.has(v);
  const views = new Set<string>();
  for (const { name: feature } of profile.features) {
    const colon = feature.indexOf(":");
    if (colon > 0) views.add(feature.slice(0, colon));
    const underscores = feature.indexOf("__");
    if (underscores > 0 && isView(feature.slice(0, underscores))) views.add(feature.slice(0, underscores));
  }
  const seen = new Set(checks.map((c) => `${c.object.type}\u0000${c.object.name}\u0000${c.action}`));
  for (const check of viewChecks(snapshot, views, actions)) {
    const key = `${check.object.type}\u0000${check.object.name}\u0000${check.action}`;
    if (!seen.has(key)) {
      seen.add(key);
      checks.push(check);
    }
  }
  return checks;
}

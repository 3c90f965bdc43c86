/**
 * The console's monitoring data: a feature's latest stored profile and its
 * drift against each baseline over time, and a service's baseline with the
 * drift of its latest profile. Read from the profile store that `fstore
 * monitor` (and the server's monitoring) writes; drift is recomputed here
 * with src/monitoring's own `featureDrift`, so the console and the CLI agree.
 */

import {
  type Baseline,
  compareProfiles,
  type DriftReport,
  type DriftThresholds,
  type FeatureProfile,
  featureDrift,
  type Profile,
  type ProfileSource,
  type ProfileStore,
  type Verdict,
} from "../monitoring/index.js";
import type { FeatureServiceDef, FeatureViewDef } from "../registry/index.js";
import { valueTypeName } from "../values/index.js";
import type { ConsoleSources, MayDescribe } from "./console-sources.js";
import { visibleObjects } from "./registry-data.js";

/** Profiles looked at per source (newest first). */
const PROFILES_PER_SOURCE = 100;

export interface ProfileRef {
  id: number | null;
  source: ProfileSource;
  window: Profile["window"];
  createdAt: string;
}

export interface DriftPoint {
  profile: ProfileRef;
  /** Where the point sits in time: the window's end, else when the profile was made. */
  at: string;
  psi: number | null;
  ks: number | null;
  js: number | null;
  coverage: number | null;
  coverageChange: number | null;
  verdict: Verdict;
  reasons: string[];
}

export interface DriftHistory {
  featureService: string;
  baseline: ProfileRef;
  thresholds: DriftThresholds;
  baselineFeature: FeatureProfile;
  /** Oldest first. */
  points: DriftPoint[];
}

export interface FeatureModel {
  featureView: string;
  feature: string;
  type: string;
  description: string;
  tags: Record<string, string>;
  /** The newest stored profile holding the feature, or null when none was made. */
  profile: { ref: ProfileRef; feature: FeatureProfile } | null;
  /** Visible services that include the feature. */
  featureServices: string[];
  /** One history per service with a baseline that holds the feature. */
  drift: DriftHistory[];
  /** Why monitoring shows nothing, when it does not (no profile store, no profile yet). */
  monitoringNote: string | null;
}

export interface ServiceMonitoringModel {
  baseline: { ref: ProfileRef; thresholds: DriftThresholds; saved: string } | null;
  /** The latest stored profile of the service compared with the baseline (drift), when there is one. */
  latest: DriftReport | null;
  latestProfile: ProfileRef | null;
  profiles: ProfileRef[];
  monitoringNote: string | null;
  /**
   * Features of `latest` left out because the caller may not READ_OFFLINE
   * their view (a service the caller may see can hold a view it may not
   * read): their statistics are not shown, and `latest.verdict` is that of
   * the rest.
   */
  hiddenFeatures: number;
}

const refOf = (p: Profile): ProfileRef => ({
  id: p.id,
  source: p.source,
  window: p.window,
  createdAt: p.createdAt,
});

const timeOf = (p: Profile) => p.window?.end ?? p.createdAt;

const NO_STORE = "the profile store cannot be opened (see the server's log)";

function servicesWith(
  services: readonly FeatureServiceDef[],
  view: string,
  feature: string,
): FeatureServiceDef[] {
  return services.filter((s) =>
    s.projections.some((p) => p.featureView === view && p.features.includes(feature)),
  );
}

async function listProfiles(store: ProfileStore, source: ProfileSource): Promise<Profile[]> {
  return await store.listProfiles(source, PROFILES_PER_SOURCE);
}

/** The drift of `name` in every profile of the service made after (and besides) the baseline, oldest first. */
export function driftHistory(
  baseline: Baseline,
  profiles: readonly Profile[],
  name: string,
): DriftHistory | undefined {
  const baselineFeature = baseline.profile.features.find((f) => f.name === name);
  if (!baselineFeature) return undefined;
  const points: DriftPoint[] = [];
  for (const p of profiles) {
    if (p.id === baseline.profile.id) continue;
    const current = p.features.find((f) => f.name === name);
    if (!current) continue;
    const d = featureDrift(baselineFeature, current, baseline.thresholds);
    points.push({
      profile: refOf(p),
      at: timeOf(p),
      psi: d.psi,
      ks: d.ks,
      js: d.js,
      coverage: d.currentCoverage,
      coverageChange: d.coverageChange,
      verdict: d.verdict,
      reasons: d.reasons,
    });
  }
  points.sort((a, b) => a.at.localeCompare(b.at) || (a.profile.id ?? 0) - (b.profile.id ?? 0));
  return {
    featureService: baseline.featureService,
    baseline: refOf(baseline.profile),
    thresholds: baseline.thresholds,
    baselineFeature,
    points,
  };
}

export async function featureModel(
  src: ConsoleSources,
  may: MayDescribe,
  viewName: string,
  featureName: string,
): Promise<FeatureModel | undefined> {
  const snapshot = src.registry.snapshot();
  const view: FeatureViewDef | undefined = snapshot.featureViews.get(viewName);
  if (!view || !may("FeatureView", view)) return undefined;
  const field = view.features.find((f) => f.name === featureName);
  if (!field) return undefined;
  const name = `${viewName}:${featureName}`;
  const services = servicesWith(visibleObjects(snapshot, may).featureServices, viewName, featureName);
  const model: FeatureModel = {
    featureView: viewName,
    feature: featureName,
    type: valueTypeName(field.dtype),
    description: field.description,
    tags: { ...field.tags },
    profile: null,
    featureServices: services.map((s) => s.name).sort(),
    drift: [],
    monitoringNote: null,
  };
  // Statistics are the view's data (top values, min and max): READ_OFFLINE, as GetFeatureStatistics asks.
  if (!may("FeatureView", view, "READ_OFFLINE")) {
    model.monitoringNote = `statistics of ${viewName} need READ_OFFLINE on it, which you do not have`;
    return model;
  }
  const store = src.profiles();
  if (!store) {
    model.monitoringNote = NO_STORE;
    return model;
  }
  const sources: ProfileSource[] = [
    { kind: "feature_view", name: viewName },
    ...services.flatMap((s): ProfileSource[] => [
      { kind: "feature_service", name: s.name },
      { kind: "serving_log", name: s.name },
    ]),
  ];
  let newest: { profile: Profile; feature: FeatureProfile } | undefined;
  const byService = new Map<string, Profile[]>();
  for (const source of sources) {
    const profiles = await listProfiles(store, source);
    if (source.kind !== "feature_view") {
      byService.set(source.name, [...(byService.get(source.name) ?? []), ...profiles]);
    }
    for (const p of profiles) {
      const f = p.features.find((x) => x.name === name);
      if (f && (!newest || p.createdAt > newest.profile.createdAt)) newest = { profile: p, feature: f };
    }
  }
  if (newest) model.profile = { ref: refOf(newest.profile), feature: newest.feature };
  for (const s of services) {
    const baseline = await store.getBaseline(s.name);
    if (!baseline) continue;
    const history = driftHistory(baseline, byService.get(s.name) ?? [], name);
    if (history) model.drift.push(history);
  }
  if (!newest) {
    model.monitoringNote = `no profile holds ${name} yet: fstore monitor profile --feature-view ${viewName} makes one`;
  }
  return model;
}

export async function serviceMonitoringModel(
  src: ConsoleSources,
  may: MayDescribe,
  service: string,
): Promise<ServiceMonitoringModel> {
  const store = src.profiles();
  const empty: ServiceMonitoringModel = {
    baseline: null,
    latest: null,
    latestProfile: null,
    profiles: [],
    monitoringNote: null,
    hiddenFeatures: 0,
  };
  if (!store) return { ...empty, monitoringNote: NO_STORE };
  const profiles = [
    ...(await listProfiles(store, { kind: "feature_service", name: service })),
    ...(await listProfiles(store, { kind: "serving_log", name: service })),
  ].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (b.id ?? 0) - (a.id ?? 0));
  const baseline = await store.getBaseline(service);
  const model: ServiceMonitoringModel = { ...empty, profiles: profiles.map(refOf) };
  if (!baseline) {
    model.monitoringNote = `no baseline yet: fstore monitor baseline --feature-service ${service} saves one`;
    return model;
  }
  model.baseline = {
    ref: refOf(baseline.profile),
    thresholds: baseline.thresholds,
    saved: new Date(baseline.saved).toISOString(),
  };
  const latest = profiles.find((p) => p.id !== baseline.profile.id);
  if (latest) {
    const report = compareProfiles(baseline.profile, latest, baseline.thresholds);
    const snapshot = src.registry.snapshot();
    // A view no longer in the registry has no tags to decide on (as for stored profiles over gRPC).
    const visible = (feature: string) => {
      const view = feature.slice(0, Math.max(0, feature.indexOf(":")));
      const fv = snapshot.featureViews.get(view);
      if (fv) return may("FeatureView", fv, "READ_OFFLINE");
      const odfv = snapshot.onDemandFeatureViews.get(view);
      return odfv ? may("OnDemandFeatureView", odfv, "READ_OFFLINE") : true;
    };
    const shown = report.features.filter((f) => visible(f.feature));
    model.hiddenFeatures = report.features.length - shown.length;
    model.latest = {
      ...report,
      features: shown,
      verdict: shown.some((f) => f.verdict === "alert")
        ? "alert"
        : shown.some((f) => f.verdict === "warn")
          ? "warn"
          : "ok",
    };
    model.latestProfile = refOf(latest);
  } else {
    model.monitoringNote = `no profile since the baseline: fstore monitor drift --feature-service ${service} makes one`;
  }
  return model;
}

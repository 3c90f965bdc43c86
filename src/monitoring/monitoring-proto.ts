/**
 * Profiles and drift reports as the GetFeatureStatistics and DetectDrift
 * messages, and the profile source a request selects. Pure.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type DetectDriftResponse,
  DetectDriftResponseSchema,
  type DriftThresholdSet,
  DriftThresholdSetSchema,
  type FeatureProfileSet,
  FeatureProfileSetSchema,
  type ProfileSourceSelector,
} from "../../gen/fstore/v1/monitoring_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { ProfileTarget } from "./compute-profile.js";
import type { DriftReport, DriftThresholds } from "./drift.js";
import { type Profile, QUANTILE_NAMES, QUANTILES } from "./profile.js";

/** The target a selector names; `trainingSetPath` resolves a training set's path (and checks it). */
export function targetOfSelector(
  selector: ProfileSourceSelector | undefined,
  trainingSetPath: (path: string) => string,
): ProfileTarget {
  const s = selector?.source;
  switch (s?.case) {
    case "featureView":
      return { kind: "feature_view", name: s.value };
    case "featureService":
      return { kind: "feature_service", name: s.value };
    case "servingLogs":
      return { kind: "serving_log", featureService: s.value };
    case "trainingSet":
      return {
        kind: "training_set",
        path: trainingSetPath(s.value),
        ...(selector?.trainingSetFeatureService
          ? { featureService: selector.trainingSetFeatureService }
          : {}),
      };
    default:
      throw invalidArgument(
        "source: set one of feature_view, feature_service, training_set or serving_logs (or profile_id)",
      );
  }
}

const timestamp = (iso: string | null | undefined) => (iso ? timestampFromDate(new Date(iso)) : undefined);

export function profileToProto(p: Profile): FeatureProfileSet {
  return create(FeatureProfileSetSchema, {
    id: BigInt(p.id ?? 0),
    sourceKind: p.source.kind,
    sourceName: p.source.name,
    windowStart: timestamp(p.window?.start),
    windowEnd: timestamp(p.window?.end),
    created: timestamp(p.createdAt),
    features: p.features.map((f) => ({
      name: f.name,
      valueType: f.valueType,
      kind: f.kind,
      rows: BigInt(f.rows),
      nonNull: BigInt(f.nonNull),
      coverage: f.coverage,
      ...(f.notFound !== null ? { notFoundShare: f.notFound } : {}),
      ...(f.outsideMaxAge !== null ? { outsideMaxAgeShare: f.outsideMaxAge } : {}),
      numeric: f.numeric
        ? {
            min: f.numeric.min,
            max: f.numeric.max,
            mean: f.numeric.mean,
            ...(f.numeric.stddev !== null ? { stddev: f.numeric.stddev } : {}),
            quantiles: QUANTILE_NAMES.map((name, i) => ({
              quantile: QUANTILES[i] as number,
              value: f.numeric?.quantiles[name] as number,
            })),
            edges: f.numeric.histogram.edges,
            counts: f.numeric.histogram.counts.map(BigInt),
            below: BigInt(f.numeric.histogram.below),
            above: BigInt(f.numeric.histogram.above),
          }
        : undefined,
      categorical: f.categorical
        ? {
            distinct: BigInt(f.categorical.distinct),
            top: f.categorical.top.map((t) => ({ value: t.value, count: BigInt(t.count) })),
          }
        : undefined,
    })),
  });
}

export function thresholdsToProto(t: DriftThresholds): DriftThresholdSet {
  return create(DriftThresholdSetSchema, { psi: t.psi, ks: t.ks, js: t.js, coverage: t.coverage });
}

export function driftToProto(r: DriftReport): DetectDriftResponse {
  const optional = (key: string, x: number | null) => (x === null ? {} : { [key]: x });
  return create(DetectDriftResponseSchema, {
    baselineProfileId: BigInt(r.baselineProfileId ?? 0),
    currentProfileId: BigInt(r.currentProfileId ?? 0),
    verdict: r.verdict,
    thresholds: thresholdsToProto(r.thresholds),
    features: r.features.map((f) => ({
      feature: f.feature,
      kind: f.kind,
      baselineRows: BigInt(f.baselineRows),
      currentRows: BigInt(f.currentRows),
      ...optional("psi", f.psi),
      ...optional("ks", f.ks),
      ...optional("js", f.js),
      baselineCoverage: f.baselineCoverage,
      ...optional("currentCoverage", f.currentCoverage),
      ...optional("coverageChange", f.coverageChange),
      verdict: f.verdict,
      reasons: f.reasons,
    })),
  });
}

/**
 * Feature monitoring: data-quality profiles of offline windows, training sets
 * (and serving logs), baselines per feature service, and drift with verdicts
 * (see SPEC.md, "Monitoring").
 */

// For the CLI (and later the server): computing and storing profiles.
export type { ProfileContext, ProfileRequest, ProfileTarget, SourceGroup } from "./compute-profile.js";
export { computeProfile, profileGroup, serviceFeatures, servingLogFolder } from "./compute-profile.js";
export type { DriftReport, DriftThresholds, FeatureDrift, Threshold, Verdict } from "./drift.js";
export { checkThresholds, compareProfiles, DEFAULT_THRESHOLDS, featureDrift, referenceOf } from "./drift.js";
export {
  jensenShannonDistance,
  kolmogorovSmirnov,
  PSI_EPSILON,
  populationStabilityIndex,
} from "./drift-metrics.js";
export { driftToProto, profileToProto, targetOfSelector, thresholdsToProto } from "./monitoring-proto.js";
// The pure parts: the profile model, its SQL, drift metrics and verdicts.
export type {
  CategoricalSummary,
  CategoryCount,
  FeatureKind,
  FeatureProfile,
  Histogram,
  NumericSummary,
  Profile,
  ProfileSource,
  ProfileSourceKind,
  QuantileName,
} from "./profile.js";
export { QUANTILE_NAMES, QUANTILES } from "./profile.js";
export type { ProfileColumn } from "./profile-sql.js";
export {
  DEFAULT_BINS,
  DEFAULT_TOP_VALUES,
  equalWidthEdges,
  featureKindOf,
  profileSql,
  profilesOf,
  rangeSql,
} from "./profile-sql.js";
export type { Baseline, ProfileStore } from "./profile-store.js";
export { openProfileStore } from "./profile-store.js";
export { formatDrift, formatNumber, formatProfile, formatRowSkew, textHistogram } from "./report-format.js";
export type { RowSkewExample, RowSkewFeature, RowSkewReport, RowSkewRequest } from "./row-skew.js";
export { computeRowSkew, DEFAULT_MAX_DIFFERING, DEFAULT_ROW_SKEW_EXAMPLES } from "./row-skew.js";
export type { RowSkewColumn } from "./row-skew-sql.js";
export { differsSql, rowSkewCountsSql, rowSkewExamplesSql, servedValueSql } from "./row-skew-sql.js";
export type { ServingSkew, ServingSkewRequest } from "./serving-skew.js";
export { computeServingSkew } from "./serving-skew.js";

/**
 * A data-quality profile: per feature, what one window of one source looked
 * like. The same shape holds an offline window of a feature view, a training
 * set's Parquet and (with the status shares filled) sampled serving logs, so
 * any two profiles of the same features can be compared for drift.
 */

/** The quantiles every numeric profile carries, in order. */
export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;
export type QuantileName = "p1" | "p5" | "p25" | "p50" | "p75" | "p95" | "p99";
export const QUANTILE_NAMES: readonly QuantileName[] = ["p1", "p5", "p25", "p50", "p75", "p95", "p99"];

/** How a feature is summarized: numbers get moments, quantiles and bins; strings and booleans counts. */
export type FeatureKind = "numeric" | "categorical" | "other";

/**
 * Counts over fixed bins: `edges` e0 < e1 < ... < eB give B bins, the first
 * [e0, e1], then (e_i, e_i+1]; `below` counts values < e0 and `above` values
 * > eB (both 0 when the bins came from the same data; a current profile
 * binned on a baseline's edges fills them). A constant column has edges
 * [v, v]: one bin holding v.
 */
export interface Histogram {
  edges: number[];
  counts: number[];
  below: number;
  above: number;
}

export interface NumericSummary {
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n - 1); null with fewer than 2 values. */
  stddev: number | null;
  /** Approximate (DuckDB's t-digest, bounded memory): within 1% of rank in the tests. */
  quantiles: Record<QuantileName, number>;
  histogram: Histogram;
}

export interface CategoryCount {
  value: string;
  count: number;
}

export interface CategoricalSummary {
  /** Distinct non-null values (exact). */
  distinct: number;
  /**
   * The most frequent values (count descending, then value), plus any value
   * the profile was asked to count (a baseline's categories), even at 0.
   */
  top: CategoryCount[];
}

export interface FeatureProfile {
  /** "view:feature", or the column name for a Parquet file profiled without a service. */
  name: string;
  /** The value type's name ("DOUBLE", "STRING", ...). */
  valueType: string;
  kind: FeatureKind;
  rows: number;
  nonNull: number;
  /** Share of rows with a value (nonNull / rows; 0 without rows). */
  coverage: number;
  /** Serving logs only: shares of rows served NOT_FOUND and OUTSIDE_MAX_AGE; null elsewhere. */
  notFound: number | null;
  outsideMaxAge: number | null;
  /** Numeric features with at least one value. */
  numeric: NumericSummary | null;
  /** String and boolean features (booleans as "true"/"false"). */
  categorical: CategoricalSummary | null;
}

export type ProfileSourceKind = "feature_view" | "feature_service" | "training_set" | "serving_log";

export interface ProfileSource {
  kind: ProfileSourceKind;
  /** The view or service name, or the Parquet path. */
  name: string;
}

export interface Profile {
  /** Assigned when stored. */
  id: number | null;
  source: ProfileSource;
  /** The event-time window (inclusive, ISO), or null for every row of the source. */
  window: { start: string | null; end: string | null } | null;
  createdAt: string;
  features: FeatureProfile[];
}

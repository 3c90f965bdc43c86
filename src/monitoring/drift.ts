/**
 * Drift of a current profile from a baseline, per feature: PSI over the
 * baseline's bins, KS for numbers, Jensen–Shannon for strings and booleans,
 * the change in coverage, and a verdict against thresholds. Pure: both
 * profiles are inputs. The current profile must have been computed against
 * the baseline (`referenceOf`): numbers binned on the baseline's edges, the
 * baseline's categories counted.
 */
import { invalidArgument } from "../errors/index.js";
import { jensenShannonDistance, kolmogorovSmirnov, populationStabilityIndex } from "./drift-metrics.js";
import type { FeatureProfile, Profile } from "./profile.js";

export type Verdict = "ok" | "warn" | "alert";

/** A metric warns at `warn` or more and alerts at `alert` or more. */
export interface Threshold {
  warn: number;
  alert: number;
}

export interface DriftThresholds {
  psi: Threshold;
  ks: Threshold;
  js: Threshold;
  /** Absolute change in coverage (share of rows with a value), either way. */
  coverage: Threshold;
}

/**
 * Defaults: PSI 0.1 / 0.25 (the usual reading: < 0.1 stable, > 0.25 shifted);
 * KS 0.1 / 0.2 and JS distance 0.1 / 0.2 (a tenth of the mass moved is worth a
 * look, a fifth is a shift; with thousands of rows sampling noise stays far
 * below both); coverage 5 / 10 points.
 */
export const DEFAULT_THRESHOLDS: DriftThresholds = {
  psi: { warn: 0.1, alert: 0.25 },
  ks: { warn: 0.1, alert: 0.2 },
  js: { warn: 0.1, alert: 0.2 },
  coverage: { warn: 0.05, alert: 0.1 },
};

export interface FeatureDrift {
  feature: string;
  kind: FeatureProfile["kind"];
  baselineRows: number;
  currentRows: number;
  psi: number | null;
  ks: number | null;
  js: number | null;
  baselineCoverage: number;
  currentCoverage: number | null;
  /** current - baseline coverage; null when the feature is missing from the current profile. */
  coverageChange: number | null;
  verdict: Verdict;
  /** What made the verdict, e.g. "PSI 0.41 >= 0.25". */
  reasons: string[];
}

export interface DriftReport {
  baselineProfileId: number | null;
  currentProfileId: number | null;
  thresholds: DriftThresholds;
  features: FeatureDrift[];
  /** The worst feature verdict. */
  verdict: Verdict;
}

const RANK: Record<Verdict, number> = { ok: 0, warn: 1, alert: 2 };

function worst(a: Verdict, b: Verdict): Verdict {
  return RANK[b] > RANK[a] ? b : a;
}

function levelOf(value: number, t: Threshold): Verdict {
  return value >= t.alert ? "alert" : value >= t.warn ? "warn" : "ok";
}

/** Checks thresholds from a user or a stored baseline: numbers >= 0 with warn <= alert. */
export function checkThresholds(t: DriftThresholds): DriftThresholds {
  for (const [name, { warn, alert }] of Object.entries(t) as [string, Threshold][]) {
    if (!Number.isFinite(warn) || !Number.isFinite(alert) || warn < 0 || alert < warn) {
      throw invalidArgument(
        `drift threshold ${name}: need 0 <= warn <= alert, got warn ${warn} and alert ${alert}`,
      );
    }
  }
  return t;
}

/** Numbers: [below, bins..., above] on the baseline's edges. */
function numericCounts(f: FeatureProfile): number[] | null {
  const h = f.numeric?.histogram;
  return h && h.edges.length > 0 ? [h.below, ...h.counts, h.above] : null;
}

function sameEdges(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Categories: the baseline's values, then every other value. */
function categoryCounts(f: FeatureProfile, values: readonly string[]): number[] {
  const byValue = new Map((f.categorical?.top ?? []).map((t) => [t.value, t.count]));
  const counts = values.map((v) => byValue.get(v) ?? 0);
  const named = counts.reduce((s, c) => s + c, 0);
  return [...counts, Math.max(0, f.nonNull - named)];
}

/** Compares one feature; `current` undefined means it is missing from the current profile. */
export function featureDrift(
  baseline: FeatureProfile,
  current: FeatureProfile | undefined,
  thresholds: DriftThresholds,
): FeatureDrift {
  const drift: FeatureDrift = {
    feature: baseline.name,
    kind: baseline.kind,
    baselineRows: baseline.rows,
    currentRows: current?.rows ?? 0,
    psi: null,
    ks: null,
    js: null,
    baselineCoverage: baseline.coverage,
    currentCoverage: current?.coverage ?? null,
    coverageChange: current ? current.coverage - baseline.coverage : null,
    verdict: "ok",
    reasons: [],
  };
  const judge = (label: string, value: number | null, t: Threshold) => {
    if (value === null) return;
    const level = levelOf(value, t);
    if (level !== "ok") {
      drift.reasons.push(`${label} ${value.toFixed(3)} >= ${level === "alert" ? t.alert : t.warn}`);
      drift.verdict = worst(drift.verdict, level);
    }
  };
  if (!current) {
    drift.verdict = "alert";
    drift.reasons.push("missing from the current profile");
    return drift;
  }
  if (current.rows === 0) {
    drift.verdict = "alert";
    drift.reasons.push("no rows in the current window");
    return drift;
  }
  if (baseline.kind === "numeric") {
    const b = numericCounts(baseline);
    const c = numericCounts(current);
    if (b && c && baseline.numeric && current.numeric) {
      if (sameEdges(baseline.numeric.histogram.edges, current.numeric.histogram.edges)) {
        drift.psi = populationStabilityIndex(b, c);
        drift.ks = kolmogorovSmirnov(b, c);
      } else {
        drift.reasons.push("binned differently from the baseline (profile it against the baseline)");
        drift.verdict = "warn";
      }
    }
  } else if (baseline.kind === "categorical") {
    const values = (baseline.categorical?.top ?? []).map((t) => t.value);
    const b = categoryCounts(baseline, values);
    const c = categoryCounts(current, values);
    drift.psi = populationStabilityIndex(b, c);
    drift.js = jensenShannonDistance(b, c);
  }
  judge("PSI", drift.psi, thresholds.psi);
  judge("KS", drift.ks, thresholds.ks);
  judge("JS", drift.js, thresholds.js);
  judge(
    "coverage change",
    drift.coverageChange === null ? null : Math.abs(drift.coverageChange),
    thresholds.coverage,
  );
  return drift;
}

/** Drift of every baseline feature; features only in the current profile are not judged. */
export function compareProfiles(
  baseline: Profile,
  current: Profile,
  thresholds: DriftThresholds,
): DriftReport {
  const byName = new Map(current.features.map((f) => [f.name, f]));
  const features = baseline.features.map((b) => featureDrift(b, byName.get(b.name), thresholds));
  return {
    baselineProfileId: baseline.id,
    currentProfileId: current.id,
    thresholds,
    features,
    verdict: features.reduce<Verdict>((v, f) => worst(v, f.verdict), "ok"),
  };
}

/** What a current profile must fix in advance to be comparable with `baseline`, per feature name. */
export function referenceOf(baseline: Profile): Map<string, { edges?: number[]; categories?: string[] }> {
  const reference = new Map<string, { edges?: number[]; categories?: string[] }>();
  for (const f of baseline.features) {
    if (f.numeric && f.numeric.histogram.edges.length > 0)
      reference.set(f.name, { edges: f.numeric.histogram.edges });
    if (f.categorical) reference.set(f.name, { categories: f.categorical.top.map((t) => t.value) });
  }
  return reference;
}

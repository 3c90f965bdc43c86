/**
 * Freshness of a feature view's online values, shown in GetFeatureView's
 * `meta.freshness`. A pure function of the registry's records and the clock,
 * so it is tested without a server.
 *
 * Hook for the materialization work: `overdue` (a missed or failed scheduled
 * run) needs the schedule's period and is decided there; until then it is false.
 */
import type { MaterializationIntervalRecord, MaterializationRunRecord } from "../registry/registry.js";

export interface FreshnessInput {
  intervals: readonly MaterializationIntervalRecord[];
  lastRun: MaterializationRunRecord | undefined;
  /** The `materialization.schedule` cron expression, or null when scheduling is off. */
  schedule: string | null;
  now: Date;
}

export interface FreshnessInfo {
  /** End of the last materialized interval. */
  lastMaterializedEnd: Date;
  /** now - lastMaterializedEnd, in milliseconds (never negative). */
  ageMs: number;
  overdue: boolean;
}

/** The view's freshness, or undefined when it was never materialized. */
export function featureViewFreshness(input: FreshnessInput): FreshnessInfo | undefined {
  let last: Date | undefined;
  for (const i of input.intervals) if (!last || i.end > last) last = i.end;
  if (!last) return undefined;
  return {
    lastMaterializedEnd: last,
    ageMs: Math.max(0, input.now.getTime() - last.getTime()),
    overdue: false,
  };
}

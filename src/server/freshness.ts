/**
 * Freshness of a feature view's online values, shown in GetFeatureView's
 * `meta.freshness`. A pure function of the registry's records and the clock,
 * so it is tested without a server.
 *
 * `overdue` (a missed or failed scheduled run) is decided by
 * materialize/freshness.ts against the cron schedule.
 */
import { computeFreshness } from "../materialize/freshness.js";
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
  // The rule (overdue = the next scheduled run after the last end was missed by more than a grace) lives in
  // materialize/freshness.ts, shared with `fstore status` and the metrics.
  const f = computeFreshness({
    intervalEnds: input.intervals.map((i) => i.end),
    schedule: input.schedule,
    now: input.now,
  });
  if (!f.lastMaterializedEnd) return undefined;
  return { lastMaterializedEnd: f.lastMaterializedEnd, ageMs: f.ageMs ?? 0, overdue: f.overdue };
}

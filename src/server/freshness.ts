/**
 * Freshness of a feature view's online values, shown in GetFeatureView's
 * `meta.freshness`. A pure function of the registry's records and the clock,
 * so it is tested without a server.
 *
 * The rule (overdue, next due, offline-only views unscheduled, a
 * never-materialized view due from its creation) is materialize/freshness.ts's
 * `featureViewFreshness`, the one `fstore status` and the metrics use too.
 */
import { featureViewFreshness as viewFreshness } from "../materialize/freshness.js";
import type { MaterializationIntervalRecord } from "../registry/registry.js";

export interface FreshnessInput {
  intervals: readonly MaterializationIntervalRecord[];
  /** Whether the view is served online (offline-only views are not scheduled). */
  online: boolean;
  /** The `materialization.schedule` cron expression, or null when scheduling is off. */
  schedule: string | null;
  /** When the view was first applied (the registry's created time). */
  created: Date | undefined;
  now: Date;
  /** Materialized only into another online store so far (see materialize/freshness.ts). */
  materializedElsewhere?: boolean;
}

export interface FreshnessInfo {
  /** End of the last materialized interval; undefined when never materialized. */
  lastMaterializedEnd: Date | undefined;
  /** now - lastMaterializedEnd, in milliseconds (never negative); undefined when never materialized. */
  ageMs: number | undefined;
  overdue: boolean;
  /** When the next scheduled run after the last end (or the creation) was or is due; undefined unscheduled. */
  nextDue: Date | undefined;
}

/** The view's freshness, or undefined when there is nothing to tell: never materialized and not scheduled. */
export function featureViewFreshness(input: FreshnessInput): FreshnessInfo | undefined {
  const f = viewFreshness({
    online: input.online,
    intervalEnds: input.intervals.map((i) => i.end),
    schedule: input.schedule,
    created: input.created,
    now: input.now,
    materializedElsewhere: input.materializedElsewhere ?? false,
  });
  if (!f.lastMaterializedEnd && !f.dueAt) return undefined;
  return { lastMaterializedEnd: f.lastMaterializedEnd, ageMs: f.ageMs, overdue: f.overdue, nextDue: f.dueAt };
}

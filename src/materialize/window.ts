/**
 * Window rules of materialization (pure): where an incremental run starts,
 * and what makes an explicit window valid.
 */

import { invalidArgument } from "../errors/index.js";
import type { MaterializationIntervalRecord } from "../registry/registry.js";
import type { EventTimeRange } from "../values/index.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** How far back an incremental run reaches for a view never materialized with ttl 0. */
export const UNBOUNDED_TTL_LOOKBACK_MS = 365 * DAY_MS;

/**
 * Start of an incremental run ending at `end`: the end of the last recorded
 * interval, else `end - ttl` (ttl 0: `end - 365 days`).
 */
export function incrementalStart(
  ttlSeconds: number,
  intervals: readonly MaterializationIntervalRecord[],
  end: Date,
): Date {
  let last: Date | undefined;
  for (const i of intervals) if (last === undefined || i.end > last) last = i.end;
  if (last !== undefined) return last;
  const lookback = ttlSeconds > 0 ? ttlSeconds * 1000 : UNBOUNDED_TTL_LOOKBACK_MS;
  return new Date(end.getTime() - lookback);
}

/** Throws INVALID_ARGUMENT unless `start` and `end` are real instants with start <= end. */
export function checkWindow(start: Date, end: Date): void {
  if (Number.isNaN(start.getTime())) throw invalidArgument("start time is not a valid instant");
  if (Number.isNaN(end.getTime())) throw invalidArgument("end time is not a valid instant");
  if (start > end) {
    throw invalidArgument(
      `start time ${start.toISOString()} is after end time ${end.toISOString()}; give start <= end`,
    );
  }
}

/**
 * Throws INVALID_ARGUMENT unless the window lies inside the allowed event
 * times (values/write-rules.ts): an end past now plus the allowed skew would
 * write future values that no later write could replace; an explicit start
 * before 1970 has no rows a store can hold.
 */
export function checkWindowRange(start: Date | undefined, end: Date, range: EventTimeRange): void {
  if (end.getTime() > range.maxMs) {
    throw invalidArgument(
      `end time ${end.toISOString()} is later than now plus write_rules.max_future_skew_seconds ` +
        `(${new Date(range.maxMs).toISOString()}); materialize up to now`,
    );
  }
  if (start !== undefined && start.getTime() < range.minMs) {
    throw invalidArgument(`start time ${start.toISOString()} is before 1970-01-01T00:00:00Z`);
  }
}

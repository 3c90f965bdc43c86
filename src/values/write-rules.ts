/**
 * What every write (Push, Materialize from sources) must satisfy besides
 * types (pure):
 *
 * - an event time lies in [1970-01-01T00:00:00Z, now + allowed skew]
 *   (`write_rules.max_future_skew_seconds`, default one day). A time from far
 *   in the future would pin a value: every later write is older, so it could
 *   never be replaced, and it would be served as PRESENT;
 * - a timestamp value is a representable instant;
 * - a DOUBLE or FLOAT value is finite (no NaN, +Inf, -Inf), and a FLOAT fits
 *   a 32-bit float, unless the feature view allows non-finite values with the
 *   tag `fstore.allow_non_finite: "true"` (a model trained on them may expect
 *   them).
 *
 * Every violation is INVALID_ARGUMENT naming the row and the column.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { NativeValue } from "./native-value.js";

/** The feature view tag that lets its DOUBLE and FLOAT features hold NaN and infinities. */
export const ALLOW_NON_FINITE_TAG = "fstore.allow_non_finite";

const FLOAT32_MAX = 3.4028234663852886e38;

export interface EventTimeRange {
  /** Earliest allowed event time, in ms since the epoch (0: 1970). */
  minMs: number;
  /** Latest allowed event time, in ms since the epoch (now + skew). */
  maxMs: number;
}

/** The allowed event times of a write happening at `now`. */
export function eventTimeRange(now: Date, maxFutureSkewSeconds: number): EventTimeRange {
  return { minMs: 0, maxMs: now.getTime() + maxFutureSkewSeconds * 1000 };
}

/** Does a view let its floating-point features hold NaN and infinities? */
export function allowsNonFinite(view: { tags: Readonly<Record<string, string>> }): boolean {
  return view.tags[ALLOW_NON_FINITE_TAG] === "true";
}

/** INVALID_ARGUMENT unless `time` is an instant in `range`; `where` names the row and column. */
export function checkEventTime(time: Date, range: EventTimeRange, where: string): void {
  const ms = time.getTime();
  if (Number.isNaN(ms)) throw invalidArgument(`${where}: the event time is not a representable instant`);
  if (ms < range.minMs || ms > range.maxMs) {
    throw invalidArgument(
      `${where}: event time ${time.toISOString()} is outside the allowed range ` +
        `[${new Date(range.minMs).toISOString()}, ${new Date(range.maxMs).toISOString()}] ` +
        "(from 1970 to now plus write_rules.max_future_skew_seconds)",
    );
  }
}

/**
 * INVALID_ARGUMENT for the first value of `values` (type `dtype`) that breaks
 * the value rules: an unrepresentable timestamp, or (unless `allowNonFinite`)
 * a non-finite or, for FLOAT, out-of-range number. `where(row)` names it.
 */
export function checkValues(
  values: readonly NativeValue[],
  dtype: ValueType,
  allowNonFinite: boolean,
  where: (row: number) => string,
): void {
  const floating = isFloating(dtype);
  const timestamps = dtype === ValueType.UNIX_TIMESTAMP || dtype === ValueType.UNIX_TIMESTAMP_LIST;
  if (!floating && !timestamps) return;
  const float32 = dtype === ValueType.FLOAT || dtype === ValueType.FLOAT_LIST;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (v === null || v === undefined) continue;
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (timestamps) {
        if (item instanceof Date && Number.isNaN(item.getTime())) {
          throw invalidArgument(`${where(r)}: the timestamp is not a representable instant`);
        }
        continue;
      }
      if (typeof item !== "number" || allowNonFinite) continue;
      if (!Number.isFinite(item)) {
        throw invalidArgument(
          `${where(r)}: ${item} is not a finite number; tag the feature view ${ALLOW_NON_FINITE_TAG}: "true" to allow NaN and infinities`,
        );
      }
      if (float32 && Math.abs(item) > FLOAT32_MAX) {
        throw invalidArgument(
          `${where(r)}: ${item} does not fit a FLOAT (32-bit); declare the feature DOUBLE`,
        );
      }
    }
  }
}

function isFloating(t: ValueType): boolean {
  return (
    t === ValueType.DOUBLE ||
    t === ValueType.FLOAT ||
    t === ValueType.DOUBLE_LIST ||
    t === ValueType.FLOAT_LIST
  );
}

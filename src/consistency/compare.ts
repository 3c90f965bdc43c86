/**
 * The comparison rules of consistency validation, as pure functions: how one
 * online value is compared with one offline value, and what an entity's
 * outcome is for one feature. Kept apart from I/O so every rule is unit tested.
 */
import type { NativeScalar, NativeValue } from "../values/index.js";

/** Outcome of one (entity, feature) pair. */
export type Outcome = "equal" | "mismatched" | "stale_online" | "missing_online" | "online_only";

/** What validation knows about one (entity, feature) pair. */
export interface PairFacts {
  /** The online row exists and stores this feature. */
  online: { value: NativeValue; eventUs: number } | undefined;
  /** The offline row at exactly the online value's event time (ties: latest created), if any. */
  offlineAtOnlineTs: { value: NativeValue } | undefined;
  /**
   * Event time (µs) of the latest offline row inside the materialized window,
   * or undefined when the entity has none there (or the view was never materialized).
   */
  latestInWindowUs: number | undefined;
}

export interface PairResult {
  /** undefined: nothing to compare (no online value and no offline row in the window). */
  outcome: Outcome | undefined;
  /** |online - offline| / max(|online|, |offline|) for numbers, when both sides are numbers. */
  relativeDifference: number | undefined;
}

/**
 * Classifies one pair, in this order:
 * - no online value: `missing_online` when the offline side has a row inside
 *   the materialized window, else not compared;
 * - a newer offline row inside the window than the online value: `stale_online`
 *   (materialization should have brought it online);
 * - no offline row at the online event time: `online_only` (e.g. pushed online only);
 * - otherwise `equal` or `mismatched` by `valuesEqual`.
 */
export function classifyPair(facts: PairFacts, tolerance: number): PairResult {
  const { online, offlineAtOnlineTs, latestInWindowUs } = facts;
  const outcome = outcomeOf(
    online !== undefined,
    online?.value ?? null,
    online?.eventUs ?? 0,
    offlineAtOnlineTs !== undefined,
    offlineAtOnlineTs?.value ?? null,
    latestInWindowUs,
    tolerance,
  );
  const relativeDifference =
    outcome === "equal" || outcome === "mismatched"
      ? compareValues(online?.value ?? null, offlineAtOnlineTs?.value ?? null, tolerance).relativeDifference
      : undefined;
  return { outcome, relativeDifference };
}

/**
 * `classifyPair` in allocation-free form, for the validation's hot loop (one
 * call per entity and feature): the same rules, flat arguments.
 */
export function outcomeOf(
  hasOnline: boolean,
  onlineValue: NativeValue,
  onlineEventUs: number,
  hasOfflineAtOnlineTs: boolean,
  offlineValue: NativeValue,
  latestInWindowUs: number | undefined,
  tolerance: number,
): Outcome | undefined {
  if (!hasOnline) return latestInWindowUs !== undefined ? "missing_online" : undefined;
  if (latestInWindowUs !== undefined && latestInWindowUs > onlineEventUs) return "stale_online";
  if (!hasOfflineAtOnlineTs) return "online_only";
  return valuesEqual(onlineValue, offlineValue, tolerance) ? "equal" : "mismatched";
}

/** `compareValues(...).equal` without building the result object for the common scalar cases. */
export function valuesEqual(online: NativeValue, offline: NativeValue, tolerance: number): boolean {
  if (typeof online === "number" && typeof offline === "number") {
    if (online === offline) return true;
    const rd = relativeDifference(online, offline);
    return Number.isNaN(rd) ? Number.isNaN(online) && Number.isNaN(offline) : rd <= tolerance;
  }
  if (typeof online === "string" || typeof online === "boolean") return online === offline;
  return compareValues(online, offline, tolerance).equal;
}

export interface ValueComparison {
  equal: boolean;
  /** Set when both values are numbers. */
  relativeDifference: number | undefined;
}

/**
 * Compares an online and an offline value. Numbers (int32, int64, float,
 * double) are equal when their relative difference is at most `tolerance`;
 * strings, bytes, booleans, timestamps (to the millisecond) and lists exactly,
 * element by element. Two nulls are equal; a null and a value are not.
 * NaN equals NaN (both sides hold the same "not a number").
 */
export function compareValues(online: NativeValue, offline: NativeValue, tolerance: number): ValueComparison {
  if (isNumeric(online) && isNumeric(offline)) {
    const rd = relativeDifference(online, offline);
    return { equal: Number.isNaN(rd) ? bothNaN(online, offline) : rd <= tolerance, relativeDifference: rd };
  }
  return { equal: exactlyEqual(online, offline), relativeDifference: undefined };
}

function isNumeric(x: NativeValue): x is number | bigint {
  return typeof x === "number" || typeof x === "bigint";
}

function bothNaN(a: number | bigint, b: number | bigint): boolean {
  return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
}

/**
 * |a - b| / max(|a|, |b|); 0 when a and b are equal (including both 0 and
 * equal infinities); NaN when either is NaN. int64 pairs are subtracted
 * exactly as bigints so large values keep their precision.
 */
export function relativeDifference(a: number | bigint, b: number | bigint): number {
  if (typeof a === "bigint" && typeof b === "bigint") {
    if (a === b) return 0;
    const diff = a > b ? a - b : b - a;
    const absA = a < 0n ? -a : a;
    const absB = b < 0n ? -b : b;
    return Number(diff) / Number(absA > absB ? absA : absB);
  }
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x === y) return 0;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return Number.POSITIVE_INFINITY;
  return Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y));
}

/** Exact equality of native values: bytes by content, dates by millisecond, lists element by element. */
export function exactlyEqual(a: NativeValue, b: NativeValue): boolean {
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++)
      if (!scalarEqual(a[i] as NativeScalar, b[i] as NativeScalar)) return false;
    return true;
  }
  return scalarEqual(a, b);
}

function scalarEqual(a: NativeScalar | null, b: NativeScalar | null): boolean {
  if (a === null || b === null) return a === b;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (typeof a === "bigint" || typeof b === "bigint") {
    // int64 vs a number read from a narrower column: compare by value.
    return (typeof a === "bigint" || Number.isInteger(a)) && (typeof b === "bigint" || Number.isInteger(b))
      ? BigInt(a as bigint | number) === BigInt(b as bigint | number)
      : false;
  }
  if (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b)) return true;
  return a === b;
}

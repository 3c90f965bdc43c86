/**
 * The order "latest event time, then latest created time (a missing created
 * time loses)" packed into one BIGINT when the data allows it, so a join or
 * an aggregate orders by one integer instead of a struct of two timestamps
 * (measured: an ASOF join on the struct costs about twice one on a BIGINT).
 *
 * A source's event times are steps of `eventUnit` microseconds from
 * `minEvent` (q = 0..maxStep), its created times steps of `createdUnit`
 * from `minCreated`; the packed order of a row is
 *
 *   q << createdBits | (created IS NULL ? 0 : (created - minCreated) / createdUnit + 1)
 *
 * which orders rows exactly as (event, coalesce(created, -infinity)). The
 * numbers come from one aggregate over the source (`timeStatsSql`); when
 * they do not fit in 62 bits (fractional microsecond spreads over decades,
 * or extreme timestamps), `timePacking` says so and the caller keeps the
 * struct. Everything here is pure: the statistics are inputs.
 */

/** What one aggregate over a source says about its times (microseconds since the epoch). */
export interface TimeStats {
  /** Rows considered (0: no row; nothing to order). */
  rows: bigint;
  minEvent: bigint | null;
  maxEvent: bigint | null;
  /** Every event time a whole second / a whole millisecond. */
  eventSeconds: boolean;
  eventMillis: boolean;
  /** null when every created time is NULL. */
  minCreated: bigint | null;
  maxCreated: bigint | null;
  createdSeconds: boolean;
  createdMillis: boolean;
}

/** How to pack one source's (event, created) times into a BIGINT. */
export interface TimePacking {
  minEvent: bigint;
  eventUnit: bigint;
  /** Largest event step, (maxEvent - minEvent) / eventUnit. */
  maxStep: bigint;
  minCreated: bigint;
  createdUnit: bigint;
  /** Bits of the created part (0 when every created time is NULL). */
  createdBits: number;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
/** Packed values (entity bounds included) stay below 2^62: far from BIGINT overflow. */
const LIMIT = 1n << 62n;

function unitOf(seconds: boolean, millis: boolean): bigint {
  return seconds ? 1_000_000n : millis ? 1_000n : 1n;
}

function bitLength(n: bigint): number {
  let bits = 0;
  for (let x = n; x > 0n; x >>= 1n) bits++;
  return bits;
}

/**
 * The packing for a source with these statistics, or null when it does not
 * fit (the caller then orders by the struct) or when there is no row.
 */
export function timePacking(stats: TimeStats): TimePacking | null {
  const { minEvent, maxEvent } = stats;
  if (stats.rows === 0n || minEvent === null || maxEvent === null) return null;
  const eventUnit = unitOf(stats.eventSeconds, stats.eventMillis);
  // The entity side clamps row times to [minEvent - unit, maxEvent + unit] and
  // subtracts minEvent - unit: every intermediate must be a BIGINT.
  const lo = minEvent - eventUnit;
  const hi = maxEvent + eventUnit;
  if (lo < INT64_MIN || hi > INT64_MAX || hi - lo + eventUnit > INT64_MAX) return null;
  const maxStep = (maxEvent - minEvent) / eventUnit;
  let minCreated = 0n;
  let createdUnit = 1n;
  let createdBits = 0;
  if (stats.minCreated !== null && stats.maxCreated !== null) {
    minCreated = stats.minCreated;
    createdUnit = unitOf(stats.createdSeconds, stats.createdMillis);
    // Codes 0 (NULL) .. maxCreatedStep + 1.
    createdBits = bitLength((stats.maxCreated - minCreated) / createdUnit + 1n);
  }
  // The largest value on either side: (maxStep + 1) << createdBits | (2^createdBits - 1).
  if ((maxStep + 2n) << BigInt(createdBits) > LIMIT) return null;
  return { minEvent, eventUnit, maxStep, minCreated, createdUnit, createdBits };
}

/**
 * SELECT of one row of `TimeStats` columns over `fromSql`, whose rows carry
 * `__ts_us` and (when `hasCreated`) `__created_us`: event and created times
 * as BIGINT microseconds since the epoch.
 */
export function timeStatsSql(fromSql: string, hasCreated: boolean): string {
  const e = "__ts_us";
  const parts = [
    "count(*)",
    `min(${e})`,
    `max(${e})`,
    `coalesce(bool_and(${e} % 1000000 = 0), true)`,
    `coalesce(bool_and(${e} % 1000 = 0), true)`,
  ];
  if (hasCreated) {
    const c = "__created_us";
    parts.push(
      `min(${c})`,
      `max(${c})`,
      `coalesce(bool_and(${c} % 1000000 = 0), true)`,
      `coalesce(bool_and(${c} % 1000 = 0), true)`,
    );
  } else {
    parts.push("NULL::BIGINT", "NULL::BIGINT", "true", "true");
  }
  return `SELECT ${parts.join(", ")} FROM (${fromSql})`;
}

/** The statistics from the single row `timeStatsSql` returns. */
export function timeStatsOf(row: readonly unknown[]): TimeStats {
  const big = (x: unknown) => (x === null || x === undefined ? null : BigInt(x as bigint));
  return {
    rows: big(row[0]) ?? 0n,
    minEvent: big(row[1]),
    maxEvent: big(row[2]),
    eventSeconds: row[3] === true,
    eventMillis: row[4] === true,
    minCreated: big(row[5]),
    maxCreated: big(row[6]),
    createdSeconds: row[7] === true,
    createdMillis: row[8] === true,
  };
}

function lit(n: bigint): string {
  return `CAST(${n.toString()} AS BIGINT)`;
}

/**
 * The packed order of a source row, from its event and created times as
 * BIGINT microseconds (expressions; every row is within the statistics' range).
 */
export function packedOrderSql(p: TimePacking, eventMicros: string, createdMicros: string | null): string {
  const step = `((${eventMicros} - ${lit(p.minEvent)}) // ${lit(p.eventUnit)})`;
  if (createdMicros === null || p.createdBits === 0) return `(${step} * ${lit(1n << BigInt(p.createdBits))})`;
  const code = `coalesce((${createdMicros} - ${lit(p.minCreated)}) // ${lit(p.createdUnit)} + 1, 0)`;
  return `(${step} * ${lit(1n << BigInt(p.createdBits))} + ${code})`;
}

/**
 * The entity side of the ASOF inequality on the packed order, for a row time
 * `rowExpr` (TIMESTAMPTZ, any value): with `>=` (not strict) it is
 * floor((T - minEvent) / unit) << bits | (2^bits - 1), so exactly the rows
 * with event time <= T are below it; with `>` (strict) it is
 * ceil((T - minEvent) / unit) << bits, so exactly the rows with event time
 * < T are. The step is clamped to [-1, maxStep + 1] first (T is clamped to
 * [minEvent - unit, maxEvent + unit], which changes neither comparison).
 */
export function packedBoundSql(p: TimePacking, rowExpr: string, strict: boolean): string {
  const lo = p.minEvent - p.eventUnit;
  const hi = p.minEvent + (p.maxStep + 1n) * p.eventUnit;
  // x = T - minEvent + unit >= 0, so integer division is floor division.
  const x = `(least(greatest(epoch_us(${rowExpr}), ${lit(lo)}), ${lit(hi)}) - ${lit(lo)})`;
  const scale = lit(1n << BigInt(p.createdBits));
  if (strict) {
    // ceil(y / u) = floor((y + u - 1) / u), with y = x - u.
    return `(((${x} + ${lit(p.eventUnit - 1n)}) // ${lit(p.eventUnit)} - 1) * ${scale})`;
  }
  const mask = (1n << BigInt(p.createdBits)) - 1n;
  return `((${x} // ${lit(p.eventUnit)} - 1) * ${scale} + ${lit(mask)})`;
}

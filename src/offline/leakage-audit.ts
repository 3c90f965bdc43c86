/**
 * The leakage audit: over the rows actually produced, count the feature
 * values whose (matched) event timestamp is after the row's timestamp, or,
 * with the strict option, not before it. A point-in-time correct set has 0.
 * Kept apart from the join so it checks the join rather than trusting it:
 * streamed batches are audited by `auditMatches` as they are encoded, Parquet
 * output by `leakageAuditSql` over the materialized result.
 */
import { quoteIdent } from "./sql-text.js";

/** One view as the audit sees it: where its matched timestamps are and how many feature values a match carries. */
export interface AuditedView {
  /** Column with the matched event timestamp (NULL when the row has no match). */
  matchColumn: string;
  featureCount: number;
}

/**
 * Over rows `from..to`: how many have a match (`isMatched(i)`) and how many
 * of those match a timestamp after (strict: not before) the row's. Times are
 * microseconds; they are compared as 64-bit integers through their 32-bit
 * halves, so no BigInt is made per row.
 */
export function auditMatches(
  rowMicros: BigInt64Array,
  matchMicros: BigInt64Array,
  isMatched: (i: number) => boolean,
  from: number,
  to: number,
  strict: boolean,
): { matched: number; leaking: number } {
  const m = new Int32Array(matchMicros.buffer, matchMicros.byteOffset, matchMicros.length * 2);
  const r = new Int32Array(rowMicros.buffer, rowMicros.byteOffset, rowMicros.length * 2);
  let matched = 0;
  let leaking = 0;
  for (let i = from; i < to; i++) {
    if (!isMatched(i)) continue;
    matched++;
    const mh = m[2 * i + 1] as number;
    const rh = r[2 * i + 1] as number;
    if (mh !== rh) {
      if (mh > rh) leaking++;
      continue;
    }
    const ml = (m[2 * i] as number) >>> 0;
    const rl = (r[2 * i] as number) >>> 0;
    if (ml > rl || (strict && ml === rl)) leaking++;
  }
  return { matched, leaking };
}

/**
 * Leaking feature values in plain arrays: `rowMicros[i]` is row i's
 * timestamp, `matchMicros[v][i]` view v's matched timestamp (null: no match),
 * `featureCounts[v]` the values a match of view v carries.
 */
export function countLeakage(
  rowMicros: readonly bigint[],
  matchMicros: readonly (readonly (bigint | null)[])[],
  featureCounts: readonly number[],
  strict: boolean,
): number {
  const rows = BigInt64Array.from(rowMicros);
  let violations = 0;
  matchMicros.forEach((ms, v) => {
    const matches = BigInt64Array.from(ms, (t) => t ?? 0n);
    const { leaking } = auditMatches(rows, matches, (i) => ms[i] !== null, 0, rows.length, strict);
    violations += leaking * (featureCounts[v] ?? 0);
  });
  return violations;
}

/**
 * SELECT returning one row: `row_count`, `matched_0..` per view and
 * `violations`, over `table` (a table or a parenthesized query) whose rows
 * carry `rowTimestampColumn` and each view's match column.
 */
export function leakageAuditSql(
  table: string,
  rowTimestampColumn: string,
  views: readonly AuditedView[],
  strict: boolean,
): string {
  const row = quoteIdent(rowTimestampColumn);
  const op = strict ? ">=" : ">";
  const parts = ["count(*) AS row_count"];
  for (const [i, v] of views.entries()) parts.push(`count(${quoteIdent(v.matchColumn)}) AS matched_${i}`);
  const leaks = views.map(
    (v) =>
      `coalesce(sum(CASE WHEN ${quoteIdent(v.matchColumn)} ${op} ${row} THEN ${v.featureCount} ELSE 0 END), 0)`,
  );
  parts.push(`CAST(${leaks.length > 0 ? leaks.join(" + ") : "0"} AS BIGINT) AS violations`);
  return `SELECT ${parts.join(", ")} FROM ${table}`;
}

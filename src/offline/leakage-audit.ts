/**
 * The leakage audit: over the rows actually produced, count the feature
 * values whose (matched) event timestamp is after the row's timestamp, or,
 * with the strict option, not before it. A point-in-time correct set has 0.
 * Kept apart from the join so it checks the join rather than trusting it.
 */
import { quoteIdent } from "./sql-text.js";

/** One view as the audit sees it: where its matched timestamps are and how many feature values a match carries. */
export interface AuditedView {
  /** Column with the matched event timestamp (NULL when the row has no match). */
  matchColumn: string;
  featureCount: number;
}

/**
 * Leaking values among rows `from..to` of a batch: `rowMicros[i]` is row i's
 * timestamp, `matchMicros[v][i]` view v's matched timestamp (null: no match).
 */
export function countLeakage(
  rowMicros: ArrayLike<bigint>,
  matchMicros: readonly ArrayLike<bigint | null>[],
  featureCounts: readonly number[],
  strict: boolean,
): number {
  let violations = 0;
  for (let v = 0; v < matchMicros.length; v++) {
    const m = matchMicros[v] as ArrayLike<bigint | null>;
    const weight = featureCounts[v] ?? 0;
    for (let i = 0; i < rowMicros.length; i++) {
      const t = m[i];
      if (t === null || t === undefined) continue;
      const row = rowMicros[i] as bigint;
      if (strict ? t >= row : t > row) violations += weight;
    }
  }
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

/**
 * Strings and booleans: exact counts per value as a GROUP BY, a hash
 * aggregate that spills to disk, so a feature with millions of distinct
 * values (ids, free text) costs time rather than memory. (A map state,
 * DuckDB's histogram(x), ran out of a 1 GB limit at 5M distinct values and
 * took 15 s for 1M.) One scan groups every string and boolean feature of a
 * source at once with GROUPING SETS, and its () set carries the min and max
 * that fix the bins of the numbers, so the range pass costs nothing extra:
 *
 *   SELECT <which set> AS s, coalesce(k0, k1, ..) AS v, count(*) AS n, min(x0), max(x0), ..
 *   FROM (SELECT CAST(c0 AS VARCHAR) AS k0, .., <number> AS x0, ..) GROUP BY GROUPING SETS ((), (k0), (k1), ..)
 *
 * The grouped rows (one per distinct value) go to a temp table; the
 * distinct counts, the top values (a top-N per set, not a sort of every
 * value) and a baseline's values are read from it. Pure: the caller runs it.
 */
import { quoteIdent, quoteString } from "../offline/index.js";
import type { CategoricalSummary, CategoryCount } from "./profile.js";
import { numericExpr, type ProfileColumn } from "./profile-sql.js";

/** The grouped values of `categorical` and, in the row with s = -1, the min/max of `ranged`. */
export function valueCountsSql(
  fromSql: string,
  ranged: readonly ProfileColumn[],
  categorical: readonly ProfileColumn[],
): string {
  const keys = categorical.map((c, i) => `CAST(${quoteIdent(c.column)} AS VARCHAR) AS k${i}`);
  const numbers = ranged.map((c, j) => `${numericExpr(c.column, c.valueType)} AS x${j}`);
  const which = `CASE ${categorical.map((_, i) => `WHEN GROUPING(k${i}) = 0 THEN ${i}`).join(" ")} ELSE -1 END`;
  const value =
    categorical.length === 1 ? "k0" : `coalesce(${categorical.map((_, i) => `k${i}`).join(", ")})`;
  const ranges = ranged.flatMap((_, j) => [`min(x${j}) AS r${j}_min`, `max(x${j}) AS r${j}_max`]);
  const sets = ["()", ...categorical.map((_, i) => `(k${i})`)];
  return (
    `SELECT ${[`${which} AS s`, `${value} AS v`, "count(*) AS n", ...ranges].join(", ")} ` +
    `FROM (SELECT ${[...keys, ...numbers].join(", ")} FROM (${fromSql})) GROUP BY GROUPING SETS (${sets.join(", ")})`
  );
}

/** The min/max row (as `rangeSql` gives it) from the grouped table. */
export function groupedRangesSql(table: string, ranged: readonly ProfileColumn[]): string {
  const cols = ranged.flatMap((_, j) => [`r${j}_min`, `r${j}_max`]);
  return `SELECT ${cols.join(", ")} FROM ${quoteIdent(table)} WHERE s = -1`;
}

/**
 * Per categorical column i: its distinct count, its `topValues` most
 * frequent values (count descending, then value) and the counts of the
 * values it must report (a baseline's), as rows (what, s, v, n).
 */
export function valueSummarySql(
  table: string,
  categorical: readonly ProfileColumn[],
  topValues: number,
): string {
  const t = quoteIdent(table);
  const parts = categorical.flatMap((c, i) => {
    const rows = `FROM ${t} WHERE s = ${i} AND v IS NOT NULL`;
    const out = [
      `SELECT 'distinct' AS what, ${i} AS s, NULL::VARCHAR AS v, count(*) AS n ${rows}`,
      `SELECT * FROM (SELECT 'top' AS what, s, v, n ${rows} ORDER BY n DESC, v LIMIT ${topValues})`,
    ];
    const picks = c.categories ?? [];
    if (picks.length > 0) {
      out.push(`SELECT 'pick' AS what, s, v, n ${rows} AND v IN (${picks.map(quoteString).join(", ")})`);
    }
    return out;
  });
  return parts.join(" UNION ALL ");
}

/** The summaries by column name from the rows of `valueSummarySql`; a baseline's absent values count 0. */
export function categoricalSummaries(
  rows: readonly Record<string, unknown>[],
  categorical: readonly ProfileColumn[],
): Map<string, CategoricalSummary> {
  const summaries = categorical.map(
    (): { distinct: number; top: CategoryCount[]; picks: Map<string, number> } => ({
      distinct: 0,
      top: [],
      picks: new Map(),
    }),
  );
  for (const row of rows) {
    const s = summaries[Number(row.s)];
    if (!s) continue;
    const n = Number(row.n);
    if (row.what === "distinct") s.distinct = n;
    else if (row.what === "top") s.top.push({ value: String(row.v), count: n });
    else s.picks.set(String(row.v), n);
  }
  return new Map(
    categorical.map((c, i) => {
      const s = summaries[i] as (typeof summaries)[number];
      const top = [...s.top];
      const seen = new Set(top.map((t) => t.value));
      for (const value of c.categories ?? []) {
        if (seen.has(value)) continue;
        seen.add(value);
        top.push({ value, count: s.picks.get(value) ?? 0 });
      }
      top.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      return [c.name, { distinct: s.distinct, top }];
    }),
  );
}

/**
 * The SQL of per-row training-serving skew (row-skew.ts runs it): each
 * logged row's served value beside the offline point-in-time value for the
 * same entity at the logged request time, joined on the log row's id. Pure.
 *
 * Equality, per feature: the served value counts only when its status is
 * PRESENT or NULL_VALUE; NOT_FOUND and OUTSIDE_MAX_AGE count as "no value"
 * (NULL), like the offline join outside a view's ttl. Served and offline
 * values are then equal when `IS NOT DISTINCT FROM` holds after casting the
 * served one to the feature's declared type: exact for every type (ints,
 * strings, bools, bytes, lists, and doubles too, which both sides read from
 * the same Parquet values), and NULL equals NULL (nothing served where the
 * offline store has nothing is no skew).
 */
import { quoteIdent } from "../offline/index.js";

/** One compared feature: its logged columns and the offline join's column. */
export interface RowSkewColumn {
  /** "view:feature". */
  name: string;
  /** The logged value column `view__feature`. */
  logColumn: string;
  /** The logged FieldStatus column, or null when the log has none. */
  statusColumn: string | null;
  /** The offline join's column (full feature name). */
  offlineColumn: string;
  /** The feature's declared DuckDB type. */
  sqlType: string;
}

/** FieldStatus numbers whose value was served as a value (PRESENT, NULL_VALUE). */
export const SERVED_STATUSES = [1, 2] as const;

/** The log row id column both sides carry. */
export const LOG_ROW_ID = "log_row_id";

/** The served value as compared: NULL unless its status says a value was served. */
export function servedValueSql(c: RowSkewColumn): string {
  const value = `CAST(l.${quoteIdent(c.logColumn)} AS ${c.sqlType})`;
  return c.statusColumn === null
    ? value
    : `CASE WHEN l.${quoteIdent(c.statusColumn)} IN (${SERVED_STATUSES.join(", ")}) THEN ${value} END`;
}

function offlineValueSql(c: RowSkewColumn): string {
  return `o.${quoteIdent(c.offlineColumn)}`;
}

/** True when the served and offline values of a row differ. */
export function differsSql(c: RowSkewColumn): string {
  return `(${servedValueSql(c)}) IS DISTINCT FROM (${offlineValueSql(c)})`;
}

function joinedFrom(logsTable: string, offlineTable: string): string {
  return `${quoteIdent(logsTable)} l LEFT JOIN ${quoteIdent(offlineTable)} o USING (${LOG_ROW_ID})`;
}

/**
 * One row: `rows`, then per feature i `d{i}` (differing), `mon{i}` (served
 * nothing, offline has a value), `moff{i}` (served a value, offline has none).
 */
export function rowSkewCountsSql(
  logsTable: string,
  offlineTable: string,
  columns: readonly RowSkewColumn[],
): string {
  const parts = ["count(*) AS rows"];
  columns.forEach((c, i) => {
    const served = servedValueSql(c);
    const offline = offlineValueSql(c);
    parts.push(`count(*) FILTER (WHERE ${differsSql(c)}) AS d${i}`);
    parts.push(`count(*) FILTER (WHERE (${served}) IS NULL AND ${offline} IS NOT NULL) AS mon${i}`);
    parts.push(`count(*) FILTER (WHERE (${served}) IS NOT NULL AND ${offline} IS NULL) AS moff${i}`);
  });
  return `SELECT ${parts.join(", ")} FROM ${joinedFrom(logsTable, offlineTable)}`;
}

/**
 * The first `limit` differing rows of one feature (by request time, then log
 * row): the join keys, `__log_timestamp`, the served value and status, the
 * offline value. `limit` null: every differing row.
 */
export function rowSkewExamplesSql(
  logsTable: string,
  offlineTable: string,
  keys: readonly string[],
  column: RowSkewColumn,
  limit: number | null,
): string {
  const select = [
    ...keys.map((k) => `l.${quoteIdent(k)} AS ${quoteIdent(k)}`),
    `l.__log_timestamp AS __log_timestamp`,
    `${servedValueSql(column)} AS __served`,
    column.statusColumn === null ? "NULL AS __status" : `l.${quoteIdent(column.statusColumn)} AS __status`,
    `${offlineValueSql(column)} AS __offline`,
  ];
  return (
    `SELECT ${select.join(", ")} FROM ${joinedFrom(logsTable, offlineTable)} ` +
    `WHERE ${differsSql(column)} ORDER BY l.__log_timestamp, l.${LOG_ROW_ID}` +
    (limit === null ? "" : ` LIMIT ${limit}`)
  );
}

/**
 * The SQL of consistency validation, as pure builders. The sampled entities
 * are loaded into a DuckDB temp table `SAMPLE_TABLE(__idx, <join keys>)`, and
 * the view's batch source is joined to it set-based, in two steps:
 *
 * - `latestInWindowSql`: per entity, the event time (µs) of its latest offline
 *   row inside the materialized windows. It reads only the key and time
 *   columns, and needs only the keys, so it runs while the online store is read.
 * - `offlineRowsAtSql`: per entity, the offline row at one wanted event time
 *   `WANTED_TABLE(__idx, __want_us)` (to the microsecond, the sources' precision; ties: latest created
 *   time): the online value's time when it is not stale (the row to compare
 *   with), else the window's latest time (the row a stale or missing example
 *   shows). One scan of the source serves both.
 * - `sampleOfflineKeysSql`: a reservoir sample of distinct entity keys.
 *
 * Identifiers and literals are quoted with the offline store's sql-text functions,
 * and values are cast to the offline store's types (`sqlTypeOf`: timestamps
 * are TIMESTAMPTZ, read in UTC), so a value compares as historical retrieval
 * returns it.
 */
import { sqlTypeOf } from "../offline/duckdb-types.js";
import { quoteIdent as ident, quoteString as literal } from "../offline/sql-text.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import { batchSourceOf } from "../registry/model.js";

// One quoting for every SQL fstore builds: the offline store's.
export { quoteIdent as ident, quoteString as literal } from "../offline/sql-text.js";

/** Name of the temp table holding the sampled entities. */
export const SAMPLE_TABLE = "__fstore_consistency_sample";
/** Name of the temp table holding, per sampled entity, the event time (µs) whose offline row is wanted. */
export const WANTED_TABLE = "__fstore_consistency_wanted";

/** `CREATE TEMP TABLE` for the sampled entities of `view`. */
export function createSampleTableSql(view: FeatureViewDef): string {
  const keys = view.entityColumns.map((c) => `${ident(c.name)} ${sqlTypeOf(c.dtype)}`);
  return `CREATE OR REPLACE TEMP TABLE ${SAMPLE_TABLE} (__idx INTEGER, ${keys.join(", ")})`;
}

/** `CREATE TEMP TABLE` for the wanted event times. */
export function createWantedTableSql(): string {
  return `CREATE OR REPLACE TEMP TABLE ${WANTED_TABLE} (__idx INTEGER, __want_us BIGINT)`;
}

/** Drops both temp tables. */
export function dropTempTablesSql(): string[] {
  return [`DROP TABLE IF EXISTS ${SAMPLE_TABLE}`, `DROP TABLE IF EXISTS ${WANTED_TABLE}`];
}

/** The source column that holds `name` after the source's field mapping (source column -> name). */
export function sourceColumnOf(fieldMapping: Record<string, string>, name: string): string {
  for (const [sourceColumn, mapped] of Object.entries(fieldMapping)) if (mapped === name) return sourceColumn;
  return name;
}

/**
 * The view's batch source as a relation with its columns renamed and cast to
 * the declared types: join keys, `__ts` (event time), `__ts_us` (event time in
 * epoch µs), `__created` (created time or NULL) and the chosen features.
 * `parquetGlobs` are the files to read (already resolved by the caller).
 */
export function sourceRelationSql(
  view: FeatureViewDef,
  features: readonly FieldDef[],
  parquetGlobs: string[],
): string {
  const src = batchSourceOf(view);
  const col = (name: string) => `src.${ident(sourceColumnOf(src.fieldMapping, name))}`;
  const cast = (f: FieldDef) => `CAST(${col(f.name)} AS ${sqlTypeOf(f.dtype)}) AS ${ident(f.name)}`;
  const ts = `src.${ident(src.timestampField)}`;
  const created = src.createdTimestampColumn ? `src.${ident(src.createdTimestampColumn)}` : "NULL";
  const files = `[${parquetGlobs.map(literal).join(", ")}]`;
  return [
    "SELECT",
    [
      ...view.entityColumns.map(cast),
      `${ts} AS __ts`,
      `epoch_us(${ts}) AS __ts_us`,
      `${created} AS __created`,
      ...features.map(cast),
    ].join(", "),
    `FROM read_parquet(${files}, union_by_name = true) src`,
  ].join(" ");
}

function keyJoin(view: FeatureViewDef): string {
  return view.entityColumns.map((c) => `o.${ident(c.name)} = s.${ident(c.name)}`).join(" AND ");
}

/** Per entity of WANTED_TABLE: the offline row at its wanted event time (latest created wins). */
export function offlineRowsAtSql(
  view: FeatureViewDef,
  sourceSql: string,
  features: readonly string[],
): string {
  const cols = features.map((f) => `o.${ident(f)}`).join(", ");
  return [
    `SELECT s.__idx AS __idx, o.__ts_us AS __ts_us${cols ? `, ${cols}` : ""}`,
    `FROM ${SAMPLE_TABLE} s JOIN ${WANTED_TABLE} w ON w.__idx = s.__idx`,
    `JOIN (${sourceSql}) o ON ${keyJoin(view)} AND o.__ts_us = w.__want_us`,
    "QUALIFY row_number() OVER (PARTITION BY s.__idx ORDER BY o.__ts DESC, o.__created DESC NULLS LAST) = 1",
  ].join(" ");
}

/** A materialized window, in epoch microseconds, both ends inclusive. */
export interface WindowUs {
  startUs: number;
  endUs: number;
}

/** Merges overlapping or touching windows and sorts them, so the SQL stays short after many incremental runs. */
export function mergeWindows(windows: readonly WindowUs[]): WindowUs[] {
  const sorted = [...windows].filter((w) => w.endUs >= w.startUs).sort((a, b) => a.startUs - b.startUs);
  const out: WindowUs[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && w.startUs <= last.endUs + 1) last.endUs = Math.max(last.endUs, w.endUs);
    else out.push({ ...w });
  }
  return out;
}

function inWindowsSql(windows: readonly WindowUs[], column: string): string {
  if (windows.length === 0) return "FALSE";
  return `(${windows.map((w) => `${column} BETWEEN ${Math.trunc(w.startUs)} AND ${Math.trunc(w.endUs)}`).join(" OR ")})`;
}

/** Per sampled entity: the event time (µs) of its latest offline row inside the windows; absent when none. */
export function latestInWindowSql(
  view: FeatureViewDef,
  sourceSql: string,
  windows: readonly WindowUs[],
): string {
  return [
    "SELECT s.__idx AS __idx, max(o.__ts_us) AS __latest_us",
    `FROM ${SAMPLE_TABLE} s JOIN (${sourceSql}) o ON ${keyJoin(view)}`,
    `WHERE ${inWindowsSql(windows, "o.__ts_us")}`,
    "GROUP BY s.__idx",
  ].join(" ");
}

/**
 * Up to `limit` distinct entity keys of the source, drawn uniformly (reservoir
 * sampling, seeded so a rerun checks the same entities), restricted to the
 * windows when there are any.
 */
export function sampleOfflineKeysSql(
  view: FeatureViewDef,
  sourceSql: string,
  windows: readonly WindowUs[],
  limit: number,
  seed = 42,
): string {
  const keys = view.entityColumns.map((c) => ident(c.name)).join(", ");
  const where = windows.length > 0 ? ` WHERE ${inWindowsSql(windows, "__ts_us")}` : "";
  return [
    `SELECT ${keys} FROM (SELECT DISTINCT ${keys} FROM (${sourceSql})${where})`,
    `USING SAMPLE reservoir(${Math.trunc(limit)} ROWS) REPEATABLE (${Math.trunc(seed)})`,
  ].join(" ");
}

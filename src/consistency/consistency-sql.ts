/**
 * The SQL of consistency validation, as pure builders. The sampled entities
 * are loaded into a DuckDB temp table `SAMPLE_TABLE(__idx, <join keys>)` and
 * the online event times of those found online into
 * `ONLINE_TS_TABLE(__idx, __online_ms)` (two tables, so the window query can
 * run while the online store is still being read), and the view's batch
 * source is joined to them set-based:
 *
 * - `latestRowInWindowSql`: per entity, its latest offline row inside the
 *   materialized windows (run while the online store is read). When the online
 *   value has exactly that event time (the usual case), that row is the one to
 *   compare with; a later one means the online value is stale; an entity
 *   without online value but with such a row is "missing online";
 * - `offlineAtOnlineTsSql`: for the other entities only (online value newer
 *   than the window's latest row, or no window), the offline row at exactly the
 *   online value's event time (to the millisecond), ties by latest created time;
 * - `sampleOfflineKeysSql`: a reservoir sample of distinct entity keys.
 *
 * Identifiers are quoted and literals escaped here, and only here.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import { batchSourceOf } from "../registry/model.js";

/** A double-quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted SQL string literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The DuckDB type that holds values of `t` (the form the comparison expects). */
export function duckdbType(t: ValueType): string {
  switch (t) {
    case ValueType.BYTES:
      return "BLOB";
    case ValueType.STRING:
      return "VARCHAR";
    case ValueType.INT32:
      return "INTEGER";
    case ValueType.INT64:
      return "BIGINT";
    case ValueType.DOUBLE:
      return "DOUBLE";
    case ValueType.FLOAT:
      return "FLOAT";
    case ValueType.BOOL:
      return "BOOLEAN";
    case ValueType.UNIX_TIMESTAMP:
      return "TIMESTAMP";
    case ValueType.BYTES_LIST:
      return "BLOB[]";
    case ValueType.STRING_LIST:
      return "VARCHAR[]";
    case ValueType.INT32_LIST:
      return "INTEGER[]";
    case ValueType.INT64_LIST:
      return "BIGINT[]";
    case ValueType.DOUBLE_LIST:
      return "DOUBLE[]";
    case ValueType.FLOAT_LIST:
      return "FLOAT[]";
    case ValueType.BOOL_LIST:
      return "BOOLEAN[]";
    case ValueType.UNIX_TIMESTAMP_LIST:
      return "TIMESTAMP[]";
    default:
      return "VARCHAR";
  }
}

/** Name of the temp table holding the sampled entities. */
export const SAMPLE_TABLE = "__fstore_consistency_sample";
/** Name of the temp table holding the online event time (ms) of each sampled entity found online. */
export const ONLINE_TS_TABLE = "__fstore_consistency_online_ts";

/** `CREATE TEMP TABLE` for the sampled entities of `view`. */
export function createSampleTableSql(view: FeatureViewDef): string {
  const keys = view.entityColumns.map((c) => `${ident(c.name)} ${duckdbType(c.dtype)}`);
  return `CREATE OR REPLACE TEMP TABLE ${SAMPLE_TABLE} (__idx INTEGER, ${keys.join(", ")})`;
}

/** `CREATE TEMP TABLE` for the online event times. */
export function createOnlineTsTableSql(): string {
  return `CREATE OR REPLACE TEMP TABLE ${ONLINE_TS_TABLE} (__idx INTEGER, __online_ms BIGINT)`;
}

/** Drops both temp tables. */
export function dropTempTablesSql(): string[] {
  return [`DROP TABLE IF EXISTS ${SAMPLE_TABLE}`, `DROP TABLE IF EXISTS ${ONLINE_TS_TABLE}`];
}

/** The source column that holds `name` after the source's field mapping (source column -> name). */
export function sourceColumnOf(fieldMapping: Record<string, string>, name: string): string {
  for (const [sourceColumn, mapped] of Object.entries(fieldMapping)) if (mapped === name) return sourceColumn;
  return name;
}

/**
 * The view's batch source as a relation with its columns renamed and cast to
 * the declared types: join keys, `__ts` (event time), `__ts_ms` (event time in
 * epoch ms), `__created` (created time or NULL) and the chosen features.
 * `parquetGlobs` are the files to read (already resolved by the caller).
 */
export function sourceRelationSql(
  view: FeatureViewDef,
  features: readonly FieldDef[],
  parquetGlobs: string[],
): string {
  const src = batchSourceOf(view);
  const col = (name: string) => `src.${ident(sourceColumnOf(src.fieldMapping, name))}`;
  const cast = (f: FieldDef) => `CAST(${col(f.name)} AS ${duckdbType(f.dtype)}) AS ${ident(f.name)}`;
  const ts = `src.${ident(src.timestampField)}`;
  const created = src.createdTimestampColumn ? `src.${ident(src.createdTimestampColumn)}` : "NULL";
  const files = `[${parquetGlobs.map(literal).join(", ")}]`;
  return [
    "SELECT",
    [
      ...view.entityColumns.map(cast),
      `${ts} AS __ts`,
      `epoch_ms(${ts}) AS __ts_ms`,
      `${created} AS __created`,
      ...features.map(cast),
    ].join(", "),
    `FROM read_parquet(${files}, union_by_name = true) src`,
  ].join(" ");
}

function keyJoin(view: FeatureViewDef): string {
  return view.entityColumns.map((c) => `o.${ident(c.name)} = s.${ident(c.name)}`).join(" AND ");
}

/** Per sampled entity with an online value: the offline row at its event time (latest created wins). */
export function offlineAtOnlineTsSql(
  view: FeatureViewDef,
  sourceSql: string,
  features: readonly string[],
): string {
  const cols = features.map((f) => `o.${ident(f)}`).join(", ");
  return [
    `SELECT s.__idx AS __idx, o.__ts_ms AS __ts_ms${cols ? `, ${cols}` : ""}`,
    `FROM ${SAMPLE_TABLE} s JOIN ${ONLINE_TS_TABLE} t ON t.__idx = s.__idx`,
    `JOIN (${sourceSql}) o ON ${keyJoin(view)} AND o.__ts_ms = t.__online_ms`,
    "QUALIFY row_number() OVER (PARTITION BY s.__idx ORDER BY o.__ts DESC, o.__created DESC NULLS LAST) = 1",
  ].join(" ");
}

/** A materialized window, in epoch milliseconds, both ends inclusive. */
export interface WindowMs {
  startMs: number;
  endMs: number;
}

/** Merges overlapping or touching windows and sorts them, so the SQL stays short after many incremental runs. */
export function mergeWindows(windows: readonly WindowMs[]): WindowMs[] {
  const sorted = [...windows].filter((w) => w.endMs >= w.startMs).sort((a, b) => a.startMs - b.startMs);
  const out: WindowMs[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && w.startMs <= last.endMs + 1) last.endMs = Math.max(last.endMs, w.endMs);
    else out.push({ ...w });
  }
  return out;
}

function inWindowsSql(windows: readonly WindowMs[], column: string): string {
  if (windows.length === 0) return "FALSE";
  return `(${windows.map((w) => `${column} BETWEEN ${Math.trunc(w.startMs)} AND ${Math.trunc(w.endMs)}`).join(" OR ")})`;
}

/**
 * Per sampled entity: its latest offline row inside the windows (latest event
 * time, then latest created time), with the chosen features. Needs only the
 * keys, so it runs while the online store is read.
 */
export function latestRowInWindowSql(
  view: FeatureViewDef,
  sourceSql: string,
  windows: readonly WindowMs[],
  features: readonly string[],
): string {
  const cols = features.map((f) => `o.${ident(f)}`).join(", ");
  return [
    `SELECT s.__idx AS __idx, o.__ts_ms AS __ts_ms${cols ? `, ${cols}` : ""}`,
    `FROM ${SAMPLE_TABLE} s JOIN (${sourceSql}) o ON ${keyJoin(view)}`,
    `WHERE ${inWindowsSql(windows, "o.__ts_ms")}`,
    "QUALIFY row_number() OVER (PARTITION BY s.__idx ORDER BY o.__ts DESC, o.__created DESC NULLS LAST) = 1",
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
  windows: readonly WindowMs[],
  limit: number,
  seed = 42,
): string {
  const keys = view.entityColumns.map((c) => ident(c.name)).join(", ");
  const where = windows.length > 0 ? ` WHERE ${inWindowsSql(windows, "__ts_ms")}` : "";
  return [
    `SELECT ${keys} FROM (SELECT DISTINCT ${keys} FROM (${sourceSql})${where})`,
    `USING SAMPLE reservoir(${Math.trunc(limit)} ROWS) REPEATABLE (${Math.trunc(seed)})`,
  ].join(" ");
}

/**
 * Pure SQL building for materialization: the latest row per entity of a
 * view's batch source inside a window. Names come from the registry and paths
 * from the repository, never from a request, but both are still quoted.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { quoteIdent as sqlIdent, quoteString as sqlString } from "../offline/sql-text.js";
import type { FeatureViewDef, FileSourceDef } from "../registry/model.js";
import { listElementType } from "../values/index.js";

// One quoting for every SQL fstore builds: the offline store's.
export { quoteIdent as sqlIdent, quoteString as sqlString } from "../offline/sql-text.js";

/** The source column that feeds `name` (a join key or feature), after the source's field_mapping. */
export function sourceColumnOf(source: FileSourceDef, name: string): string {
  for (const [column, mapped] of Object.entries(source.fieldMapping)) {
    if (mapped === name) return column;
  }
  return name;
}

const SCALAR_DUCK_TYPES: Partial<Record<ValueType, string>> = {
  [ValueType.BYTES]: "BLOB",
  [ValueType.STRING]: "VARCHAR",
  [ValueType.INT32]: "INTEGER",
  [ValueType.INT64]: "BIGINT",
  [ValueType.DOUBLE]: "DOUBLE",
  [ValueType.FLOAT]: "FLOAT",
  [ValueType.BOOL]: "BOOLEAN",
  [ValueType.UNIX_TIMESTAMP]: "TIMESTAMP",
};

/** The DuckDB type that stores values of `t` in Parquet ("BIGINT", "VARCHAR[]", ...). */
export function duckTypeOf(t: ValueType): string {
  const elem = listElementType(t);
  const scalar = SCALAR_DUCK_TYPES[elem ?? t];
  if (scalar === undefined) throw new Error(`no DuckDB type for value type ${t}`);
  return elem === undefined ? scalar : `${scalar}[]`;
}

/**
 * An expression reading `column` as the form the row reader expects for `t`:
 * a cast to the declared type, with timestamps as epoch milliseconds (DOUBLE)
 * so TIMESTAMP and TIMESTAMPTZ columns both come out as UTC instants.
 */
export function readExpression(column: string, t: ValueType): string {
  const col = sqlIdent(column);
  if (t === ValueType.UNIX_TIMESTAMP) return `CAST(epoch_ms(${col}) AS DOUBLE)`;
  if (t === ValueType.UNIX_TIMESTAMP_LIST) return `list_transform(${col}, x -> CAST(epoch_ms(x) AS DOUBLE))`;
  return `CAST(${col} AS ${duckTypeOf(t)})`;
}

/** `read_parquet(...)` over a list of files, keeping each row's file index and position for tie-breaking. */
export function parquetScan(files: readonly string[]): string {
  const list = files.map(sqlString).join(", ");
  return `read_parquet([${list}], file_row_number = true, union_by_name = true)`;
}

/** Microseconds since the epoch of a Date, for `make_timestamp`. */
function micros(d: Date): string {
  return `${BigInt(d.getTime()) * 1000n}`;
}

/**
 * SELECT of the latest row per entity with event timestamp in [start, end]
 * (ties: latest created timestamp, then the later file (by name) and row, so
 * the choice is total). `files` must be sorted by name. Output columns, by position: the join keys in
 * `view.entityColumns` order, the features in `view.features` order, the
 * event time as epoch milliseconds, and the number of source rows the entity
 * had in the window. A hash aggregate (arg_max) keeps one state per entity, so
 * DuckDB's memory follows the number of entities, not of rows.
 */
export function latestRowsSql(
  view: FeatureViewDef,
  files: readonly string[],
  start: Date,
  end: Date,
): string {
  const source = view.source.kind === "file" ? view.source : view.source.batchSource;
  const ts = sqlIdent(source.timestampField);
  const keys = view.entityColumns.map(
    (k, i) => `${readExpression(sourceColumnOf(source, k.name), k.dtype)} AS k${i}`,
  );
  const fields = view.features.map(
    (f, i) => `f${i} := ${readExpression(sourceColumnOf(source, f.name), f.dtype)}`,
  );
  fields.push(`ts := CAST(epoch_ms(${ts}) AS DOUBLE)`);
  const created = source.createdTimestampColumn
    ? `coalesce(epoch_us(${sqlIdent(source.createdTimestampColumn)}), -9223372036854775807)`
    : "0";
  // Files are scanned newest name first (`files` sorted ascending, reversed here): with data
  // appended over time, the first row an entity meets is then usually its latest, so arg_max
  // rarely replaces (and copies) its value. -file_index (signed) keeps "the later file name wins" for ties.
  const order = `struct_pack(t := epoch_us(${ts}), c := ${created}, f := -CAST(file_index AS BIGINT), r := file_row_number)`;
  const groupBy = view.entityColumns.map((_, i) => `${i + 1}`).join(", ");
  // A row without a complete entity key cannot be looked up online.
  const keysPresent = view.entityColumns.map(
    (k) => `${sqlIdent(sourceColumnOf(source, k.name))} IS NOT NULL`,
  );
  const outKeys = view.entityColumns.map((_, i) => `k${i}`);
  const outFeatures = view.features.map((_, i) => `r.f${i}`);
  return [
    `SELECT ${[...outKeys, ...outFeatures, "r.ts", "n"].join(", ")} FROM (`,
    `  SELECT ${keys.join(", ")}, arg_max(struct_pack(${fields.join(", ")}), ${order}) AS r, CAST(count(*) AS DOUBLE) AS n`,
    `  FROM ${parquetScan([...files].reverse())}`,
    `  WHERE ${ts} >= make_timestamp(${micros(start)}) AND ${ts} <= make_timestamp(${micros(end)})`,
    ...keysPresent.map((c) => `    AND ${c}`),
    `  GROUP BY ${groupBy}`,
    ")",
  ].join("\n");
}

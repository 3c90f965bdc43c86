/**
 * Pure SQL for reading one feature view's rows from its batch source: join
 * keys and features renamed by field_mapping and cast to their declared
 * types, the event (and created) timestamp normalized to TIMESTAMPTZ (UTC).
 */

import type { DuckDBType } from "@duckdb/node-api";
import { DuckDBTypeId } from "@duckdb/node-api";
import type { FieldDef } from "../registry/model.js";
import { sqlTypeOf } from "./duckdb-types.js";
import { quoteIdent } from "./sql-text.js";

/** How to read one view's source, resolved against the stored columns. */
export interface ViewSourceSpec {
  /** Table expression scanning the source, e.g. read_parquet('...'). */
  scan: string;
  /** The view's join keys, each with the stored column that feeds it. */
  keys: { field: FieldDef; column: string }[];
  /** The selected features, each with its stored column. */
  features: { field: FieldDef; column: string }[];
  /** Stored event-timestamp column and its DuckDB type. */
  timestamp: { column: string; type: DuckDBType };
  /** Stored created-timestamp column, when the source has one. */
  created: { column: string; type: DuckDBType } | null;
  /** Keep each row's file and position so ties resolve the same way every time. */
  withFileOrder: boolean;
}

/**
 * An expression giving the TIMESTAMPTZ (UTC) of a stored timestamp column.
 * Naive TIMESTAMPs are read as UTC (DuckDB without ICU casts them so);
 * nanosecond and date columns go through TIMESTAMP first.
 */
export function utcTimestampExpr(column: string, type: DuckDBType): string {
  const col = quoteIdent(column);
  switch (type.typeId) {
    case DuckDBTypeId.TIMESTAMP_TZ:
      return col;
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.DATE:
      return `CAST(CAST(${col} AS TIMESTAMP) AS TIMESTAMPTZ)`;
    default:
      return `CAST(${col} AS TIMESTAMPTZ)`;
  }
}

/** Internal name of the i-th selected feature inside the join (output names are applied last). */
export function featureSlot(i: number): string {
  return `__f${i}`;
}

/**
 * SELECT over the source giving, per row: the join keys (named as the view
 * names them), `__ts`, `__created` (when the source has one), `__file` and
 * `__row` (when asked), and `__f0..` the features. Rows without an event
 * timestamp can never match and are left out.
 */
export function viewSourceSql(spec: ViewSourceSpec): string {
  const cols: string[] = [];
  for (const { field, column } of spec.keys) {
    cols.push(`CAST(${quoteIdent(column)} AS ${sqlTypeOf(field.dtype)}) AS ${quoteIdent(field.name)}`);
  }
  cols.push(`${utcTimestampExpr(spec.timestamp.column, spec.timestamp.type)} AS __ts`);
  if (spec.created) cols.push(`${utcTimestampExpr(spec.created.column, spec.created.type)} AS __created`);
  if (spec.withFileOrder) cols.push("filename AS __file", "file_row_number AS __row");
  spec.features.forEach(({ field, column }, i) => {
    cols.push(`CAST(${quoteIdent(column)} AS ${sqlTypeOf(field.dtype)}) AS ${featureSlot(i)}`);
  });
  const scan = spec.withFileOrder ? withFileOrderScan(spec.scan) : spec.scan;
  return `SELECT ${cols.join(", ")} FROM ${scan} WHERE ${quoteIdent(spec.timestamp.column)} IS NOT NULL`;
}

function withFileOrderScan(scan: string): string {
  // read_parquet(<path>, union_by_name = true) -> add the file name and row number.
  if (!scan.startsWith("read_parquet(") || !scan.endsWith(")")) return scan;
  return `${scan.slice(0, -1)}, filename = true, file_row_number = true)`;
}

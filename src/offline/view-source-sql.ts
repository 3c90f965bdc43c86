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
import type { TimePacking } from "./time-order.js";
import { packedOrderSql, timeStatsSql } from "./time-order.js";

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
  /**
   * Only rows that some entity row can match: event time <= `maxMicros` and,
   * when given, >= `minMicros` (the earliest entity time minus the ttl).
   * Written against the stored column so Parquet statistics can skip row groups.
   */
  bounds?: { minMicros?: bigint; maxMicros: bigint };
  /**
   * With created timestamps: `__order` is this BIGINT packing of (event,
   * created) instead of the struct (see time-order.ts).
   */
  packing?: TimePacking | null;
}

/**
 * An expression giving the microseconds since the epoch (UTC) of a stored
 * timestamp column, as a BIGINT. Naive TIMESTAMPs hold UTC; nanosecond,
 * millisecond, second and date columns go through TIMESTAMP first (a plain,
 * time-zone-free cast).
 */
export function epochMicrosExpr(column: string, type: DuckDBType): string {
  const col = quoteIdent(column);
  switch (type.typeId) {
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP:
      return `epoch_us(${col})`;
    default:
      return `epoch_us(CAST(${col} AS TIMESTAMP))`;
  }
}

/**
 * An expression giving the TIMESTAMPTZ (UTC) of a stored timestamp column.
 * Naive TIMESTAMPs hold UTC: their microseconds become the instant as they
 * are (`make_timestamptz(epoch_us(x))`), whatever the session's time zone,
 * and without ICU's per-value time-zone conversion, which a CAST to
 * TIMESTAMPTZ costs (measured: ~200 ns a value, 1 s per 5M rows, against
 * ~10 ns).
 */
export function utcTimestampExpr(column: string, type: DuckDBType): string {
  if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ) return quoteIdent(column);
  return `make_timestamptz(${epochMicrosExpr(column, type)})`;
}

/** Internal name of the i-th selected feature inside the join (output names are applied last). */
export function featureSlot(i: number): string {
  return `__f${i}`;
}

/**
 * SELECT over the source giving, per row: the join keys (named as the view
 * names them), `__ts`, and when the source has created timestamps
 * `__created` and `__order` (what the ASOF join orders by: the packed
 * BIGINT of `spec.packing`, else the struct (event time, created time or
 * -infinity)), then `__f0..` the features. Rows
 * without an event timestamp can never match and are left out.
 */
export function viewSourceSql(spec: ViewSourceSpec): string {
  const cols: string[] = [];
  for (const { field, column } of spec.keys) {
    cols.push(`CAST(${quoteIdent(column)} AS ${sqlTypeOf(field.dtype)}) AS ${quoteIdent(field.name)}`);
  }
  const ts = utcTimestampExpr(spec.timestamp.column, spec.timestamp.type);
  cols.push(`${ts} AS __ts`);
  if (spec.created) {
    const created = utcTimestampExpr(spec.created.column, spec.created.type);
    cols.push(`${created} AS __created`);
    const micros = (c: { column: string; type: DuckDBType }) => epochMicrosExpr(c.column, c.type);
    cols.push(
      spec.packing
        ? `${packedOrderSql(spec.packing, micros(spec.timestamp), micros(spec.created))} AS __order`
        : `struct_pack(t := ${ts}, c := coalesce(${created}, '-infinity'::TIMESTAMPTZ)) AS __order`,
    );
  }
  spec.features.forEach(({ field, column }, i) => {
    cols.push(`CAST(${quoteIdent(column)} AS ${sqlTypeOf(field.dtype)}) AS ${featureSlot(i)}`);
  });
  return `SELECT ${cols.join(", ")} FROM ${spec.scan} WHERE ${whereSql(spec)}`;
}

/**
 * The `timeStatsSql` aggregate over exactly the rows `viewSourceSql(spec)`
 * reads (see time-order.ts), straight from the stored columns.
 */
export function viewTimeStatsSql(spec: ViewSourceSpec): string {
  const cols = [`${epochMicrosExpr(spec.timestamp.column, spec.timestamp.type)} AS __ts_us`];
  if (spec.created) cols.push(`${epochMicrosExpr(spec.created.column, spec.created.type)} AS __created_us`);
  return timeStatsSql(
    `SELECT ${cols.join(", ")} FROM ${spec.scan} WHERE ${whereSql(spec)}`,
    spec.created !== null,
  );
}

/** Rows with an event time, within the bounds (the WHERE of `viewSourceSql`). */
export function whereSql(spec: Pick<ViewSourceSpec, "timestamp" | "bounds">): string {
  const where = [`${quoteIdent(spec.timestamp.column)} IS NOT NULL`];
  if (spec.bounds) {
    const { column, type } = spec.timestamp;
    where.push(`${boundSide(column, type)} <= ${boundLiteral(spec.bounds.maxMicros, type)}`);
    if (spec.bounds.minMicros !== undefined) {
      where.push(`${boundSide(column, type)} >= ${boundLiteral(spec.bounds.minMicros, type)}`);
    }
  }
  return where.join(" AND ");
}

/** The stored column itself where its type allows Parquet pruning, else its UTC form. */
function boundSide(column: string, type: DuckDBType): string {
  return type.typeId === DuckDBTypeId.TIMESTAMP || type.typeId === DuckDBTypeId.TIMESTAMP_TZ
    ? quoteIdent(column)
    : utcTimestampExpr(column, type);
}

/** A literal of the stored column's type (naive TIMESTAMPs hold UTC). */
function boundLiteral(micros: bigint, type: DuckDBType): string {
  const us = `${BigInt.asIntN(64, micros).toString()}::BIGINT`;
  return type.typeId === DuckDBTypeId.TIMESTAMP ? `make_timestamp(${us})` : `make_timestamptz(${us})`;
}

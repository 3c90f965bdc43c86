/**
 * The entity rows of a historical request, as a relation the join reads:
 * columns giving their order, the join keys typed as the views declare them,
 * `event_timestamp` (TIMESTAMPTZ, UTC), and any other columns passed through
 * (labels, for instance). Rows are given inline (loaded into a temp table
 * with DuckDB's appender) or read from a registered source.
 */
import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";
import { DuckDBTimestampTZValue } from "@duckdb/node-api";
import type { RepeatedValue } from "../../gen/fstore/v1/value_pb.js";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { failedPrecondition, invalidArgument } from "../errors/index.js";
import type { FieldDef, FileSourceDef } from "../registry/model.js";
import type { NativeValue } from "../values/index.js";
import { fromRepeatedValue, listElementType, valueTypeName } from "../values/index.js";
import { duckTypeFitsKey, isTimestampType, sqlTypeOf, valueTypeOfDuckType } from "./duckdb-types.js";
import { timestampMicros } from "./entity-timestamps.js";
import { EVENT_TIMESTAMP } from "./feature-plan.js";
import {
  describeParquet,
  parquetScanSql,
  sourceLocation,
  storedColumnOf,
  storedTimestampColumn,
} from "./source-scan.js";
import { quoteIdent, timestampLiteral } from "./sql-text.js";
import { utcTimestampExpr } from "./view-source-sql.js";

/** Entity rows given inline: columnar values plus one timestamp per row. */
export interface InlineEntities {
  kind: "inline";
  columns: ReadonlyMap<string, RepeatedValue> | Record<string, RepeatedValue>;
  timestamps: readonly { seconds: bigint; nanos: number }[];
}

/** Entity rows read from a FileSource, optionally limited to [start, end] (microseconds, inclusive). */
export interface SourceEntities {
  kind: "source";
  source: FileSourceDef;
  startMicros?: bigint;
  endMicros?: bigint;
}

export type EntityInput = InlineEntities | SourceEntities;

/** The prepared entity relation. */
export interface PreparedEntities {
  /** SELECT giving the order columns, the join keys, event_timestamp and the pass-through columns. */
  sql: string;
  passThrough: { name: string; valueType: ValueType }[];
  /** The columns that order the rows (and identify each one, duplicates included). */
  orderBy: string[];
}

const INLINE_TABLE = "__entities";

/**
 * Checks the entity rows against the join keys the views need and makes
 * them readable on `connection` (inline rows are appended to a temp table
 * that lives as long as the connection).
 */
export async function prepareEntities(
  connection: DuckDBConnection,
  input: EntityInput,
  joinKeys: readonly FieldDef[],
  repoPath: string,
): Promise<PreparedEntities> {
  return input.kind === "inline"
    ? prepareInline(connection, input, joinKeys)
    : prepareSource(connection, input, joinKeys, repoPath);
}

interface TypedColumn {
  name: string;
  type: ValueType;
  values: NativeValue[];
}

/** Validates and converts inline rows; pure apart from building errors. Exported for tests. */
export function convertInline(
  input: InlineEntities,
  joinKeys: readonly FieldDef[],
): { columns: TypedColumn[]; micros: bigint[] } {
  const columns =
    input.columns instanceof Map
      ? new Map(input.columns)
      : new Map(Object.entries(input.columns as Record<string, RepeatedValue>));
  const n = input.timestamps.length;
  if (n === 0) throw invalidArgument("no entity rows: entity_rows.event_timestamps is empty");
  for (const [name, col] of columns) {
    if (name === "" || name.includes("\0") || name.startsWith("__")) {
      throw invalidArgument(
        `entity column name ${JSON.stringify(name)} is not allowed (empty, NUL, or a reserved "__" prefix)`,
      );
    }
    if (col.val.length !== n) {
      throw invalidArgument(
        `entity column "${name}" has ${col.val.length} values but there are ${n} event timestamps; every column needs one value per row`,
      );
    }
  }
  if (columns.has(EVENT_TIMESTAMP)) {
    throw invalidArgument(
      `entity column "${EVENT_TIMESTAMP}" is reserved; give timestamps in event_timestamps`,
    );
  }
  const typed: TypedColumn[] = [];
  for (const key of joinKeys) {
    const col = columns.get(key.name);
    if (!col) {
      throw invalidArgument(
        `entity rows lack join key "${key.name}" (${valueTypeName(key.dtype)}); columns given: ${[...columns.keys()].join(", ") || "none"}`,
      );
    }
    typed.push({ name: key.name, type: key.dtype, values: fromRepeatedValue(col, key.dtype, key.name) });
    columns.delete(key.name);
  }
  for (const [name, col] of columns) {
    const type = inferType(col, name);
    typed.push({ name, type, values: fromRepeatedValue(col, type, name) });
  }
  const micros = input.timestamps.map((ts, i) => timestampMicros(ts, `event_timestamps row ${i}`));
  return { columns: typed, micros };
}

const TYPE_OF_CASE: Record<string, ValueType> = {
  stringVal: ValueType.STRING,
  bytesVal: ValueType.BYTES,
  int32Val: ValueType.INT32,
  int64Val: ValueType.INT64,
  doubleVal: ValueType.DOUBLE,
  floatVal: ValueType.FLOAT,
  boolVal: ValueType.BOOL,
  unixTimestampVal: ValueType.UNIX_TIMESTAMP,
};

/** The type of a pass-through column: that of its first non-null value (all-null: STRING). */
function inferType(col: RepeatedValue, name: string): ValueType {
  for (const v of col.val) {
    const c = v.val.case;
    if (c === undefined || c === "nullVal") continue;
    const t = TYPE_OF_CASE[c];
    if (t === undefined)
      throw invalidArgument(`entity column "${name}": list values cannot pass through (${c})`);
    return t;
  }
  return ValueType.STRING;
}

async function prepareInline(
  connection: DuckDBConnection,
  input: InlineEntities,
  joinKeys: readonly FieldDef[],
): Promise<PreparedEntities> {
  const { columns, micros } = convertInline(input, joinKeys);
  const defs = [
    "__row_idx BIGINT",
    ...columns.map((c) => `${quoteIdent(c.name)} ${sqlTypeOf(c.type)}`),
    `${EVENT_TIMESTAMP} TIMESTAMPTZ`,
  ];
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${INLINE_TABLE} (${defs.join(", ")})`);
  const appender = await connection.createAppender(INLINE_TABLE, "main", "temp");
  try {
    const appendFns = columns.map((c) => appendFnOf(appender, c.type));
    for (let row = 0; row < micros.length; row++) {
      appender.appendBigInt(BigInt(row));
      for (let j = 0; j < columns.length; j++) {
        const v = (columns[j] as TypedColumn).values[row];
        if (v === null || v === undefined) appender.appendNull();
        else (appendFns[j] as (v: NativeValue) => void)(v);
      }
      appender.appendTimestampTZ(new DuckDBTimestampTZValue(micros[row] as bigint));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const keyNames = new Set(joinKeys.map((k) => k.name));
  return {
    sql: `SELECT * FROM ${INLINE_TABLE}`,
    passThrough: columns
      .filter((c) => !keyNames.has(c.name))
      .map((c) => ({ name: c.name, valueType: c.type })),
    orderBy: ["__row_idx"],
  };
}

function appendFnOf(a: DuckDBAppender, t: ValueType): (v: NativeValue) => void {
  switch (t) {
    case ValueType.INT64:
      return (v) => a.appendBigInt(v as bigint);
    case ValueType.INT32:
      return (v) => a.appendInteger(v as number);
    case ValueType.DOUBLE:
      return (v) => a.appendDouble(v as number);
    case ValueType.FLOAT:
      return (v) => a.appendFloat(v as number);
    case ValueType.BOOL:
      return (v) => a.appendBoolean(v as boolean);
    case ValueType.STRING:
      return (v) => a.appendVarchar(v as string);
    case ValueType.BYTES:
      return (v) => a.appendBlob(v as Uint8Array);
    case ValueType.UNIX_TIMESTAMP:
      return (v) => a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt((v as Date).getTime()) * 1000n));
    default:
      throw invalidArgument(`entity columns of type ${valueTypeName(t)} are not supported`);
  }
}

async function prepareSource(
  connection: DuckDBConnection,
  input: SourceEntities,
  joinKeys: readonly FieldDef[],
  repoPath: string,
): Promise<PreparedEntities> {
  const { source } = input;
  const location = sourceLocation(source, repoPath);
  const context = `entity source "${source.name}"`;
  const stored = await describeParquet(connection, location, context);
  const tsColumn = storedTimestampColumn(source, stored, source.timestampField);
  const tsType = stored.get(tsColumn);
  if (!tsType) {
    throw invalidArgument(`${context} (${location}) has no timestamp column "${source.timestampField}"`);
  }
  if (!isTimestampType(tsType)) {
    throw failedPrecondition(
      `${context}: timestamp column "${tsColumn}" is ${tsType.toString()}, not a timestamp`,
    );
  }
  const used = new Set([tsColumn, source.createdTimestampColumn]);
  // Rows keep their order in the files (by file name, then position).
  const oneFile = !/[*?[]/.test(location);
  const select = oneFile ? ["file_row_number AS __row"] : ["filename AS __file", "file_row_number AS __row"];
  for (const key of joinKeys) {
    const column = storedColumnOf(source, key.name);
    const type = stored.get(column);
    if (!type) {
      throw invalidArgument(
        `${context} (${location}) lacks join key column "${column}" (${valueTypeName(key.dtype)})`,
      );
    }
    if (!duckTypeFitsKey(type, key.dtype)) {
      throw invalidArgument(
        `${context}: join key column "${column}" is ${type.toString()}, but the feature views join on it as ${valueTypeName(key.dtype)}`,
      );
    }
    used.add(column);
    select.push(`CAST(${quoteIdent(column)} AS ${sqlTypeOf(key.dtype)}) AS ${quoteIdent(key.name)}`);
  }
  const tsExpr = utcTimestampExpr(tsColumn, tsType);
  select.push(`${tsExpr} AS ${EVENT_TIMESTAMP}`);
  const passThrough: { name: string; valueType: ValueType }[] = [];
  for (const [column, type] of stored) {
    if (used.has(column) || column === "filename" || column === "file_row_number") continue;
    if (column === "__row" || column === "__file") continue;
    const valueType = valueTypeOfDuckType(type);
    const name = source.fieldMapping[column] ?? column;
    if (valueType === undefined || name === EVENT_TIMESTAMP || listElementType(valueType) !== undefined)
      continue;
    // Cast to the value type's own DuckDB type, so every output vector has the layout its type implies.
    const expr =
      valueType === ValueType.UNIX_TIMESTAMP
        ? utcTimestampExpr(column, type)
        : `CAST(${quoteIdent(column)} AS ${sqlTypeOf(valueType)})`;
    select.push(`${expr} AS ${quoteIdent(name)}`);
    passThrough.push({ name, valueType });
  }
  const where: string[] = [];
  if (input.startMicros !== undefined) where.push(`${tsExpr} >= ${timestampLiteral(input.startMicros)}`);
  if (input.endMicros !== undefined) where.push(`${tsExpr} <= ${timestampLiteral(input.endMicros)}`);
  const scan = `${parquetScanSql(location).slice(0, -1)}, filename = true, file_row_number = true)`;
  return {
    sql: `SELECT ${select.join(", ")} FROM ${scan}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`,
    passThrough,
    orderBy: oneFile ? ["__row"] : ["__file", "__row"],
  };
}

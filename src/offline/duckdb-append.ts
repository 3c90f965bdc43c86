/**
 * Appending native values (the JS values pushes and udfs produce: bigint,
 * number, string, boolean, Uint8Array, Date, arrays of them) to a DuckDB
 * appender. The column's DuckDB type decides the encoding, so one function
 * serves every writer whatever timestamp flavour its table declares.
 */
import type { DuckDBAppender, DuckDBListType, DuckDBType, DuckDBValue } from "@duckdb/node-api";
import { blobValue, DuckDBTypeId, listValue, timestampTZValue, timestampValue } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { NativeScalar, NativeValue } from "../values/index.js";
import { listElementType } from "../values/index.js";

/**
 * Appends `v`, a native value already checked against `t`, to the
 * appender's current column, whose DuckDB type is `type` (the appender's
 * `columnType(i)`; a list type for list values). Timestamps are written as
 * TIMESTAMPTZ or naive UTC TIMESTAMP as the column declares.
 */
export function appendNative(appender: DuckDBAppender, v: NativeValue, t: ValueType, type: DuckDBType): void {
  if (v === null) {
    appender.appendNull();
    return;
  }
  const elem = listElementType(t);
  if (elem !== undefined) {
    const child = (type as DuckDBListType).valueType;
    const items = (v as NativeScalar[]).map((x) => duckScalar(x, elem, child));
    appender.appendList(listValue(items), type as DuckDBListType);
    return;
  }
  switch (t) {
    case ValueType.DOUBLE:
      appender.appendDouble(v as number);
      return;
    case ValueType.FLOAT:
      appender.appendFloat(v as number);
      return;
    case ValueType.INT32:
      appender.appendInteger(v as number);
      return;
    case ValueType.INT64:
      appender.appendBigInt(typeof v === "bigint" ? v : BigInt(v as number));
      return;
    case ValueType.BOOL:
      appender.appendBoolean(v as boolean);
      return;
    case ValueType.STRING:
      appender.appendVarchar(v as string);
      return;
    case ValueType.BYTES:
      appender.appendBlob(v as Uint8Array);
      return;
    default:
      appender.appendValue(duckScalar(v as NativeScalar, t, type), type);
  }
}

/** A scalar as the DuckDB value a column of `type` holds. */
function duckScalar(v: NativeScalar, t: ValueType, type: DuckDBType): DuckDBValue {
  if (t === ValueType.UNIX_TIMESTAMP) {
    const micros = BigInt((v as Date).getTime()) * 1000n;
    return type.typeId === DuckDBTypeId.TIMESTAMP_TZ ? timestampTZValue(micros) : timestampValue(micros);
  }
  if (t === ValueType.INT64) return typeof v === "bigint" ? v : BigInt(v as number);
  if (t === ValueType.BYTES) return blobValue(v as Uint8Array);
  return v as DuckDBValue;
}

/**
 * Moving sampled entities into DuckDB and results out: the sample table is
 * filled with DuckDB's appender (no SQL text per row), and results are read
 * column by column as plain JS values (bigint, number, string, boolean,
 * Uint8Array, Date, arrays), which are fstore's native value forms.
 */
import { type DuckDBConnection, DuckDBTimestampTZValue } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { FeatureViewDef } from "../registry/model.js";
import { type NativeValue, valueTypeName } from "../values/index.js";

/** Appends rows `(__idx, <join keys>)` to `table`: index i and the i-th key. */
export async function appendSampleRows(
  conn: DuckDBConnection,
  table: string,
  view: FeatureViewDef,
  keys: readonly NativeValue[][],
): Promise<void> {
  const appender = await conn.createAppender(table);
  try {
    for (let i = 0; i < keys.length; i++) {
      appender.appendInteger(i);
      const key = keys[i] as NativeValue[];
      view.entityColumns.forEach((c, k) => {
        appendKey(appender, c.dtype, key[k] ?? null, c.name);
      });
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** Appends rows `(__idx, __want_us)` to `table`. */
export async function appendWantedTimes(
  conn: DuckDBConnection,
  table: string,
  wanted: ReadonlyMap<number, number>,
): Promise<void> {
  const appender = await conn.createAppender(table);
  try {
    for (const [index, us] of wanted) {
      appender.appendInteger(index);
      appender.appendBigInt(BigInt(us));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

type Appender = Awaited<ReturnType<DuckDBConnection["createAppender"]>>;

function appendKey(appender: Appender, dtype: ValueType, value: NativeValue, name: string): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (dtype) {
    case ValueType.INT64:
      appender.appendBigInt(BigInt(value as bigint | number));
      return;
    case ValueType.INT32:
      appender.appendInteger(Number(value));
      return;
    case ValueType.STRING:
      appender.appendVarchar(String(value));
      return;
    case ValueType.BYTES:
      appender.appendBlob(value as Uint8Array);
      return;
    case ValueType.BOOL:
      appender.appendBoolean(Boolean(value));
      return;
    case ValueType.DOUBLE:
      appender.appendDouble(Number(value));
      return;
    case ValueType.FLOAT:
      appender.appendFloat(Number(value));
      return;
    case ValueType.UNIX_TIMESTAMP:
      // The sample table's column is the offline type, TIMESTAMPTZ (consistency-sql.ts).
      appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt((value as Date).getTime()) * 1000n));
      return;
    default:
      throw invalidArgument(`join key "${name}" has type ${valueTypeName(dtype)}, which cannot be validated`);
  }
}

/** A result's columns as JS values, column-major. */
export function columnsOf(reader: { getColumnsJS(): unknown[][] }): unknown[][] {
  return reader.getColumnsJS();
}

/** A JS value from DuckDB in native form: BLOBs arrive as Node Buffers, fstore uses plain Uint8Arrays. */
export function nativeOf(v: unknown): NativeValue {
  if (v === undefined || v === null) return null;
  if (Buffer.isBuffer(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map((x) => nativeOf(x)) as NativeValue;
  return v as NativeValue;
}

/** A string that identifies an entity key, for de-duplication (types kept apart: 1 vs 1n vs "1"). */
export function entityKeyString(key: readonly NativeValue[]): string {
  return key
    .map((v) => {
      if (v === null) return "null";
      if (typeof v === "bigint") return `${v}n`;
      if (typeof v === "string") return JSON.stringify(v);
      if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
      if (v instanceof Date) return `@${v.getTime()}`;
      return String(v);
    })
    .join("|");
}

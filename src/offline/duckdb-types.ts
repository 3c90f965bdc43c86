/**
 * The mapping between fstore's value types and DuckDB's column types, both
 * ways: features are cast to their declared type when read, and columns that
 * pass through from an entity source get the value type of their DuckDB type.
 */

import type { DuckDBType } from "@duckdb/node-api";
import { DuckDBTypeId } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { listElementType } from "../values/index.js";

const SCALAR_SQL: Partial<Record<ValueType, string>> = {
  [ValueType.BYTES]: "BLOB",
  [ValueType.STRING]: "VARCHAR",
  [ValueType.INT32]: "INTEGER",
  [ValueType.INT64]: "BIGINT",
  [ValueType.DOUBLE]: "DOUBLE",
  [ValueType.FLOAT]: "FLOAT",
  [ValueType.BOOL]: "BOOLEAN",
  [ValueType.UNIX_TIMESTAMP]: "TIMESTAMPTZ",
};

/** The DuckDB type that holds values of `t` ("BIGINT", "VARCHAR[]", ...); timestamps are TIMESTAMPTZ (UTC). */
export function sqlTypeOf(t: ValueType): string {
  const elem = listElementType(t);
  const scalar = SCALAR_SQL[elem ?? t];
  if (scalar === undefined) throw new Error(`no DuckDB type for value type ${ValueType[t] ?? t}`);
  return elem === undefined ? scalar : `${scalar}[]`;
}

const SCALAR_OF_TYPE_ID: Partial<Record<DuckDBTypeId, ValueType>> = {
  [DuckDBTypeId.BLOB]: ValueType.BYTES,
  [DuckDBTypeId.VARCHAR]: ValueType.STRING,
  [DuckDBTypeId.TINYINT]: ValueType.INT32,
  [DuckDBTypeId.SMALLINT]: ValueType.INT32,
  [DuckDBTypeId.INTEGER]: ValueType.INT32,
  [DuckDBTypeId.UTINYINT]: ValueType.INT32,
  [DuckDBTypeId.USMALLINT]: ValueType.INT32,
  [DuckDBTypeId.UINTEGER]: ValueType.INT64,
  [DuckDBTypeId.BIGINT]: ValueType.INT64,
  [DuckDBTypeId.DOUBLE]: ValueType.DOUBLE,
  [DuckDBTypeId.FLOAT]: ValueType.FLOAT,
  [DuckDBTypeId.BOOLEAN]: ValueType.BOOL,
  [DuckDBTypeId.TIMESTAMP]: ValueType.UNIX_TIMESTAMP,
  [DuckDBTypeId.TIMESTAMP_TZ]: ValueType.UNIX_TIMESTAMP,
  [DuckDBTypeId.TIMESTAMP_S]: ValueType.UNIX_TIMESTAMP,
  [DuckDBTypeId.TIMESTAMP_MS]: ValueType.UNIX_TIMESTAMP,
  [DuckDBTypeId.TIMESTAMP_NS]: ValueType.UNIX_TIMESTAMP,
  [DuckDBTypeId.DATE]: ValueType.UNIX_TIMESTAMP,
};

/** Element type -> list type: `listElementType` inverted, so the pairing is written once. */
const LIST_OF = new Map<ValueType, ValueType>(
  Object.values(ValueType).flatMap((t) => {
    const elem = typeof t === "number" ? listElementType(t) : undefined;
    return elem === undefined ? [] : [[elem, t as ValueType] as const];
  }),
);

/** The value type of a DuckDB column type, or undefined when fstore has none (maps, structs, ...). */
export function valueTypeOfDuckType(type: DuckDBType): ValueType | undefined {
  if (type.typeId === DuckDBTypeId.LIST) {
    const child = (type as { valueType?: DuckDBType }).valueType;
    const elem = child ? SCALAR_OF_TYPE_ID[child.typeId] : undefined;
    return elem === undefined ? undefined : LIST_OF.get(elem);
  }
  return SCALAR_OF_TYPE_ID[type.typeId];
}

/**
 * Whether a column of DuckDB type `type` can hold join-key values of type `t`
 * without changing them (an INTEGER column for an INT64 key is fine; a
 * VARCHAR column is not).
 */
export function duckTypeFitsKey(type: DuckDBType, t: ValueType): boolean {
  const vt = valueTypeOfDuckType(type);
  if (vt === t) return true;
  if (t === ValueType.INT64) return vt === ValueType.INT32;
  return false;
}

/** True for the DuckDB types that are timestamps (or dates) of some precision. */
export function isTimestampType(type: DuckDBType): boolean {
  switch (type.typeId) {
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.DATE:
      return true;
    default:
      return false;
  }
}

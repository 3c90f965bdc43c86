import { ValueType } from "../../gen/fstore/v1/value_pb.js";

/**
 * Which DuckDB (Parquet) column types can feed a field of each ValueType:
 * any type whose values convert without loss of meaning. Lists take a
 * list of a compatible element type.
 */
const SCALAR_RULES: Partial<Record<ValueType, RegExp>> = {
  [ValueType.BYTES]: /^(BLOB|VARCHAR)$/,
  [ValueType.STRING]: /^VARCHAR$/,
  [ValueType.INT32]: /^(INTEGER|SMALLINT|TINYINT|USMALLINT|UTINYINT)$/,
  [ValueType.INT64]: /^(BIGINT|INTEGER|SMALLINT|TINYINT|UINTEGER|USMALLINT|UTINYINT)$/,
  [ValueType.DOUBLE]: /^(DOUBLE|FLOAT|REAL|DECIMAL\(\d+,\s*\d+\))$/,
  [ValueType.FLOAT]: /^(FLOAT|REAL|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/,
  [ValueType.BOOL]: /^BOOLEAN$/,
  [ValueType.UNIX_TIMESTAMP]: /^(TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/,
};

const ELEMENT_OF: Partial<Record<ValueType, ValueType>> = {
  [ValueType.BYTES_LIST]: ValueType.BYTES,
  [ValueType.STRING_LIST]: ValueType.STRING,
  [ValueType.INT32_LIST]: ValueType.INT32,
  [ValueType.INT64_LIST]: ValueType.INT64,
  [ValueType.DOUBLE_LIST]: ValueType.DOUBLE,
  [ValueType.FLOAT_LIST]: ValueType.FLOAT,
  [ValueType.BOOL_LIST]: ValueType.BOOL,
  [ValueType.UNIX_TIMESTAMP_LIST]: ValueType.UNIX_TIMESTAMP,
};

const EXPECTED: Partial<Record<ValueType, string>> = {
  [ValueType.BYTES]: "BLOB or VARCHAR",
  [ValueType.STRING]: "VARCHAR",
  [ValueType.INT32]: "INTEGER (or a smaller integer)",
  [ValueType.INT64]: "BIGINT (or a smaller integer)",
  [ValueType.DOUBLE]: "DOUBLE, FLOAT or DECIMAL",
  [ValueType.FLOAT]: "FLOAT, DOUBLE or DECIMAL",
  [ValueType.BOOL]: "BOOLEAN",
  [ValueType.UNIX_TIMESTAMP]: "TIMESTAMP",
};

/** True if a column of DuckDB type `columnType` can feed a field of `valueType`. */
export function isCompatibleColumn(valueType: ValueType, columnType: string): boolean {
  const type = columnType.trim().toUpperCase();
  const element = ELEMENT_OF[valueType];
  if (element !== undefined) {
    const inner = /^(.*)\[\]$/.exec(type)?.[1];
    return inner !== undefined && isCompatibleColumn(element, inner);
  }
  return SCALAR_RULES[valueType]?.test(type) ?? false;
}

/** What `isCompatibleColumn` accepts, for error messages ("BIGINT (or a smaller integer)", "a list of VARCHAR"). */
export function expectedColumnTypes(valueType: ValueType): string {
  const element = ELEMENT_OF[valueType];
  if (element !== undefined) return `a list of ${EXPECTED[element] ?? "?"}`;
  return EXPECTED[valueType] ?? "nothing (unsupported type)";
}

/** True for the column types a timestamp field may have. */
export function isTimestampColumn(columnType: string): boolean {
  return isCompatibleColumn(ValueType.UNIX_TIMESTAMP, columnType);
}

import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";

/** A field's type as a repository author writes it (`Int64`, `Array(String)`, ...). */
export class DType {
  /** @internal Use the exported constants and `Array(...)`. */
  constructor(
    readonly name: string,
    readonly valueType: ValueType,
  ) {}

  toString(): string {
    return this.name;
  }
}

const LIST_OF: Partial<Record<ValueType, ValueType>> = {
  [ValueType.BYTES]: ValueType.BYTES_LIST,
  [ValueType.STRING]: ValueType.STRING_LIST,
  [ValueType.INT32]: ValueType.INT32_LIST,
  [ValueType.INT64]: ValueType.INT64_LIST,
  [ValueType.DOUBLE]: ValueType.DOUBLE_LIST,
  [ValueType.FLOAT]: ValueType.FLOAT_LIST,
  [ValueType.BOOL]: ValueType.BOOL_LIST,
  [ValueType.UNIX_TIMESTAMP]: ValueType.UNIX_TIMESTAMP_LIST,
};

// Feast's names (feast.types). Declared under other names so this module does
// not shadow the String/Array globals; exported under Feast's names from index.ts.
export const StringType = new DType("String", ValueType.STRING);
export const BytesType = new DType("Bytes", ValueType.BYTES);
export const Int32Type = new DType("Int32", ValueType.INT32);
export const Int64Type = new DType("Int64", ValueType.INT64);
export const Float32Type = new DType("Float32", ValueType.FLOAT);
export const Float64Type = new DType("Float64", ValueType.DOUBLE);
export const BoolType = new DType("Bool", ValueType.BOOL);
export const UnixTimestampType = new DType("UnixTimestamp", ValueType.UNIX_TIMESTAMP);

/** `Array(Int64)`: a list of a primitive type (lists of lists are not supported, as in Feast). */
export function ArrayOf(element: DType): DType {
  const list = element instanceof DType ? LIST_OF[element.valueType] : undefined;
  if (list === undefined) {
    throw invalidArgument(
      `Array(...) takes a primitive dtype such as Int64 or String, got ${describeDtype(element)}`,
    );
  }
  return new DType(`Array(${element.name})`, list);
}

/** The ValueType of a dtype, or of a raw ValueType number; throws naming what was given. */
export function valueTypeOf(dtype: unknown, where: string): ValueType {
  if (isDType(dtype)) return dtype.valueType;
  if (
    typeof dtype === "number" &&
    dtype in ValueType &&
    dtype !== ValueType.UNSPECIFIED &&
    dtype !== ValueType.NULL
  ) {
    return dtype as ValueType;
  }
  throw invalidArgument(
    `${where}: expected a dtype (String, Int32, Int64, Float32, Float64, Bool, Bytes, UnixTimestamp or Array(...)), got ${describeDtype(dtype)}`,
  );
}

/** Structural check, so dtypes created by another copy of this module (another loader) still count. */
function isDType(value: unknown): value is DType {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as DType).name === "string" &&
    typeof (value as DType).valueType === "number" &&
    (value as DType).valueType in ValueType &&
    (value as DType).valueType !== ValueType.UNSPECIFIED &&
    (value as DType).valueType !== ValueType.NULL
  );
}

function describeDtype(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "function") return `the function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") return JSON.stringify(value) ?? "an object";
  return `${typeof value} ${String(value)}`;
}

/** Feast's name of a value type, for messages and plan output ("INT64", "STRING_LIST"). */
export function valueTypeName(valueType: ValueType): string {
  return ValueType[valueType] ?? `ValueType(${valueType})`;
}

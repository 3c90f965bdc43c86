/**
 * Conversion between protobuf `Value`s and the native JS values fstore works
 * with internally, checked against a declared `ValueType`.
 *
 * Native forms: STRING string; BYTES Uint8Array; INT32/FLOAT/DOUBLE number;
 * INT64 bigint (full 64-bit precision); BOOL boolean; UNIX_TIMESTAMP Date;
 * lists are arrays of the element form; a null or missing value is null.
 */
import { create } from "@bufbuild/protobuf";
import { type RepeatedValue, type Value, ValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";

export type NativeScalar = string | number | bigint | boolean | Uint8Array | Date;
export type NativeValue = NativeScalar | NativeScalar[] | null;

/** Human name of a type, as users see it in errors: "INT64", "STRING_LIST". */
export function valueTypeName(t: ValueType): string {
  return ValueType[t] ?? `VALUE_TYPE_${t}`;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The element type of a list type, or undefined for scalars. */
export function listElementType(t: ValueType): ValueType | undefined {
  switch (t) {
    case ValueType.BYTES_LIST:
      return ValueType.BYTES;
    case ValueType.STRING_LIST:
      return ValueType.STRING;
    case ValueType.INT32_LIST:
      return ValueType.INT32;
    case ValueType.INT64_LIST:
      return ValueType.INT64;
    case ValueType.DOUBLE_LIST:
      return ValueType.DOUBLE;
    case ValueType.FLOAT_LIST:
      return ValueType.FLOAT;
    case ValueType.BOOL_LIST:
      return ValueType.BOOL;
    case ValueType.UNIX_TIMESTAMP_LIST:
      return ValueType.UNIX_TIMESTAMP;
    default:
      return undefined;
  }
}

function describe(v: Value): string {
  const c = v.val;
  if (c.case === undefined) return "no value";
  const shown = typeof c.value === "object" && !(c.value instanceof Uint8Array) ? "[...]" : String(c.value);
  return `${c.case} ${JSON.stringify(shown.length > 40 ? `${shown.slice(0, 40)}...` : shown)}`;
}

/**
 * The native form of `v`, which must be of type `t`. Lossless widenings are
 * accepted (int32 -> int64, int -> double/float, float -> double, int64 in int32
 * range -> int32); anything else is INVALID_ARGUMENT naming `where`.
 */
export function fromValue(v: Value, t: ValueType, where: string): NativeValue {
  const c = v.val;
  if (c.case === undefined || c.case === "nullVal") return null;
  switch (t) {
    case ValueType.STRING:
      if (c.case === "stringVal") return c.value;
      throw wrongType(v, t, where);
    case ValueType.BYTES:
      if (c.case === "bytesVal") return c.value;
      throw wrongType(v, t, where);
    case ValueType.BOOL:
      if (c.case === "boolVal") return c.value;
      throw wrongType(v, t, where);
    case ValueType.INT64:
      if (c.case === "int64Val") return c.value;
      if (c.case === "int32Val") return BigInt(c.value);
      throw wrongType(v, t, where);
    case ValueType.INT32:
      if (c.case === "int32Val") return c.value;
      if (c.case === "int64Val" && c.value >= INT32_MIN && c.value <= INT32_MAX) return Number(c.value);
      throw wrongType(v, t, where);
    case ValueType.DOUBLE:
    case ValueType.FLOAT:
      if (c.case === "doubleVal" || c.case === "floatVal" || c.case === "int32Val") return c.value;
      if (c.case === "int64Val") return Number(c.value);
      throw wrongType(v, t, where);
    case ValueType.UNIX_TIMESTAMP:
      if (c.case === "unixTimestampVal" || c.case === "int64Val") return new Date(Number(c.value) * 1000);
      throw wrongType(v, t, where);
    default: {
      const elem = listElementType(t);
      if (elem === undefined) throw invalidArgument(`${where}: unsupported type ${valueTypeName(t)}`);
      if (!c.case.endsWith("ListVal")) throw wrongType(v, t, where);
      const items = (c.value as { val: unknown[] }).val;
      const expectedCase = `${listCaseOf(t)}`;
      if (c.case !== expectedCase && !(t === ValueType.UNIX_TIMESTAMP_LIST && c.case === "int64ListVal")) {
        throw wrongType(v, t, where);
      }
      return items.map((x) => scalarOfListItem(x, elem)) as NativeScalar[];
    }
  }
}

function scalarOfListItem(x: unknown, elem: ValueType): NativeScalar {
  if (elem === ValueType.UNIX_TIMESTAMP) return new Date(Number(x) * 1000);
  return x as NativeScalar;
}

function listCaseOf(t: ValueType): Value["val"]["case"] {
  switch (t) {
    case ValueType.BYTES_LIST:
      return "bytesListVal";
    case ValueType.STRING_LIST:
      return "stringListVal";
    case ValueType.INT32_LIST:
      return "int32ListVal";
    case ValueType.INT64_LIST:
      return "int64ListVal";
    case ValueType.DOUBLE_LIST:
      return "doubleListVal";
    case ValueType.FLOAT_LIST:
      return "floatListVal";
    case ValueType.BOOL_LIST:
      return "boolListVal";
    case ValueType.UNIX_TIMESTAMP_LIST:
      return "unixTimestampListVal";
    default:
      return undefined;
  }
}

/** INVALID_ARGUMENT for a value `v` that is not of type `t`. */
function wrongType(v: Value, t: ValueType, where: string): Error {
  return invalidArgument(`${where}: expected ${valueTypeName(t)}, got ${describe(v)}`);
}

/** The columnar values of `column` (named `name`), converted to type `t`. */
export function fromRepeatedValue(column: RepeatedValue, t: ValueType, name: string): NativeValue[] {
  const values = column.val;
  const out = new Array<NativeValue>(values.length);
  // The serving hot path (e.g. 100 int64 join keys per request): the exact type needs no
  // conversion and no per-value message; anything else goes through fromValue.
  const exact = t === ValueType.INT64 ? "int64Val" : t === ValueType.STRING ? "stringVal" : undefined;
  for (let i = 0; i < values.length; i++) {
    const c = (values[i] as Value).val;
    out[i] =
      c.case === exact && exact !== undefined
        ? (c.value as NativeValue)
        : fromValue(values[i] as Value, t, `column "${name}" row ${i}`);
  }
  return out;
}

const NULL_VALUE: Value = create(ValueSchema, { val: { case: "nullVal", value: 0 } });

/** A protobuf Value of type `t` holding `x` (an explicit null for null). */
export function toValue(x: NativeValue | undefined, t: ValueType): Value {
  if (x === null || x === undefined) return NULL_VALUE;
  switch (t) {
    case ValueType.STRING:
      return create(ValueSchema, { val: { case: "stringVal", value: x as string } });
    case ValueType.BYTES:
      return create(ValueSchema, { val: { case: "bytesVal", value: x as Uint8Array } });
    case ValueType.BOOL:
      return create(ValueSchema, { val: { case: "boolVal", value: x as boolean } });
    case ValueType.INT64:
      return create(ValueSchema, { val: { case: "int64Val", value: BigInt(x as bigint | number) } });
    case ValueType.INT32:
      return create(ValueSchema, { val: { case: "int32Val", value: Number(x) } });
    case ValueType.DOUBLE:
      return create(ValueSchema, { val: { case: "doubleVal", value: Number(x) } });
    case ValueType.FLOAT:
      return create(ValueSchema, { val: { case: "floatVal", value: Number(x) } });
    case ValueType.UNIX_TIMESTAMP:
      return create(ValueSchema, { val: { case: "unixTimestampVal", value: secondsOf(x as Date) } });
    default: {
      const listCase = listCaseOf(t);
      const elem = listElementType(t);
      if (!listCase || elem === undefined) throw invalidArgument(`unsupported type ${valueTypeName(t)}`);
      const items = (x as NativeScalar[]).map((item) => {
        if (elem === ValueType.UNIX_TIMESTAMP) return secondsOf(item as Date);
        if (elem === ValueType.INT64) return BigInt(item as bigint | number);
        return item;
      });
      return create(ValueSchema, { val: { case: listCase, value: { val: items } } } as never);
    }
  }
}

function secondsOf(d: Date | number | bigint): bigint {
  if (d instanceof Date) return BigInt(Math.floor(d.getTime() / 1000));
  return BigInt(d);
}

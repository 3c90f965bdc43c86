/**
 * Native JS values <-> fstore.v1.Value. The ergonomic client speaks plain JS:
 *
 *   int64 / unix timestamp  bigint / Date      (full 64-bit precision kept)
 *   int32, float, double    number
 *   string, bool, bytes     string, boolean, Uint8Array
 *   lists                   arrays
 *   null or missing         null
 *
 * When sending, the type is inferred from the JS value: bigint and integral
 * numbers are INT64 (like Feast's Python `int`), other numbers DOUBLE, Date a
 * UNIX_TIMESTAMP. To send another type, pass a `Value` message built with
 * `typedValue(...)`; the server also widens losslessly (INT64 -> DOUBLE).
 */
import { create, isMessage, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type RepeatedValue,
  RepeatedValueSchema,
  type Value,
  ValueSchema,
  ValueType,
} from "../gen/fstore/v1/value_pb.js";

export type NativeScalar = string | number | bigint | boolean | Uint8Array | Date;
/** A value as the ergonomic client returns it. */
export type NativeValue = NativeScalar | NativeScalar[] | null;
/** A value as the ergonomic client accepts it: native, or an explicit `Value` message. */
export type InputValue = NativeValue | Value | undefined;

type ValueCase = NonNullable<MessageInitShape<typeof ValueSchema>["val"]>;

function seconds(d: Date): bigint {
  return BigInt(Math.floor(d.getTime() / 1000));
}

function scalarCase(x: NativeScalar): ValueCase {
  if (typeof x === "string") return { case: "stringVal", value: x };
  if (typeof x === "boolean") return { case: "boolVal", value: x };
  if (typeof x === "bigint") return { case: "int64Val", value: x };
  if (typeof x === "number") {
    return Number.isInteger(x) && Number.isSafeInteger(x)
      ? { case: "int64Val", value: BigInt(x) }
      : { case: "doubleVal", value: x };
  }
  if (x instanceof Date) return { case: "unixTimestampVal", value: seconds(x) };
  if (x instanceof Uint8Array) return { case: "bytesVal", value: x };
  throw new TypeError(`cannot send ${typeof x} as an fstore value`);
}

function listCase(items: NativeScalar[]): ValueCase {
  const first = items.find((x) => x !== null && x !== undefined);
  if (first === undefined) return { case: "int64ListVal", value: { val: [] } };
  // A list of numbers is DOUBLE if any element is fractional, else INT64.
  if (typeof first === "number" || typeof first === "bigint") {
    const fractional = items.some((x) => typeof x === "number" && !Number.isInteger(x));
    return fractional
      ? { case: "doubleListVal", value: { val: items.map(Number) } }
      : { case: "int64ListVal", value: { val: items.map((x) => BigInt(x as number | bigint)) } };
  }
  if (typeof first === "string") return { case: "stringListVal", value: { val: items as string[] } };
  if (typeof first === "boolean") return { case: "boolListVal", value: { val: items as boolean[] } };
  if (first instanceof Date)
    return { case: "unixTimestampListVal", value: { val: (items as Date[]).map(seconds) } };
  if (first instanceof Uint8Array) return { case: "bytesListVal", value: { val: items as Uint8Array[] } };
  throw new TypeError(`cannot send a list of ${typeof first} as an fstore value`);
}

/** The `Value` for a native JS value (type inferred; see the module comment). */
export function toValue(x: InputValue): Value {
  if (x === null || x === undefined) return create(ValueSchema, { val: { case: "nullVal", value: 0 } });
  if (isMessage(x, ValueSchema)) return x;
  if (Array.isArray(x)) return create(ValueSchema, { val: listCase(x) });
  return create(ValueSchema, { val: scalarCase(x as NativeScalar) });
}

/** A `Value` of an explicit type, e.g. `typedValue(3, "INT32")` or `typedValue(0.5, "FLOAT")`. */
export function typedValue(x: NativeValue, type: keyof typeof ValueType): Value {
  if (x === null) return toValue(null);
  const t = ValueType[type];
  switch (t) {
    case ValueType.INT32:
      return create(ValueSchema, { val: { case: "int32Val", value: Number(x) } });
    case ValueType.FLOAT:
      return create(ValueSchema, { val: { case: "floatVal", value: Number(x) } });
    case ValueType.DOUBLE:
      return create(ValueSchema, { val: { case: "doubleVal", value: Number(x) } });
    case ValueType.INT64:
      return create(ValueSchema, { val: { case: "int64Val", value: BigInt(x as number | bigint) } });
    case ValueType.UNIX_TIMESTAMP:
      return create(ValueSchema, {
        val: {
          case: "unixTimestampVal",
          value: x instanceof Date ? seconds(x) : BigInt(x as number | bigint),
        },
      });
    case ValueType.INT32_LIST:
      return create(ValueSchema, {
        val: { case: "int32ListVal", value: { val: (x as number[]).map(Number) } },
      });
    case ValueType.FLOAT_LIST:
      return create(ValueSchema, {
        val: { case: "floatListVal", value: { val: (x as number[]).map(Number) } },
      });
    case ValueType.DOUBLE_LIST:
      return create(ValueSchema, {
        val: { case: "doubleListVal", value: { val: (x as number[]).map(Number) } },
      });
    default:
      return toValue(x);
  }
}

/** A column of native values as a `RepeatedValue`. */
export function toRepeatedValue(values: readonly InputValue[]): RepeatedValue {
  return create(RepeatedValueSchema, { val: values.map(toValue) });
}

/** Columns of native values as the map fields of requests (`entities`, `request_context`, push `columns`). */
export function toColumns(
  columns: Readonly<Record<string, readonly InputValue[]>>,
): Record<string, RepeatedValue> {
  const out: Record<string, RepeatedValue> = {};
  for (const [name, values] of Object.entries(columns)) out[name] = toRepeatedValue(values);
  return out;
}

const dateOfSeconds = (s: bigint) => new Date(Number(s) * 1000);

/** The native JS value of a `Value`: null for an unset value or an explicit null. */
export function fromValue(v: Value | undefined): NativeValue {
  const c = v?.val;
  if (!c || c.case === undefined || c.case === "nullVal") return null;
  switch (c.case) {
    case "unixTimestampVal":
      return dateOfSeconds(c.value);
    case "unixTimestampListVal":
      return c.value.val.map(dateOfSeconds);
    case "bytesListVal":
    case "stringListVal":
    case "int32ListVal":
    case "int64ListVal":
    case "doubleListVal":
    case "floatListVal":
    case "boolListVal":
      return [...c.value.val];
    default:
      return c.value;
  }
}

/** The name of a value type without prefix, e.g. "INT64". */
export function valueTypeName(t: ValueType): keyof typeof ValueType {
  return (ValueType[t] ?? "UNSPECIFIED") as keyof typeof ValueType;
}

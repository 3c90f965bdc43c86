/**
 * The `feast` Redis layout, byte-compatible with Feast's Redis online store:
 * per feature the field `u32le(murmur3_32("view:feature"))` holding a
 * serialized `Value` (Feast's field numbers), and the field `_ts:view`
 * holding a serialized `google.protobuf.Timestamp`.
 *
 * Written as Feast writes them (its `type_map` and `online_write_batch`): a
 * null, and a NaN of a scalar float or double, is an empty `Value` (Feast's
 * SDK reads it as None); an infinity is a value. The timestamp carries
 * seconds and nanos of the event time's microseconds, as protobuf's
 * `FromDatetime` does. Both null forms are read (an empty `Value`, and the
 * `null_val` that fstore wrote before).
 */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { ValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { FstoreError } from "../errors/index.js";
import { fromValue, type NativeValue, toValue } from "../values/index.js";
import { microsOfTimestamp, timestampFromMicros } from "./event-time.js";
import { murmur3_32String } from "./murmur3.js";

/** The hash field of `view:feature`: its murmur3_32 (seed 0) as 4 little-endian bytes. */
export function feastFeatureField(view: string, feature: string): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(murmur3_32String(`${view}:${feature}`), 0);
  return b;
}

/** The hash field holding a view's event timestamp. */
export function feastTimestampField(view: string): Buffer {
  return Buffer.from(`_ts:${view}`, "utf8");
}

const EMPTY_VALUE = Buffer.alloc(0);

/** A serialized `Value` of type `t` holding `x` (Feast's bytes; null and a scalar NaN: empty). */
export function encodeFeastValue(x: NativeValue, t: ValueType): Buffer {
  if (x === null || (typeof x === "number" && Number.isNaN(x))) return EMPTY_VALUE;
  return asBuffer(toBinary(ValueSchema, toValue(x, t)));
}

/**
 * The native value in a serialized `Value`, read as type `t`. A value of
 * another type (the feature was retyped since it was written) is `undefined`:
 * treated as not stored rather than converted wrongly.
 */
export function decodeFeastValue(bytes: Uint8Array, t: ValueType): NativeValue | undefined {
  const fast = decodeScalarFast(bytes, t);
  if (fast !== NOT_FAST) return fast;
  try {
    // A plain Uint8Array copy, so BYTES values are not Buffers aliasing the reply.
    return fromValue(fromBinary(ValueSchema, new Uint8Array(bytes)), t, "stored value");
  } catch (err) {
    if (err instanceof FstoreError) return undefined;
    throw err;
  }
}

/** A serialized `google.protobuf.Timestamp` of an event time in µs since the epoch. */
export function encodeFeastTimestamp(us: number): Buffer {
  return asBuffer(toBinary(TimestampSchema, timestampFromMicros(us)));
}

/** The event time (µs since the epoch) of a serialized `google.protobuf.Timestamp`. */
export function decodeFeastTimestamp(bytes: Uint8Array): number {
  return microsOfTimestamp(fromBinary(TimestampSchema, bytes));
}

/** A Buffer view of the same bytes (ioredis sends a plain Uint8Array as text). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

const NOT_FAST = Symbol("not fast");

/**
 * The common scalar Values decoded directly (tag byte + payload), as
 * `fromValue(fromBinary(...))` would: a Value of another type than `t` is
 * `undefined`; anything unusual returns NOT_FAST for the general path.
 */
function decodeScalarFast(b: Uint8Array, t: ValueType): NativeValue | undefined | typeof NOT_FAST {
  if (b.length === 0) return null;
  const tag = b[0] as number;
  const view = () => new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (tag) {
    case 0x29: // double_val
      if (b.length !== 9) return NOT_FAST;
      return t === ValueType.DOUBLE || t === ValueType.FLOAT ? view().getFloat64(1, true) : undefined;
    case 0x35: // float_val
      if (b.length !== 5) return NOT_FAST;
      return t === ValueType.DOUBLE || t === ValueType.FLOAT ? view().getFloat32(1, true) : undefined;
    case 0x20: {
      // int64_val
      if (t !== ValueType.INT64) return NOT_FAST;
      let v = 0n;
      let shift = 0n;
      for (let i = 1; i < b.length; i++) {
        const x = b[i] as number;
        v |= BigInt(x & 0x7f) << shift;
        if (x < 0x80) return i === b.length - 1 ? BigInt.asIntN(64, v) : NOT_FAST;
        shift += 7n;
      }
      return NOT_FAST;
    }
    case 0x12: {
      // string_val, with a one-byte length
      if (
        t !== ValueType.STRING ||
        b.length < 2 ||
        (b[1] as number) >= 0x80 ||
        b.length !== 2 + (b[1] as number)
      ) {
        return NOT_FAST;
      }
      return Buffer.from(b.buffer, b.byteOffset + 2, b.length - 2).toString("utf8");
    }
    case 0x38: // bool_val
      if (b.length !== 2) return NOT_FAST;
      return t === ValueType.BOOL ? b[1] === 1 : undefined;
    default:
      return NOT_FAST;
  }
}

/**
 * The `feast` Redis layout, byte-compatible with Feast's Redis online store:
 * per feature the field `u32le(murmur3_32("view:feature"))` holding a
 * serialized `Value` (Feast's field numbers), and the field `_ts:view`
 * holding a serialized `google.protobuf.Timestamp`.
 */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { TimestampSchema, timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ValueSchema, type ValueType } from "../../gen/fstore/v1/value_pb.js";
import { FstoreError } from "../errors/index.js";
import { fromValue, type NativeValue, toValue } from "../values/index.js";
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

/** A serialized `Value` of type `t` holding `x` (Feast's bytes). */
export function encodeFeastValue(x: NativeValue, t: ValueType): Buffer {
  return asBuffer(toBinary(ValueSchema, toValue(x, t)));
}

/**
 * The native value in a serialized `Value`, read as type `t`. A value of
 * another type (the feature was retyped since it was written) is `undefined`:
 * treated as not stored rather than converted wrongly.
 */
export function decodeFeastValue(bytes: Uint8Array, t: ValueType): NativeValue | undefined {
  try {
    // A plain Uint8Array copy, so BYTES values are not Buffers aliasing the reply.
    return fromValue(fromBinary(ValueSchema, new Uint8Array(bytes)), t, "stored value");
  } catch (err) {
    if (err instanceof FstoreError) return undefined;
    throw err;
  }
}

/** A serialized `google.protobuf.Timestamp` of `date`. */
export function encodeFeastTimestamp(date: Date): Buffer {
  return asBuffer(toBinary(TimestampSchema, timestampFromMs(date.getTime())));
}

export function decodeFeastTimestamp(bytes: Uint8Array): Date {
  return timestampDate(fromBinary(TimestampSchema, bytes));
}

/** A Buffer view of the same bytes (ioredis sends a plain Uint8Array as text). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

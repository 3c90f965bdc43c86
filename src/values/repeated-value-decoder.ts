/**
 * A hand-written decoder of `RepeatedValue` bytes (columns of `Value`s), for
 * the requests that carry many of them: GetOnlineFeatures' entities and
 * Push's columns. Written by hand because protobuf-es's reflective
 * `fromBinary` was measured at about 21 ms of CPU (after warm-up; 35–60 ms
 * before) for a 1,000-row, 9-column Push (55 KB), all of it on the event
 * loop, where it stalled every other call; this decoder builds the same plain
 * objects in 3–4 ms (measured on the same push). Any layout it does not expect (unknown or
 * repeated fields, a oneof set twice) is handed to `fromBinary`, and so are
 * bytes it finds malformed (protobuf-es lets a nested field run past its
 * message's length and decodes some such bytes; callers decode the whole
 * message again with `fromBinary`, see `orLibrary`), so the result always
 * equals `fromBinary`'s: repeated-value-decoder.spec.ts checks it against the
 * library on every Value case and on thousands of bit flips.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  type RepeatedValue,
  RepeatedValueSchema,
  type Value,
  ValueSchema,
} from "../../gen/fstore/v1/value_pb.js";

/** protobuf-es validates UTF-8 in proto3 strings and throws on invalid bytes; so does this decoder. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A cursor over protobuf wire bytes in `buf[start, end)`. Methods throw on truncated or invalid input. */
export class WireReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** A varint as a number (exact below 2^53; larger values only as lengths would be invalid anyway). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("premature end of input");
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new Error("invalid varint");
  }

  /** A varint as a signed 64-bit bigint (int64 semantics). */
  varint64(): bigint {
    // Up to 7 bytes (below 2^49, e.g. every id a counter hands out): exact in a double, one BigInt.
    const start = this.pos;
    let small = 0;
    let mul = 1;
    for (let i = 0; i < 7 && this.pos < this.end; i++) {
      const b = this.buf[this.pos++] as number;
      small += (b & 0x7f) * mul;
      if (b < 0x80) return BigInt(small);
      mul *= 128;
    }
    this.pos = start;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("premature end of input");
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new Error("invalid varint");
  }

  /** An int32 varint (the low 32 bits, signed, as protobuf reads it). */
  int32(): number {
    const b = this.buf[this.pos];
    if (b !== undefined && b < 0x80 && this.pos < this.end) {
      this.pos++;
      return b;
    }
    return Number(BigInt.asIntN(32, this.varint64()));
  }

  /** A bool varint: any non-zero value is true. */
  bool(): boolean {
    const b = this.buf[this.pos];
    if (b !== undefined && b < 0x80 && this.pos < this.end) {
      this.pos++;
      return b !== 0;
    }
    return this.varint64() !== 0n;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new Error("premature end of input");
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new Error("premature end of input");
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  /** The [start, end) of a length-delimited field's payload, advancing past it. */
  delimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new Error("premature end of input");
    this.pos = start + len;
    return [start, start + len];
  }

  /** A length-delimited UTF-8 string. */
  string(): string {
    const [s, e] = this.delimited();
    return utf8(this.buf, s, e);
  }

  /** A length-delimited bytes field, as a plain Uint8Array view (as protobuf-es returns it). */
  bytes(): Uint8Array {
    const [s, e] = this.delimited();
    return plain(this.buf, s, e);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.delimited();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new Error("premature end of input");
  }
}

/** UTF-8 text of `buf[s, e)`; invalid UTF-8 throws, as in protobuf-es. */
export function utf8(buf: Buffer, s: number, e: number): string {
  for (let i = s; i < e; i++) {
    // Not ASCII: the strict decoder (slower, so only when needed).
    if ((buf[i] as number) >= 0x80) return strictUtf8.decode(plain(buf, s, e));
  }
  return buf.toString("latin1", s, e);
}

/** A plain Uint8Array view (protobuf-es yields plain Uint8Array bytes values, as for any other input). */
export function plain(buf: Buffer, s: number, e: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + s, e - s);
}

/** `bytes` as a Buffer over the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * `decode(bytes)`, or, when that throws on bytes it finds malformed,
 * `fromBinary`'s verdict on the whole message (an error, or what the
 * library's more lenient reading makes of them).
 */
export function orLibrary<T>(
  bytes: Uint8Array,
  decode: (buf: Buffer) => T,
  library: (bytes: Uint8Array) => T,
): T {
  try {
    return decode(asBuffer(bytes));
  } catch {
    return library(bytes);
  }
}

/** The RepeatedValue encoded in `buf[s, e)`; throws on malformed bytes (see `orLibrary`). */
export function decodeRepeatedValue(buf: Buffer, s: number, e: number): RepeatedValue {
  const r = new WireReader(buf, s, e);
  const val: Value[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag !== 0x0a) return fromBinary(RepeatedValueSchema, plain(buf, s, e));
    const [vs, ve] = r.delimited();
    const v = decodeValue(buf, vs, ve);
    if (v === undefined) return fromBinary(RepeatedValueSchema, plain(buf, s, e));
    val.push(v);
  }
  return { $typeName: REPEATED_VALUE_TYPE_NAME, val };
}

/** A `map<string, RepeatedValue>` entry in `buf[s, e)`: its key and value. */
export function decodeRepeatedValueEntry(buf: Buffer, s: number, e: number): [string, RepeatedValue] {
  const r = new WireReader(buf, s, e);
  let key = "";
  let value: RepeatedValue | undefined;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) {
      key = r.string();
    } else if (tag === 0x12) {
      const [vs, ve] = r.delimited();
      value = decodeRepeatedValue(buf, vs, ve);
    } else r.skip(tag & 7);
  }
  return [key, value ?? create(RepeatedValueSchema)];
}

const VALUE_TYPE_NAME = ValueSchema.typeName as "fstore.v1.Value";
const REPEATED_VALUE_TYPE_NAME = RepeatedValueSchema.typeName as "fstore.v1.RepeatedValue";

/** Value's oneof cases by field number (lists carry their list message's type name). */
const LIST_CASES: Record<number, [Value["val"]["case"], string]> = {
  11: ["bytesListVal", "fstore.v1.BytesList"],
  12: ["stringListVal", "fstore.v1.StringList"],
  13: ["int32ListVal", "fstore.v1.Int32List"],
  14: ["int64ListVal", "fstore.v1.Int64List"],
  15: ["doubleListVal", "fstore.v1.DoubleList"],
  16: ["floatListVal", "fstore.v1.FloatList"],
  17: ["boolListVal", "fstore.v1.BoolList"],
  18: ["unixTimestampListVal", "fstore.v1.Int64List"],
};

/**
 * The Value in `buf[s, e)`, built as the plain object `fromBinary` returns
 * (protobuf-es messages are plain objects with `$typeName`), or undefined
 * when the bytes are not one field of the oneof (the caller then falls back
 * to protobuf-es, which also applies its merge rules).
 */
export function decodeValue(buf: Buffer, s: number, e: number): Value | undefined {
  if (s === e) return create(ValueSchema);
  const r = new WireReader(buf, s, e);
  const tag = r.varint();
  let val: Value["val"];
  switch (tag) {
    case 0x0a: // 1 bytes_val
      val = { case: "bytesVal", value: r.bytes() };
      break;
    case 0x12: // 2 string_val
      val = { case: "stringVal", value: r.string() };
      break;
    case 0x18: // 3 int32_val
      val = { case: "int32Val", value: r.int32() };
      break;
    case 0x20: // 4 int64_val
      val = { case: "int64Val", value: r.varint64() };
      break;
    case 0x29: // 5 double_val
      val = { case: "doubleVal", value: r.double() };
      break;
    case 0x35: // 6 float_val
      val = { case: "floatVal", value: r.float() };
      break;
    case 0x38: // 7 bool_val
      val = { case: "boolVal", value: r.bool() };
      break;
    case 0x40: // 8 unix_timestamp_val
      val = { case: "unixTimestampVal", value: r.varint64() };
      break;
    case 19 * 8: // 19 null_val
      // Null has one value, 0; protobuf-es keeps any other number (an open enum), and so does this.
      val = { case: "nullVal", value: r.int32() as 0 };
      break;
    default: {
      const field = Math.floor(tag / 8);
      const list = LIST_CASES[field];
      if (list === undefined || (tag & 7) !== 2) return undefined;
      const [ls, le] = r.delimited();
      const items = decodeList(buf, ls, le, field);
      if (items === undefined) return undefined;
      val = { case: list[0], value: { $typeName: list[1], val: items } } as Value["val"];
    }
  }
  return r.pos === r.end ? { $typeName: VALUE_TYPE_NAME, val } : undefined;
}

/** The items of a list message (its field 1), packed or not, or undefined for anything unexpected. */
function decodeList(buf: Buffer, s: number, e: number, field: number): unknown[] | undefined {
  const r = new WireReader(buf, s, e);
  const items: unknown[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a && (field === 11 || field === 12)) {
      items.push(field === 11 ? r.bytes() : r.string());
    } else if (tag === 0x0a) {
      // A packed run of numbers.
      const [ps, pe] = r.delimited();
      const p = new WireReader(buf, ps, pe);
      while (p.pos < p.end) items.push(listNumber(p, field));
    } else if (tag >>> 3 === 1 && field !== 11 && field !== 12 && (tag & 7) === numberWireType(field)) {
      items.push(listNumber(r, field));
    } else {
      return undefined;
    }
  }
  return items;
}

function numberWireType(field: number): number {
  return field === 15 ? 1 : field === 16 ? 5 : 0;
}

function listNumber(r: WireReader, field: number): unknown {
  switch (field) {
    case 13:
      return r.int32();
    case 15:
      return r.double();
    case 16:
      return r.float();
    case 17:
      return r.bool();
    default:
      return r.varint64();
  }
}

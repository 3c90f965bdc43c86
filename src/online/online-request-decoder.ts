/**
 * A hand-written decoder for GetOnlineFeaturesRequest, the serving hot path.
 * The feature selection of a model's requests repeats request after request,
 * so its bytes are cached: a repeated selection costs one lookup instead of
 * decoding 50 or 250 strings, and the same FeatureSelection object lets the
 * retrieval plan cache hit by identity. Common scalar Values are decoded inline; anything
 * else falls back to protobuf-es. The result equals `fromBinary`'s.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  type FeatureSelection,
  FeatureSelectionSchema,
  type GetOnlineFeaturesRequest,
  GetOnlineFeaturesRequestSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import {
  type RepeatedValue,
  RepeatedValueSchema,
  type Value,
  ValueSchema,
} from "../../gen/fstore/v1/value_pb.js";

const MAX_CACHED_SELECTIONS = 1024;
/** Larger selections are decoded each time: 1,024 cached selections of megabytes each would hold gigabytes. */
const MAX_CACHED_SELECTION_BYTES = 64 * 1024;
const selections = new Map<string, FeatureSelection>();

class Reader {
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

  /** The [start, end) of a length-delimited field's payload, advancing past it. */
  delimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new Error("premature end of input");
    this.pos = start + len;
    return [start, start + len];
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

/** Decodes GetOnlineFeaturesRequest bytes; throws on invalid input like `fromBinary`. */
export function decodeOnlineRequest(bytes: Uint8Array): GetOnlineFeaturesRequest {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf, 0, buf.length);
  const message = create(GetOnlineFeaturesRequestSchema);
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 6 && wireType === 2 && message.selection === undefined) {
      const [s, e] = r.delimited();
      message.selection = selectionAt(buf, s, e);
    } else if ((field === 3 || field === 5) && wireType === 2) {
      const [s, e] = r.delimited();
      const [key, value] = mapEntry(buf, s, e);
      (field === 3 ? message.entities : message.requestContext)[key] = value;
    } else if (field === 4 && wireType === 0) {
      message.fullFeatureNames = r.varint() !== 0;
    } else {
      // Unknown or unexpected fields, or a second selection to merge: let protobuf-es decide.
      return fromBinary(GetOnlineFeaturesRequestSchema, bytes);
    }
  }
  return message;
}

/**
 * The selection these bytes encode, shared by every request with the same
 * bytes. A second occurrence of the field must be merged into the first
 * (protobuf's rule): that rare request goes to `fromBinary` as a whole.
 */
function selectionAt(buf: Buffer, s: number, e: number): FeatureSelection {
  if (e - s > MAX_CACHED_SELECTION_BYTES) return fromBinary(FeatureSelectionSchema, plain(buf, s, e));
  const id = buf.toString("latin1", s, e);
  let selection = selections.get(id);
  if (!selection) {
    selection = fromBinary(FeatureSelectionSchema, plain(buf, s, e));
    if (selections.size >= MAX_CACHED_SELECTIONS) selections.clear();
    selections.set(id, selection);
  }
  return selection;
}

function mapEntry(buf: Buffer, s: number, e: number): [string, RepeatedValue] {
  const r = new Reader(buf, s, e);
  let key = "";
  let value: RepeatedValue | undefined;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) {
      const [ks, ke] = r.delimited();
      key = buf.toString("utf8", ks, ke);
    } else if (tag === 0x12) {
      const [vs, ve] = r.delimited();
      value = repeatedValue(buf, vs, ve);
    } else r.skip(tag & 7);
  }
  return [key, value ?? create(RepeatedValueSchema)];
}

function repeatedValue(buf: Buffer, s: number, e: number): RepeatedValue {
  const r = new Reader(buf, s, e);
  const val: Value[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag !== 0x0a) return fromBinary(RepeatedValueSchema, plain(buf, s, e));
    const [vs, ve] = r.delimited();
    const v = scalarValue(buf, vs, ve);
    if (v === undefined) return fromBinary(RepeatedValueSchema, plain(buf, s, e));
    val.push(v);
  }
  return create(RepeatedValueSchema, { val });
}

/**
 * A Value holding one common scalar, or undefined to fall back to protobuf-es.
 * Built as the plain object `create(ValueSchema, ...)` returns (protobuf-es
 * messages are plain objects with `$typeName`), without its reflective
 * initialization: a 100-entity request decodes 100 of these.
 */
function scalarValue(buf: Buffer, s: number, e: number): Value | undefined {
  if (s === e) return create(ValueSchema);
  const r = new Reader(buf, s, e);
  const tag = r.varint();
  let v: Value;
  switch (tag) {
    case 0x20:
      v = { $typeName: VALUE_TYPE_NAME, val: { case: "int64Val", value: r.varint64() } };
      break;
    case 0x12: {
      const [ss, se] = r.delimited();
      v = { $typeName: VALUE_TYPE_NAME, val: { case: "stringVal", value: buf.toString("utf8", ss, se) } };
      break;
    }
    case 0x18:
      v = {
        $typeName: VALUE_TYPE_NAME,
        val: { case: "int32Val", value: Number(BigInt.asIntN(32, r.varint64())) },
      };
      break;
    default:
      return undefined;
  }
  return r.pos === r.end ? v : undefined;
}

const VALUE_TYPE_NAME = ValueSchema.typeName as "fstore.v1.Value";

/** A plain Uint8Array view (protobuf-es then yields plain Uint8Array bytes values, as for any other input). */
function plain(buf: Buffer, s: number, e: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + s, e - s);
}

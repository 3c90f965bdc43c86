/**
 * Decodes `fstore.v1.RecordBatch` bytes straight into typed arrays: int64
 * and timestamp columns into BigInt64Array (no BigInt made per value),
 * doubles and floats by copying their packed bytes, bools and null masks as
 * bytes. A generic protobuf decoder makes a JS value per cell (measured: 3.1
 * CPU seconds for a 1M-row, 11-column training set; this decoder: ~0.3 s).
 * Packed and unpacked repeated fields are both accepted, as protobuf
 * requires of a parser.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { RepeatedValueSchema, ValueType } from "../gen/fstore/v1/value_pb.js";
import { fromValue, type NativeValue } from "./native-values.js";

/** The values of one column, by value type. */
export type ColumnValues =
  /** INT64, and UNIX_TIMESTAMP as microseconds since the epoch (UTC). */
  | BigInt64Array
  /** INT32. */
  | Int32Array
  /** DOUBLE. */
  | Float64Array
  /** FLOAT. */
  | Float32Array
  /** BOOL, one byte per row (0 or 1). */
  | Uint8Array
  /** STRING. */
  | string[]
  /** BYTES. */
  | Uint8Array[]
  /** Lists: native arrays (or null). */
  | NativeValue[];

/** One column of a decoded batch. Values at null rows are 0, "" or empty. */
export interface DecodedColumn {
  name: string;
  valueType: ValueType;
  /** Byte i is 1 when row i is null; undefined when no row is. */
  nulls: Uint8Array | undefined;
  values: ColumnValues;
}

export interface DecodedBatch {
  numRows: number;
  columns: DecodedColumn[];
}

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

const utf8 = new TextDecoder();

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  uint32(): number {
    const b = this.buf;
    let x = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error("record batch: truncated varint");
      const byte = b[this.pos++] as number;
      if (shift < 32) x |= (byte & 0x7f) << shift;
      if (byte < 0x80) return x >>> 0;
      shift += 7;
      if (shift >= 70) throw new Error("record batch: varint too long");
    }
  }

  /** A varint's low and high 32 bits, into `out[at]`, `out[at + 1]`. */
  varint64(out: Int32Array, at: number): void {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let byte = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (this.pos >= this.end) throw new Error("record batch: truncated varint");
      byte = b[this.pos++] as number;
      lo |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        out[at] = lo;
        out[at + 1] = 0;
        return;
      }
    }
    if (this.pos >= this.end) throw new Error("record batch: truncated varint");
    byte = b[this.pos++] as number;
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >> 4;
    if (byte >= 0x80) {
      for (i = 0; i < 5; i++) {
        if (this.pos >= this.end) throw new Error("record batch: truncated varint");
        byte = b[this.pos++] as number;
        hi |= (byte & 0x7f) << (7 * i + 3);
        if (byte < 0x80) break;
      }
      if (byte >= 0x80) throw new Error("record batch: varint too long");
    }
    out[at] = lo;
    out[at + 1] = hi;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        while ((this.buf[this.pos++] as number) >= 0x80) if (this.pos >= this.end) break;
        break;
      case FIXED64:
        this.pos += 8;
        break;
      case LEN:
        this.pos += this.uint32();
        break;
      case FIXED32:
        this.pos += 4;
        break;
      default:
        throw new Error(`record batch: unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new Error("record batch: truncated field");
  }

  /** The [start, end) of a length-delimited field's content. */
  span(): [number, number] {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error("record batch: truncated field");
    return [start, this.pos];
  }
}

/** Number of varints in buf[start, end) (bytes without the continuation bit). */
function countVarints(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if ((buf[i] as number) < 0x80) n++;
  return n;
}

/** Growable list of 64-bit halves, for unpacked varints. */
class Halves {
  data = new Int32Array(16);
  n = 0;
  push(r: Reader): void {
    if (2 * this.n + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    r.varint64(this.data, 2 * this.n);
    this.n++;
  }
}

/** A column's values as they arrive (packed chunks or single elements), then finished. */
interface Collector {
  field(r: Reader, wireType: number): void;
  finish(): ColumnValues;
}

class VarintCollector implements Collector {
  readonly halves = new Halves();
  constructor(readonly kind: "int64" | "int32" | "bool") {}
  field(r: Reader, wireType: number): void {
    if (wireType === VARINT) {
      this.halves.push(r);
      return;
    }
    if (wireType !== LEN) {
      r.skip(wireType);
      return;
    }
    const [start, end] = r.span();
    const count = countVarints(r.buf, start, end);
    const h = this.halves;
    if (2 * (h.n + count) > h.data.length) {
      const next = new Int32Array(2 * (h.n + count));
      next.set(h.data.subarray(0, 2 * h.n));
      h.data = next;
    }
    const sub = new Reader(r.buf, start, end);
    for (let i = 0; i < count; i++) sub.varint64(h.data, 2 * (h.n + i));
    h.n += count;
  }
  finish(): ColumnValues {
    const { data, n } = this.halves;
    if (this.kind === "int64") {
      const out = new BigInt64Array(n);
      new Int32Array(out.buffer).set(data.subarray(0, 2 * n));
      return out;
    }
    if (this.kind === "int32") {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = data[2 * i] as number;
      return out;
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++)
      out[i] = (data[2 * i] as number) !== 0 || (data[2 * i + 1] as number) !== 0 ? 1 : 0;
    return out;
  }
}

class FixedCollector implements Collector {
  readonly parts: Uint8Array[] = [];
  bytes = 0;
  constructor(readonly width: 4 | 8) {}
  field(r: Reader, wireType: number): void {
    let start: number;
    let end: number;
    if (wireType === LEN) [start, end] = r.span();
    else if (wireType === (this.width === 8 ? FIXED64 : FIXED32)) {
      start = r.pos;
      end = r.pos + this.width;
      r.pos = end;
      if (end > r.end) throw new Error("record batch: truncated field");
    } else {
      r.skip(wireType);
      return;
    }
    if ((end - start) % this.width !== 0) throw new Error("record batch: bad packed fixed-width field");
    this.parts.push(r.buf.subarray(start, end));
    this.bytes += end - start;
  }
  finish(): ColumnValues {
    // A copy into a fresh (aligned) buffer.
    const all = new Uint8Array(this.bytes);
    let at = 0;
    for (const p of this.parts) {
      all.set(p, at);
      at += p.length;
    }
    return this.width === 8 ? new Float64Array(all.buffer) : new Float32Array(all.buffer);
  }
}

class VarlenCollector implements Collector {
  readonly values: (string | Uint8Array)[] = [];
  constructor(readonly bytes: boolean) {}
  field(r: Reader, wireType: number): void {
    if (wireType !== LEN) {
      r.skip(wireType);
      return;
    }
    const [start, end] = r.span();
    this.values.push(this.bytes ? r.buf.slice(start, end) : decodeString(r.buf, start, end));
  }
  finish(): ColumnValues {
    return this.values as string[] | Uint8Array[];
  }
}

/** Short ASCII strings without TextDecoder's per-call cost; anything else through it. */
function decodeString(buf: Uint8Array, start: number, end: number): string {
  if (end - start > 24) return utf8.decode(buf.subarray(start, end));
  let s = "";
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
    s += String.fromCharCode(c);
  }
  return s;
}

function collectorOf(field: number): Collector | undefined {
  switch (field) {
    case 4:
      return new VarlenCollector(true);
    case 5:
      return new VarlenCollector(false);
    case 6:
      return new VarintCollector("int32");
    case 7:
    case 11:
      return new VarintCollector("int64");
    case 8:
      return new FixedCollector(8);
    case 9:
      return new FixedCollector(4);
    case 10:
      return new VarintCollector("bool");
    default:
      return undefined;
  }
}

function decodeColumn(buf: Uint8Array, start: number, end: number): DecodedColumn {
  const r = new Reader(buf, start, end);
  let name = "";
  let valueType = ValueType.UNSPECIFIED;
  let nulls: VarintCollector | undefined;
  let values: Collector | undefined;
  let valuesField = 0;
  let lists: Uint8Array | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === LEN) {
      const [s, e] = r.span();
      name = utf8.decode(buf.subarray(s, e));
    } else if (field === 2 && wireType === VARINT) {
      valueType = r.uint32() as ValueType;
    } else if (field === 3) {
      nulls ??= new VarintCollector("bool");
      nulls.field(r, wireType);
    } else if (field === 12 && wireType === LEN) {
      const [s, e] = r.span();
      lists = buf.subarray(s, e);
      valuesField = 12;
    } else if (field >= 4 && field <= 11 && wireType === LEN) {
      // The XList message: its field 1 holds the elements.
      if (field !== valuesField) {
        values = collectorOf(field);
        valuesField = field;
      }
      const [s, e] = r.span();
      const list = new Reader(buf, s, e);
      while (list.pos < e) {
        const t = list.uint32();
        if (t >>> 3 === 1 && values) values.field(list, t & 7);
        else list.skip(t & 7);
      }
    } else r.skip(wireType);
  }
  let decoded: ColumnValues;
  if (valuesField === 12) {
    decoded = fromBinary(RepeatedValueSchema, lists ?? new Uint8Array()).val.map(fromValue);
  } else decoded = values ? values.finish() : emptyValues(valueType);
  const mask = nulls?.finish() as Uint8Array | undefined;
  return { name, valueType, nulls: mask && mask.length > 0 ? mask : undefined, values: decoded };
}

function emptyValues(t: ValueType): ColumnValues {
  switch (t) {
    case ValueType.INT64:
    case ValueType.UNIX_TIMESTAMP:
      return new BigInt64Array(0);
    case ValueType.INT32:
      return new Int32Array(0);
    case ValueType.DOUBLE:
      return new Float64Array(0);
    case ValueType.FLOAT:
      return new Float32Array(0);
    case ValueType.BOOL:
      return new Uint8Array(0);
    default:
      return [];
  }
}

/** Decodes RecordBatch bytes. */
export function decodeRecordBatch(buf: Uint8Array, start = 0, end = buf.length): DecodedBatch {
  const r = new Reader(buf, start, end);
  let numRows = 0;
  const columns: DecodedColumn[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === VARINT) numRows = r.uint32();
    else if (field === 2 && wireType === LEN) {
      const [s, e] = r.span();
      columns.push(decodeColumn(buf, s, e));
    } else r.skip(wireType);
  }
  return { numRows, columns };
}

/**
 * The RecordBatch inside a GetHistoricalFeaturesResponse's bytes, decoded, or
 * undefined when the message is not a batch (schema or summary).
 */
export function decodeBatchMessage(buf: Uint8Array): DecodedBatch | undefined {
  const r = new Reader(buf);
  let batch: [number, number] | undefined;
  while (r.pos < buf.length) {
    const tag = r.uint32();
    if (tag >>> 3 === 2 && (tag & 7) === LEN) batch = r.span();
    else if (tag >>> 3 === 1 || tag >>> 3 === 3) return undefined;
    else r.skip(tag & 7);
  }
  return batch ? decodeRecordBatch(buf, batch[0], batch[1]) : undefined;
}

/** The native values of a decoded column (null where masked), as the ergonomic client returns them. */
export function nativeColumnValues(c: DecodedColumn): NativeValue[] {
  const v = c.values;
  const nulls = c.nulls;
  const n = v.length;
  const out: NativeValue[] = new Array(n);
  if (c.valueType === ValueType.UNIX_TIMESTAMP && v instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) out[i] = new Date(Number((v[i] as bigint) / 1000n));
  } else if (c.valueType === ValueType.BOOL && v instanceof Uint8Array) {
    for (let i = 0; i < n; i++) out[i] = v[i] === 1;
  } else {
    for (let i = 0; i < n; i++) out[i] = v[i] as NativeValue;
  }
  if (nulls) for (let i = 0; i < n; i++) if (nulls[i]) out[i] = null;
  return out;
}

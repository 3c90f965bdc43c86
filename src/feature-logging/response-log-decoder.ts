/**
 * Decodes GetOnlineFeatures responses (the bytes the server sent) into the
 * columns of a serving log: one log row per entity row, with each column's
 * value, and for features the status and event time. It walks the wire
 * format once, writing flat typed arrays (no message objects), because it
 * runs for every logged request, off the serving path but in the same
 * process. Pure: bytes in, columns out (`StagedRows`).
 */
import { fromBinary } from "@bufbuild/protobuf";
import { ValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { fromValue } from "../values/index.js";
import type { LogColumn } from "./log-schema.js";

/** One logged column's values for up to `capacity` rows (`valid[r]` 0: null). */
export interface StagedColumn {
  readonly dtype: ValueType;
  readonly key: boolean;
  /** OBJECT_VALUES when `values` is a JS array, BYTE_VALUES when it holds the ends of byte ranges in `bytes`. */
  readonly kind: number;
  /**
   * STRING and BYTES: the values' bytes as served, back to back (row r is
   * bytes[end(r - 1), end(r)), `values` holding the ends): no string object
   * per value, so half a million logged strings are not half a million
   * objects for the garbage collector to move.
   */
  readonly bytes: ByteStore;
  /** Whether this column stages its view's event times (the view's first feature; see LogColumn.timesOf). */
  readonly times: boolean;
  /** DOUBLE, FLOAT and UNIX_TIMESTAMP (as µs): Float64Array; INT32 and STRING/BYTES ends: Int32Array; INT64: BigInt64Array; else JS values. */
  readonly values: Float64Array | Int32Array | BigInt64Array | unknown[];
  readonly valid: Uint8Array;
  /** Features: the FieldStatus number served per row. */
  readonly status: Int32Array;
  /** The view's first feature: the event time served, µs since the epoch (`timeValid` 0: none). */
  readonly timeUs: Float64Array;
  readonly timeValid: Uint8Array;
}

/** Log rows being gathered for one schema: decoded responses until `capacity` rows. */
export class StagedRows {
  rows = 0;
  columns: StagedColumn[];
  /** The request time of each row, µs since the epoch. */
  requestUs: Float64Array;

  constructor(
    readonly schema: readonly LogColumn[],
    public capacity: number,
  ) {
    this.columns = schema.map((c, i) => ({
      dtype: c.dtype,
      key: c.key,
      times: c.timesOf === i,
      kind: byteValues(c.dtype) ? BYTE_VALUES : typedValues(c.dtype) ? TYPED_VALUES : OBJECT_VALUES,
      bytes: new ByteStore(byteValues(c.dtype) ? capacity * 8 : 0),
      values: newValues(c.dtype, capacity),
      valid: new Uint8Array(capacity),
      status: new Int32Array(c.key ? 0 : capacity),
      timeUs: new Float64Array(c.timesOf === i ? capacity : 0),
      timeValid: new Uint8Array(c.timesOf === i ? capacity : 0),
    }));
    this.requestUs = new Float64Array(capacity);
  }

  /** Empties the rows (the arrays are reused). */
  clear(): void {
    this.rows = 0;
    for (const c of this.columns) c.bytes.used = 0;
  }

  /** Makes room for `more` rows after the current ones (the arrays double as needed). */
  reserve(more: number): void {
    const need = this.rows + more;
    if (need <= this.capacity) return;
    let capacity = Math.max(this.capacity, 1);
    while (capacity < need) capacity *= 2;
    const grow = <A extends { length: number; set?: unknown }>(a: A, make: (n: number) => A): A => {
      const b = make(capacity);
      if (Array.isArray(a)) for (let i = 0; i < a.length; i++) (b as unknown as unknown[])[i] = a[i];
      else (b as unknown as Float64Array).set(a as unknown as Float64Array);
      return b;
    };
    this.columns = this.columns.map((c) => ({
      ...c,
      values: grow(c.values as Float64Array, (n) => newValues(c.dtype, n) as Float64Array),
      bytes: c.bytes,
      valid: grow(c.valid, (n) => new Uint8Array(n)),
      status: c.key ? c.status : grow(c.status, (n) => new Int32Array(n)),
      timeUs: c.times ? grow(c.timeUs, (n) => new Float64Array(n)) : c.timeUs,
      timeValid: c.times ? grow(c.timeValid, (n) => new Uint8Array(n)) : c.timeValid,
    }));
    this.requestUs = grow(this.requestUs, (n) => new Float64Array(n));
    this.capacity = capacity;
  }
}

const TYPED_VALUES = 0;
const OBJECT_VALUES = 1;
export const BYTE_VALUES = 2;

function byteValues(dtype: ValueType): boolean {
  return dtype === ValueType.STRING || dtype === ValueType.BYTES;
}

/** A growable byte buffer. */
export class ByteStore {
  used = 0;
  buf: Uint8Array;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  append(src: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (this.used + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.used + n, 64));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
    }
    this.buf.set(src.subarray(start, end), this.used);
    this.used += n;
    return this.used;
  }
}

function typedValues(dtype: ValueType): boolean {
  return !Array.isArray(newValues(dtype, 0));
}

function newValues(dtype: ValueType, n: number): StagedColumn["values"] {
  if (byteValues(dtype)) return new Int32Array(n);
  switch (dtype) {
    case ValueType.DOUBLE:
    case ValueType.FLOAT:
    case ValueType.UNIX_TIMESTAMP:
      return new Float64Array(n);
    case ValueType.INT32:
      return new Int32Array(n);
    case ValueType.INT64:
      return new BigInt64Array(n);
    default:
      return new Array<unknown>(n).fill(null);
  }
}

/**
 * How many entity rows a response holds: the length of its first column's
 * packed statuses (every column has one status per row).
 */
export function responseRowCount(buf: Uint8Array, start: number, end: number): number {
  const r = new Reader(buf, start, end);
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x12) {
      const len = r.varint();
      const vEnd = r.pos + len;
      let rows = 0;
      while (r.pos < vEnd) {
        const t = r.varint();
        if (t === 0x12) return r.varint();
        if (t === 0x10) {
          rows++;
          r.varint();
        } else if (t === 0x0a) {
          rows++;
          const len = r.varint();
          r.pos += len;
        } else r.skip(t & 7);
      }
      return rows;
    }
    r.skip(tag & 7);
  }
  return 0;
}

/**
 * Appends the rows of one encoded response (`buf[start, end)`) to `into`,
 * each with the request time `requestUs`. The caller makes room first: the
 * response's rows must fit (`responseRowCount`). A response whose columns do
 * not match the schema's count is an error (a bug, not bad input: the server
 * encoded it).
 */
export function decodeResponseRows(
  buf: Uint8Array,
  start: number,
  end: number,
  requestUs: number,
  into: StagedRows,
): number {
  const r = new Reader(buf, start, end);
  const base = into.rows;
  let column = 0;
  let rows = -1;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag !== 0x12) {
      r.skip(tag & 7); // the metadata (names): the schema has them
      continue;
    }
    const len = r.varint();
    const c = into.columns[column];
    if (c === undefined)
      throw new Error(`logged response has more columns than its schema (${into.columns.length})`);
    const n = decodeVector(r, r.pos + len, c, base);
    if (rows < 0) rows = n;
    else if (n !== rows) throw new Error(`logged response column ${column} has ${n} rows, expected ${rows}`);
    column++;
  }
  if (column !== into.columns.length) {
    throw new Error(`logged response has ${column} columns, its schema ${into.columns.length}`);
  }
  rows = Math.max(rows, 0);
  if (base + rows > into.capacity) throw new Error("logged response overflows the staged rows");
  into.requestUs.fill(requestUs, base, base + rows);
  into.rows = base + rows;
  return rows;
}

/** One FeatureVector: values (field 1), statuses (2, packed or not), event timestamps (3). Returns its rows. */
function decodeVector(r: Reader, end: number, c: StagedColumn, base: number): number {
  let values = 0;
  let statuses = 0;
  let times = 0;
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 0x0a: {
        const len = r.varint();
        const at = base + values++;
        if (at < c.valid.length) decodeValue(r, r.pos + len, c, at);
        else r.pos += len;
        break;
      }
      case 0x12: {
        const len = r.varint();
        const stop = r.pos + len;
        while (r.pos < stop) {
          const s = r.varint();
          if (!c.key && base + statuses < c.status.length) c.status[base + statuses] = s;
          statuses++;
        }
        break;
      }
      case 0x10: {
        const s = r.varint();
        if (!c.key && base + statuses < c.status.length) c.status[base + statuses] = s;
        statuses++;
        break;
      }
      case 0x1a: {
        const len = r.varint();
        const stop = r.pos + len;
        if (!c.times) {
          // The view's first column has the same times.
          times++;
          r.pos = stop;
          break;
        }
        let seconds = 0;
        let nanos = 0;
        while (r.pos < stop) {
          const t = r.varint();
          if (t === 0x08) seconds = r.int64AsNumber();
          else if (t === 0x10) nanos = r.varint();
          else r.skip(t & 7);
        }
        const at = base + times++;
        if (at < c.timeUs.length) {
          const us = seconds * 1e6 + Math.floor(nanos / 1000);
          c.timeUs[at] = us;
          c.timeValid[at] = us !== 0 ? 1 : 0;
        }
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return Math.max(values, statuses);
}

/** One Value message into row `at` of `c` (an empty Value or null_val: null). */
function decodeValue(r: Reader, end: number, c: StagedColumn, at: number): void {
  c.valid[at] = 0;
  // A byte column's row without a value is an empty range.
  if (c.kind === BYTE_VALUES) (c.values as Int32Array)[at] = c.bytes.used;
  if (r.pos >= end) return;
  const start = r.pos;
  const tag = r.buf[r.pos++] as number;
  // The common cases, typed per column: a number into a typed array without an intermediate value.
  const values = c.values;
  if (tag === 0x29 && values instanceof Float64Array) {
    values[at] = r.double();
    c.valid[at] = 1;
  } else if (tag === 0x20 && values instanceof BigInt64Array) {
    values[at] = r.int64();
    c.valid[at] = 1;
  } else if ((tag === 0x12 || tag === 0x0a) && c.kind === BYTE_VALUES) {
    const len = r.varint();
    (values as Int32Array)[at] = c.bytes.append(r.buf, r.pos, r.pos + len);
    c.valid[at] = 1;
  } else if (tag === 0x12 && c.kind === OBJECT_VALUES) {
    const len = r.varint();
    (values as unknown[])[at] = r.utf8(len);
    c.valid[at] = 1;
  } else if (tag !== 0x98) {
    r.pos = start;
    const x = otherValue(r, end, c.dtype);
    if (x !== null) store(c, at, x);
  }
  r.pos = end;
}

/** Any other Value (floats, int32s, bools, timestamps, bytes, lists, a type other than the column's). */
function otherValue(
  r: Reader,
  end: number,
  dtype: ValueType,
): number | bigint | string | boolean | Uint8Array | null {
  const start = r.pos;
  const tag = r.varint();
  switch (tag) {
    case 0x29:
      return r.double();
    case 0x35:
      return r.float();
    case 0x18:
      return r.int64AsNumber() | 0;
    case 0x20:
      return r.int64();
    case 0x40:
      return r.int64AsNumber() * 1e6; // seconds -> µs
    case 0x38:
      return r.varint() !== 0;
    case 0x12:
      return r.utf8(r.varint());
    case 0x0a: {
      const len = r.varint();
      return new Uint8Array(r.buf.subarray(r.pos, r.pos + len)); // a copy, and not a Buffer
    }
    default: {
      // A list: decoded with protobuf-es (rare), logged as JSON text.
      const value = fromBinary(ValueSchema, r.buf.subarray(start, end));
      return JSON.stringify(fromValue(value, dtype, "logged value"), (_k, v) =>
        typeof v === "bigint"
          ? v.toString()
          : v instanceof Uint8Array
            ? Buffer.from(v).toString("base64")
            : v,
      );
    }
  }
}

function store(c: StagedColumn, at: number, x: number | bigint | string | boolean | Uint8Array): void {
  const values = c.values;
  if (c.kind === BYTE_VALUES) {
    const bytes = typeof x === "string" ? Buffer.from(x, "utf8") : x instanceof Uint8Array ? x : null;
    if (bytes === null) return;
    (values as Int32Array)[at] = c.bytes.append(bytes, 0, bytes.length);
    c.valid[at] = 1;
    return;
  }
  if (values instanceof Float64Array || values instanceof Int32Array) {
    if (typeof x === "number") values[at] = x;
    else if (typeof x === "bigint") values[at] = Number(x);
    else return;
  } else if (values instanceof BigInt64Array) {
    if (typeof x === "bigint") values[at] = x;
    else if (typeof x === "number" && Number.isInteger(x)) values[at] = BigInt(x);
    else return;
  } else values[at] = x;
  c.valid[at] = 1;
}

const utf8 = new TextDecoder();

/** A cursor over protobuf wire bytes. */
class Reader {
  readonly dv: DataView;
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  /** A varint below 2^53 (tags, lengths, statuses, nanos). */
  varint(): number {
    const b = this.buf;
    let x = b[this.pos++] as number;
    if (x < 0x80) return x;
    x &= 0x7f;
    let mul = 0x80;
    for (;;) {
      const byte = b[this.pos++] as number;
      x += (byte & 0x7f) * mul;
      if (byte < 0x80) return x;
      mul *= 0x80;
    }
  }
  /** A signed int64 varint, exact (BigInt arithmetic only past 7 bytes). */
  int64(): bigint {
    const b = this.buf;
    const first = this.pos;
    let n = 0;
    while ((b[this.pos++] as number) >= 0x80) n++;
    this.pos = first;
    if (n < 7) return BigInt(this.varint());
    let x = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[this.pos++] as number;
      x |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7n;
    }
    return BigInt.asIntN(64, x);
  }
  /** A signed int64 varint as a number (exact below 2^53; negatives are 10 bytes). */
  int64AsNumber(): number {
    const b = this.buf;
    const first = this.pos;
    let n = 0;
    while ((b[this.pos++] as number) >= 0x80) n++;
    if (n < 7) {
      this.pos = first;
      return this.varint();
    }
    this.pos = first;
    return Number(this.int64());
  }
  double(): number {
    const x = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }
  float(): number {
    const x = this.dv.getFloat32(this.pos, true);
    this.pos += 4;
    return x;
  }
  utf8(len: number): string {
    const b = this.buf;
    const start = this.pos;
    this.pos += len;
    if (len < 32) {
      let s = "";
      for (let i = start; i < start + len; i++) {
        const ch = b[i] as number;
        if (ch >= 0x80) return utf8.decode(b.subarray(start, start + len));
        s += String.fromCharCode(ch);
      }
      return s;
    }
    return utf8.decode(b.subarray(start, start + len));
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) {
      const len = this.varint(); // read before `this.pos` is: += would add to the old position
      this.pos += len;
    } else if (wireType === 5) this.pos += 4;
    else throw new Error(`logged response: unexpected wire type ${wireType}`);
  }
}

/** The value staged at `row` of `c` as a JS value (null: none); for tests and readers of staged rows. */
export function stagedValue(c: StagedColumn, row: number): unknown {
  if (!c.valid[row]) return null;
  if (c.kind === BYTE_VALUES) {
    const ends = c.values as Int32Array;
    const start = row === 0 ? 0 : (ends[row - 1] as number);
    const bytes = c.bytes.buf.slice(start, ends[row] as number);
    return c.dtype === ValueType.STRING ? new TextDecoder().decode(bytes) : bytes;
  }
  return c.values[row];
}

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
  /** How `values` holds them: F64_VALUES, I32_VALUES, I64_VALUES, BYTE_VALUES or OBJECT_VALUES (a JS array). */
  readonly kind: number;
  /**
   * STRING and BYTES: the values' bytes as served, back to back, each after
   * its byte length (u32, little-endian), as Parquet's PLAIN encoding has
   * them (row r is bytes[end(r - 1), end(r)), `values` holding the ends; a
   * null row is an empty range): no string object per value, so half a
   * million logged strings are not half a million objects for the garbage
   * collector to move, and the Parquet page is these bytes as they are.
   */
  readonly bytes: ByteStore;
  /** Whether this column stages its view's event times (the view's first feature; see LogColumn.timesOf). */
  readonly times: boolean;
  /** DOUBLE, FLOAT and UNIX_TIMESTAMP (as µs): Float64Array; INT32 and STRING/BYTES ends: Int32Array; INT64: BigInt64Array; else JS values. */
  readonly values: Float64Array | Int32Array | BigInt64Array | unknown[];
  /** INT64: `values` as 32-bit words (low, high), written without a BigInt per value. */
  readonly words: Int32Array | undefined;
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
    this.columns = schema.map((c, i) => {
      const values = newValues(c.dtype, capacity);
      return {
        dtype: c.dtype,
        key: c.key,
        times: c.timesOf === i,
        kind: kindOf(c.dtype),
        bytes: new ByteStore(byteValues(c.dtype) ? capacity * 12 : 0),
        values,
        words: wordsOf(values),
        valid: new Uint8Array(capacity),
        status: new Int32Array(c.key ? 0 : capacity),
        timeUs: new Float64Array(c.timesOf === i ? capacity : 0),
        timeValid: new Uint8Array(c.timesOf === i ? capacity : 0),
      };
    });
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
    this.columns = this.columns.map((c) => {
      const values = grow(c.values as Float64Array, (n) => newValues(c.dtype, n) as Float64Array);
      return {
        ...c,
        values,
        words: wordsOf(values),
        bytes: c.bytes,
        valid: grow(c.valid, (n) => new Uint8Array(n)),
        status: c.key ? c.status : grow(c.status, (n) => new Int32Array(n)),
        timeUs: c.times ? grow(c.timeUs, (n) => new Float64Array(n)) : c.timeUs,
        timeValid: c.times ? grow(c.timeValid, (n) => new Uint8Array(n)) : c.timeValid,
      };
    });
    this.requestUs = grow(this.requestUs, (n) => new Float64Array(n));
    this.capacity = capacity;
  }
}

export const F64_VALUES = 0;
export const I32_VALUES = 1;
export const I64_VALUES = 2;
export const BYTE_VALUES = 3;
export const OBJECT_VALUES = 4;

function byteValues(dtype: ValueType): boolean {
  return dtype === ValueType.STRING || dtype === ValueType.BYTES;
}

function kindOf(dtype: ValueType): number {
  if (byteValues(dtype)) return BYTE_VALUES;
  const values = newValues(dtype, 0);
  return values instanceof Float64Array
    ? F64_VALUES
    : values instanceof Int32Array
      ? I32_VALUES
      : values instanceof BigInt64Array
        ? I64_VALUES
        : OBJECT_VALUES;
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

function wordsOf(values: StagedColumn["values"]): Int32Array | undefined {
  return values instanceof BigInt64Array
    ? new Int32Array(values.buffer, values.byteOffset, values.length * 2)
    : undefined;
}

/** A growable byte buffer of values, each after its length. */
export class ByteStore {
  used = 0;
  buf: Uint8Array;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  /** Appends the length of `src[start, end)` (u32 LE) and those bytes; returns the end of the bytes used. */
  append(src: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (this.used + 4 + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.used + 4 + n, 64));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
    }
    const buf = this.buf;
    let at = this.used;
    buf[at] = n & 0xff;
    buf[at + 1] = (n >>> 8) & 0xff;
    buf[at + 2] = (n >>> 16) & 0xff;
    buf[at + 3] = n >>> 24;
    at += 4;
    // Short values (the usual ones) byte by byte: a subarray per value would be an object per value.
    if (n <= 32) for (let i = start; i < end; i++) buf[at++] = src[i] as number;
    else {
      buf.set(src.subarray(start, end), at);
      at += n;
    }
    this.used = at;
    return at;
  }
}

/**
 * How many entity rows a response holds: the length of its first column's
 * packed statuses (every column has one status per row).
 */
export function responseRowCount(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  while (p < end) {
    const tag = varintAt(buf, p);
    p = next;
    if (tag !== 0x12) {
      p = skipAt(buf, p, tag & 7);
      continue;
    }
    const vEnd = varintAt(buf, p) + next;
    p = next;
    let rows = 0;
    while (p < vEnd) {
      const t = varintAt(buf, p);
      p = next;
      if (t === 0x12) return varintAt(buf, p); // packed statuses: one byte each in the usual case
      if (t === 0x10 || t === 0x0a) rows++;
      p = skipAt(buf, p, t & 7);
    }
    return rows;
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
  const base = into.rows;
  const columns = into.columns;
  if (buf !== viewed) {
    viewed = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  let column = 0;
  let rows = -1;
  let p = start;
  while (p < end) {
    let tag = buf[p++] as number;
    if (tag >= 0x80) {
      tag = varintAt(buf, p - 1);
      p = next;
    }
    if (tag !== 0x12) {
      p = skipAt(buf, p, tag & 7); // the metadata (names): the schema has them
      continue;
    }
    let len = buf[p++] as number;
    if (len >= 0x80) {
      len = varintAt(buf, p - 1);
      p = next;
    }
    const c = columns[column];
    if (c === undefined)
      throw new Error(`logged response has more columns than its schema (${columns.length})`);
    const n = decodeVector(buf, view, p, p + len, c, base);
    p += len;
    if (rows < 0) rows = n;
    else if (n !== rows) throw new Error(`logged response column ${column} has ${n} rows, expected ${rows}`);
    column++;
  }
  if (column !== columns.length) {
    throw new Error(`logged response has ${column} columns, its schema ${columns.length}`);
  }
  rows = Math.max(rows, 0);
  if (base + rows > into.capacity) throw new Error("logged response overflows the staged rows");
  into.requestUs.fill(requestUs, base, base + rows);
  into.rows = base + rows;
  return rows;
}

/** The buffer last decoded and a DataView of it (one per batch buffer, not per response). */
let viewed: Uint8Array | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

/**
 * The position after the last varint `varintAt` read: the hot loops read
 * one-byte varints inline and call out only for longer ones, without a
 * cursor object or a result object per read.
 */
let next = 0;

/** The varint at `p` (below 2^53: tags, lengths, statuses, nanos, non-negative int64s); sets `next`. */
function varintAt(b: Uint8Array, p: number): number {
  let x = b[p++] as number;
  if (x >= 0x80) {
    x &= 0x7f;
    let mul = 0x80;
    for (;;) {
      const byte = b[p++] as number;
      x += (byte & 0x7f) * mul;
      if (byte < 0x80) break;
      mul *= 0x80;
    }
  }
  next = p;
  return x;
}

/** The position after a field of `wireType` whose tag ends before `p`. */
function skipAt(b: Uint8Array, p: number, wireType: number): number {
  if (wireType === 0) {
    while ((b[p++] as number) >= 0x80) {}
    return p;
  }
  if (wireType === 1) return p + 8;
  if (wireType === 2) {
    const len = varintAt(b, p);
    return next + len;
  }
  if (wireType === 5) return p + 4;
  throw new Error(`logged response: unexpected wire type ${wireType}`);
}

/** Whether the varint at `p` is short enough (at most 7 bytes, below 2^49) to read as a number exactly. */
function shortVarint(b: Uint8Array, p: number): boolean {
  for (let i = 0; i < 7; i++) if ((b[p + i] as number) < 0x80) return true;
  return false;
}

/**
 * One FeatureVector `buf[p, end)`: values (field 1), statuses (2, packed or
 * not), event timestamps (3) into rows `base...` of `c`. Returns its rows.
 */
function decodeVector(
  b: Uint8Array,
  dv: DataView,
  p: number,
  end: number,
  c: StagedColumn,
  base: number,
): number {
  // The usual vector, of one row: its value, one packed status and one event time, in that
  // order (as the server encodes them), taken without the loop's dispatch.
  if (b[p] === 0x0a) {
    const len = b[p + 1] as number;
    const q = p + 2 + len; // after the value
    if (
      len < 0x80 &&
      b[q] === 0x12 &&
      b[q + 1] === 0x01 &&
      (b[q + 2] as number) < 0x80 &&
      b[q + 3] === 0x1a &&
      (b[q + 4] as number) < 0x80 &&
      q + 5 + (b[q + 4] as number) === end
    ) {
      decodeValue(b, dv, p + 2, q, c, base);
      if (!c.key) c.status[base] = b[q + 2] as number;
      if (c.times) decodeTime(b, q + 5, end, c, base);
      return 1;
    }
  }
  let values = 0;
  let statuses = 0;
  let times = 0;
  const status = c.key ? null : c.status;
  while (p < end) {
    let tag = b[p++] as number;
    if (tag >= 0x80) {
      tag = varintAt(b, p - 1);
      p = next;
    }
    if (tag === 0x0a) {
      let len = b[p++] as number;
      if (len >= 0x80) {
        len = varintAt(b, p - 1);
        p = next;
      }
      const stop = p + len;
      decodeValue(b, dv, p, stop, c, base + values++);
      p = stop;
    } else if (tag === 0x12) {
      let len = b[p++] as number;
      if (len >= 0x80) {
        len = varintAt(b, p - 1);
        p = next;
      }
      const stop = p + len;
      while (p < stop) {
        let s = b[p++] as number;
        if (s >= 0x80) {
          s = varintAt(b, p - 1);
          p = next;
        }
        if (status !== null) status[base + statuses] = s;
        statuses++;
      }
    } else if (tag === 0x10) {
      let s = b[p++] as number;
      if (s >= 0x80) {
        s = varintAt(b, p - 1);
        p = next;
      }
      if (status !== null) status[base + statuses] = s;
      statuses++;
    } else if (tag === 0x1a) {
      let len = b[p++] as number;
      if (len >= 0x80) {
        len = varintAt(b, p - 1);
        p = next;
      }
      const stop = p + len;
      const at = base + times++;
      // Only the view's first column stages the times: the others have the same.
      if (c.times) decodeTime(b, p, stop, c, at);
      p = stop;
    } else p = skipAt(b, p, tag & 7);
  }
  return Math.max(values, statuses);
}

/** One Value message `b[p, stop)` into row `at` of `c`: the common cases inline, typed per column kind. */
function decodeValue(
  b: Uint8Array,
  dv: DataView,
  p: number,
  stop: number,
  c: StagedColumn,
  at: number,
): void {
  const kind = c.kind;
  const len = stop - p;
  const vtag = len > 0 ? (b[p] as number) : -1;
  if (kind === F64_VALUES && vtag === 0x29 && len === 9) {
    (c.values as Float64Array)[at] = dv.getFloat64(p + 1, true);
    c.valid[at] = 1;
  } else if (kind === I64_VALUES && vtag === 0x20 && shortVarint(b, p + 1)) {
    const x = varintAt(b, p + 1);
    const words = c.words as Int32Array;
    const high = Math.floor(x / 4294967296);
    words[2 * at] = (x - high * 4294967296) | 0;
    words[2 * at + 1] = high;
    c.valid[at] = 1;
  } else if (kind === BYTE_VALUES && (vtag === 0x12 || vtag === 0x0a)) {
    const n = varintAt(b, p + 1);
    (c.values as Int32Array)[at] = c.bytes.append(b, next, next + n);
    c.valid[at] = 1;
  } else if (kind === I32_VALUES && vtag === 0x18) {
    (c.values as Int32Array)[at] = shortVarint(b, p + 1) ? varintAt(b, p + 1) | 0 : int64At(b, p + 1, -1);
    c.valid[at] = 1;
  } else decodeOtherValue(b, p, stop, c, at);
}

/** One Timestamp message `b[p, stop)` as the event time of row `at` of `c` (0: none). */
function decodeTime(b: Uint8Array, p: number, stop: number, c: StagedColumn, at: number): void {
  let seconds = 0;
  let nanos = 0;
  while (p < stop) {
    const t = b[p++] as number;
    if (t === 0x08) {
      if (shortVarint(b, p)) seconds = varintAt(b, p);
      else seconds = Number(int64At(b, p, 0));
      p = next;
    } else if (t === 0x10) {
      nanos = varintAt(b, p);
      p = next;
    } else p = skipAt(b, p, t & 7);
  }
  const us = seconds * 1e6 + Math.floor(nanos / 1000);
  c.timeUs[at] = us;
  c.timeValid[at] = us !== 0 ? 1 : 0;
}

/** A signed int64 varint of any length at `p`, exact; as a number when `asNumber` is -1 or 0 (sets `next`). */
function int64At(b: Uint8Array, p: number, asNumber: number): number {
  const r = new Reader(b, p, b.length);
  const x = r.int64();
  next = r.pos;
  return asNumber === -1 ? Number(BigInt.asIntN(32, x)) : Number(x);
}

/** One Value message `b[p, end)` the inline cases did not take, into row `at` of `c` (empty or null_val: null). */
function decodeOtherValue(b: Uint8Array, p: number, end: number, c: StagedColumn, at: number): void {
  if (at >= c.valid.length) return; // more values than rows: reported by the caller
  c.valid[at] = 0;
  // A byte column's row without a value is an empty range.
  if (c.kind === BYTE_VALUES) (c.values as Int32Array)[at] = c.bytes.used;
  if (p >= end || b[p] === 0x98) return;
  const r = new Reader(b, p, end);
  const x = otherValue(r, end, c.dtype);
  if (x !== null) store(c, at, x);
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
    const start = (row === 0 ? 0 : (ends[row - 1] as number)) + 4; // after the length
    const bytes = c.bytes.buf.slice(start, ends[row] as number);
    return c.dtype === ValueType.STRING ? new TextDecoder().decode(bytes) : bytes;
  }
  return c.values[row];
}

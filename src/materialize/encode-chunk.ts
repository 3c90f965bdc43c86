/**
 * Encodes DuckDB data chunks of `latestRowsSql` output straight into the
 * online store's bytes: entity keys (Feast serialization v3, without the
 * project) and packed rows, back to back in two large buffers. No row
 * objects, no Date, no BigInt: numeric columns are copied byte for byte from
 * DuckDB's vectors (they are little-endian, as both encodings are), strings
 * of up to 12 bytes from DuckDB's inline string records, longer strings once
 * each through a JS string. Types without a raw form (lists, bytes) take the
 * row converters and the packed encoder's value writers, one value at a time.
 *
 * The output is byte-identical to `createEntityKeyEncoder` + `encodePackedRows`
 * over `appendChunkRows` rows (the unit tests check it against those).
 */
import { createRequire } from "node:module";
import { endianness } from "node:os";
import type { DuckDBDataChunk, DuckDBVector } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import { createEntityKeyEncoder, type EntityKeyEncoder } from "../online/entity-key.js";
import type { EncodedRows } from "../online/online-store.js";
import {
  PACKED_HEADER_SIZE,
  PACKED_VERSION,
  type PackedSchema,
  packedSchemaOf,
  Writer,
  writeScalar,
  wrongType,
} from "../online/packed-row.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { NativeScalar, NativeValue } from "../values/index.js";
import { ALLOW_NON_FINITE_TAG, allowsNonFinite, listElementType } from "../values/index.js";
import { converterOf } from "./chunk-rows.js";

const LITTLE_ENDIAN = endianness() === "LE";
/**
 * DuckDB's native `get_data_from_pointer` (copies bytes behind a pointer
 * stored in an ArrayBuffer), resolved through @duckdb/node-api's own
 * dependency; undefined when not found (strings then go through `getItem`).
 */
const getDataFromPointer = ((): ((buf: ArrayBuffer, at: number, n: number) => Uint8Array) | undefined => {
  try {
    const api = createRequire(import.meta.url).resolve("@duckdb/node-api");
    const bindings = createRequire(api)("@duckdb/node-bindings") as { get_data_from_pointer?: unknown };
    const fn = bindings.get_data_from_pointer;
    return typeof fn === "function"
      ? (fn as (buf: ArrayBuffer, at: number, n: number) => Uint8Array)
      : undefined;
  } catch {
    return undefined;
  }
})();

/** Join key types whose key bytes are the column's raw bytes. */
const RAW_KEY_TYPES = new Set<ValueType>([ValueType.INT64, ValueType.INT32, ValueType.STRING]);

/** How a column's raw data is read. */
enum Kind {
  /** Fixed-width little-endian bytes (`width` per item). */
  Fixed = 0,
  /** DuckDB bool bytes (0 or 1). */
  Bool = 1,
  /** DuckDB string records (16 bytes per item). */
  String = 2,
  /** `getItem` and a converter, one value at a time. */
  Generic = 3,
}

interface Column {
  kind: Kind;
  width: number;
  /** Fixed/Bool: the items; String: the 16-byte string records. */
  bytes: Uint8Array;
  /** A DataView over `bytes` (word copies). */
  view: DataView;
  /** Validity bitmap bytes (bit i of byte i >> 3), or null when every item is valid. */
  valid: Uint8Array | null;
  vector: DuckDBVector;
  convert: (raw: unknown) => NativeValue;
  /**
   * String columns: the bytes of the strings longer than 12 bytes (stored
   * behind pointers), read run by run (`outOfLine`), or undefined until needed.
   */
  long?: LongStrings;
}

/** Out-of-line strings of a chunk's string column: item i's bytes are `runs[run[i]]` from `at[i]`. */
interface LongStrings {
  runs: Uint8Array[];
  run: Int32Array;
  at: Int32Array;
}

/** The raw width of value type `t` when DuckDB holds it as fixed-width bytes in our SQL's output. */
function fixedWidth(t: ValueType): number {
  switch (t) {
    case ValueType.INT32:
    case ValueType.FLOAT:
      return 4;
    case ValueType.INT64:
    case ValueType.DOUBLE:
    // The SQL reads timestamps as DOUBLE epoch milliseconds, which is the packed payload too.
    case ValueType.UNIX_TIMESTAMP:
      return 8;
    default:
      return 0;
  }
}

interface RawVector {
  items?: unknown;
  dataView?: unknown;
  validity?: { data?: unknown; offset?: unknown };
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * The raw form of a vector holding values of type `t` (`Generic` when the
 * vector does not expose one: another @duckdb/node-api version, a big-endian host).
 */
function columnOf(vector: DuckDBVector, t: ValueType): Column {
  const convert = converterOf(t);
  const none = new Uint8Array(0);
  const generic: Column = {
    kind: Kind.Generic,
    width: 0,
    bytes: none,
    view: viewOf(none),
    valid: null,
    vector,
    convert,
  };
  if (!LITTLE_ENDIAN) return generic;
  const raw = vector as unknown as RawVector;
  const validity = raw.validity;
  if (validity?.offset !== 0) return generic;
  let valid: Uint8Array | null = null;
  if (validity.data instanceof BigUint64Array) valid = bytesOf(validity.data);
  else if (validity.data !== null) return generic;
  const width = fixedWidth(t);
  const n = vector.itemCount;
  if (width > 0) {
    const items = raw.items;
    if (!ArrayBuffer.isView(items) || items.byteLength !== n * width) return generic;
    const bytes = bytesOf(items);
    return { kind: Kind.Fixed, width, bytes, view: viewOf(bytes), valid, vector, convert };
  }
  if (t === ValueType.BOOL || t === ValueType.STRING) {
    const dv = raw.dataView;
    const width = t === ValueType.BOOL ? 1 : 16;
    if (!(dv instanceof DataView) || dv.byteLength < n * width) return generic;
    const bytes = bytesOf(dv);
    const kind = t === ValueType.BOOL ? Kind.Bool : Kind.String;
    return { kind, width, bytes, view: viewOf(bytes), valid, vector, convert };
  }
  return generic;
}

function isValid(c: Column, i: number): boolean {
  return c.valid === null || (((c.valid[i >> 3] as number) >> (i & 7)) & 1) === 1;
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Copies `n` bytes four at a time through DataViews (unaligned 32-bit loads and stores). */
function copyWords(dst: DataView, at: number, src: DataView, from: number, n: number): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) dst.setUint32(at + k, src.getUint32(from + k, true), true);
  for (; k < n; k++) dst.setUint8(at + k, src.getUint8(from + k));
}

/** Copies `n` bytes (small n: a loop beats `set` and `copy`). */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  for (let k = 0; k < n; k++) dst[at + k] = src[from + k] as number;
}

/**
 * Reads every out-of-line string of a column with one native call per run
 * of strings that lie back to back in DuckDB's string heap (a result chunk's
 * strings usually do): the call copies exactly the bytes of those strings.
 */
function outOfLine(c: Column, read: (buf: ArrayBuffer, at: number, n: number) => Uint8Array): LongStrings {
  const b = c.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = c.vector.itemCount;
  const runs: Uint8Array[] = [];
  const run = new Int32Array(n).fill(-1);
  const at = new Int32Array(n);
  let i = 0;
  while (i < n) {
    const len = dv.getUint32(i * 16, true);
    if (len <= 12 || !isValid(c, i)) {
      i++;
      continue;
    }
    // A run: strings whose bytes follow each other in memory.
    const first = i;
    let end = pointerAt(dv, i * 16 + 8) + len;
    let total = len;
    let j = i + 1;
    for (; j < n; j++) {
      const l = dv.getUint32(j * 16, true);
      if (l <= 12 || !isValid(c, j)) continue;
      if (pointerAt(dv, j * 16 + 8) !== end) break;
      end += l;
      total += l;
    }
    const bytes = read(b.buffer as ArrayBuffer, b.byteOffset + first * 16 + 8, total);
    const r = runs.length;
    runs.push(bytes);
    let off = 0;
    for (let k = first; k < j; k++) {
      const l = dv.getUint32(k * 16, true);
      if (l <= 12 || !isValid(c, k)) continue;
      run[k] = r;
      at[k] = off;
      off += l;
    }
    i = j;
  }
  return { runs, run, at };
}

/** A pointer stored little-endian at `at` (below 2^53 on every platform Node runs on). */
function pointerAt(dv: DataView, at: number): number {
  return dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 4294967296;
}

/**
 * Writes the string of item `i` of a DuckDB string column as `u32 len + utf8`
 * at `w.pos`. Strings of up to 12 bytes are inline in DuckDB's record; longer
 * ones live behind a pointer and are read once through `getItem`.
 */
function writeString(w: Writer, c: Column, i: number): void {
  const rec = i * 16;
  const b = c.bytes;
  const len =
    ((b[rec] as number) |
      ((b[rec + 1] as number) << 8) |
      ((b[rec + 2] as number) << 16) |
      ((b[rec + 3] as number) << 24)) >>>
    0;
  w.ensure(4 + len);
  const out = w.buf;
  out.writeUInt32LE(len, w.pos);
  if (len <= 12) {
    copyBytes(out, w.pos + 4, b, rec + 4, len);
  } else {
    if (c.long === undefined && getDataFromPointer) c.long = outOfLine(c, getDataFromPointer);
    const long = c.long;
    const r = long ? (long.run[i] as number) : -1;
    if (long && r >= 0) {
      const src = long.runs[r] as Uint8Array;
      const from = long.at[i] as number;
      if (len < 64) copyBytes(out, w.pos + 4, src, from, len);
      else out.set(src.subarray(from, from + len), w.pos + 4);
    } else {
      const s = c.vector.getItem(i) as string;
      const written = out.write(s, w.pos + 4, len, "utf8");
      if (written !== len) throw new Error(`string of ${len} bytes encoded as ${written}`);
    }
  }
  w.pos += 4 + len;
}

/** One packed feature value (type byte + payload) of a native value; false on a type mismatch. */
function writeNative(w: Writer, v: NativeValue, t: ValueType): boolean {
  w.ensure(1);
  w.buf[w.pos++] = t;
  const elem = listElementType(t);
  if (elem === undefined) return writeScalar(w, v as NativeScalar, t);
  if (!Array.isArray(v)) return false;
  w.ensure(4);
  w.buf.writeUInt32LE(v.length, w.pos);
  w.pos += 4;
  for (const item of v) if (!writeScalar(w, item, elem)) return false;
  return true;
}

/** Grows a Uint32Array/Float64Array pair of row ends when a batch outgrows it. */
function grow<T extends Uint32Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

/**
 * Accumulates encoded rows of one view chunk by chunk; `take()` hands the
 * rows so far over as one `EncodedRows` and starts a new batch (the batch
 * owns its buffers, so several can be in flight).
 */
export class EncodedRowsBuilder {
  readonly #view: FeatureViewDef;
  readonly #schema: PackedSchema;
  readonly #keyTypes: ValueType[];
  /** Join keys in Feast's order (sorted by name): their column index in the chunk. */
  readonly #keyOrder: number[];
  readonly #keyHeader: Uint8Array;
  readonly #keyEncoder: EntityKeyEncoder;
  #keys: Writer;
  #rows: Writer;
  /** DataViews over the writers' current buffers (rebuilt when a writer grows). */
  readonly #keyHeaderView: DataView;
  #keyEnds: Uint32Array;
  #rowEnds: Uint32Array;
  #times: Float64Array;
  #count = 0;
  #capacity: number;
  /**
   * Per feature, the write rule on non-finite numbers (values/write-rules.ts):
   * 0 none (not a DOUBLE or FLOAT, or the view allows them), 1 a DOUBLE, 2 a
   * FLOAT, 3 a list of either. Checked here, on values the encoder copies
   * anyway, rather than by a CASE per value in the query: that cost DuckDB
   * about 0.14 CPU-s per million entities of a view with two DOUBLE features.
   */
  readonly #finite: Uint8Array;
  /** The chunk's key columns while it is appended (for a non-finite value's message). */
  #keyCols: Column[] = [];

  constructor(view: FeatureViewDef, expectedRows = 8192) {
    this.#view = view;
    this.#schema = packedSchemaOf(view);
    const allows = allowsNonFinite(view);
    this.#finite = Uint8Array.from(view.features, (f) => {
      if (allows) return 0;
      const elem = listElementType(f.dtype);
      const t = elem ?? f.dtype;
      if (t !== ValueType.DOUBLE && t !== ValueType.FLOAT) return 0;
      return elem !== undefined ? 3 : t === ValueType.DOUBLE ? 1 : 2;
    });
    const cols = view.entityColumns;
    this.#keyTypes = cols.map((c) => c.dtype);
    this.#keyOrder = cols
      .map((_, i) => i)
      .sort((a, b) => {
        const x = (cols[a] as { name: string }).name;
        const y = (cols[b] as { name: string }).name;
        return x < y ? -1 : x > y ? 1 : 0;
      });
    this.#keyEncoder = createEntityKeyEncoder(cols);
    const parts: Buffer[] = [u32(cols.length)];
    for (const i of this.#keyOrder) {
      const name = Buffer.from((cols[i] as { name: string }).name, "utf8");
      parts.push(u32(ValueType.STRING), u32(name.length), name);
    }
    this.#keyHeader = Buffer.concat(parts);
    this.#keyHeaderView = viewOf(this.#keyHeader);
    this.#capacity = expectedRows;
    this.#keys = new Writer(expectedRows * (this.#keyHeader.length + 16));
    this.#rows = new Writer(expectedRows * (PACKED_HEADER_SIZE + this.#schema.names.length * 14));
    this.#keyEnds = new Uint32Array(expectedRows);
    this.#rowEnds = new Uint32Array(expectedRows);
    this.#times = new Float64Array(expectedRows);
  }

  /** Rows encoded since the last `take()`. */
  get count(): number {
    return this.#count;
  }

  /**
   * Encodes every row of a chunk (columns: join keys, features, event time
   * in µs, source row count) and returns the sum of the count column.
   */
  append(chunk: DuckDBDataChunk): number {
    const view = this.#view;
    const nk = view.entityColumns.length;
    const nf = view.features.length;
    const n = chunk.rowCount;
    const keyCols = view.entityColumns.map((c, i) => columnOf(chunk.getColumnVector(i), c.dtype));
    const featCols = view.features.map((f, i) => columnOf(chunk.getColumnVector(nk + i), f.dtype));
    const tsCol = columnOf(chunk.getColumnVector(nk + nf), ValueType.DOUBLE);
    const countCol = chunk.getColumnVector(nk + nf + 1);
    this.#keyCols = keyCols;
    const need = this.#count + n;
    this.#keyEnds = grow(this.#keyEnds, need);
    this.#rowEnds = grow(this.#rowEnds, need);
    this.#times = grow(this.#times, need);
    // Raw key bytes for INT64, INT32 and STRING keys (a timestamp key is seconds in the key, ms in the SQL).
    const rawKeys = keyCols.every(
      (c, k) =>
        (c.kind === Kind.Fixed || c.kind === Kind.String) &&
        RAW_KEY_TYPES.has(this.#keyTypes[k] as ValueType),
    );
    const ts =
      tsCol.kind === Kind.Fixed ? new Float64Array(tsCol.bytes.buffer, tsCol.bytes.byteOffset, n) : undefined;
    let rowsRead = 0;
    for (let i = 0; i < n; i++) {
      const eventUs = ts ? (ts[i] as number) : (tsCol.vector.getItem(i) as number);
      if (rawKeys) this.#writeRawKey(keyCols, i);
      else this.#writeGenericKey(keyCols, i);
      this.#writeRow(featCols, i, eventUs, tsCol, this.#count);
      this.#keyEnds[this.#count] = this.#keys.pos;
      this.#rowEnds[this.#count] = this.#rows.pos;
      this.#times[this.#count] = eventUs;
      this.#count++;
      rowsRead += countCol.getItem(i) as number;
    }
    return rowsRead;
  }

  /** The rows encoded so far, as one batch; the builder starts a new one. */
  take(): EncodedRows {
    const count = this.#count;
    const batch: EncodedRows = {
      count,
      keys: this.#keys.buf.subarray(0, this.#keys.pos),
      keyEnds: this.#keyEnds.subarray(0, count),
      rows: this.#rows.buf.subarray(0, this.#rows.pos),
      rowEnds: this.#rowEnds.subarray(0, count),
      eventTimesUs: this.#times.subarray(0, count),
    };
    // The next batch is sized like this one, so it rarely grows.
    this.#capacity = Math.max(this.#capacity, count);
    this.#keys = new Writer(this.#keys.pos + 64);
    this.#rows = new Writer(this.#rows.pos + 64);
    this.#keyEnds = new Uint32Array(this.#capacity);
    this.#rowEnds = new Uint32Array(this.#capacity);
    this.#times = new Float64Array(this.#capacity);
    this.#count = 0;
    return batch;
  }

  #writeRawKey(cols: Column[], i: number): void {
    const w = this.#keys;
    const header = this.#keyHeader;
    w.ensure(header.length);
    copyWords(w.view, w.pos, this.#keyHeaderView, 0, header.length);
    w.pos += header.length;
    for (const k of this.#keyOrder) {
      const c = cols[k] as Column;
      if (!isValid(c, i))
        throw invalidArgument(
          `join key "${this.#view.entityColumns[k]?.name}" is null; entity keys cannot be null`,
        );
      const t = this.#keyTypes[k] as ValueType;
      w.ensure(8);
      w.buf.writeUInt32LE(t, w.pos);
      w.pos += 4;
      if (c.kind === Kind.String) {
        writeString(w, c, i);
      } else {
        w.ensure(4 + c.width);
        const dv = w.view;
        dv.setUint32(w.pos, c.width, true);
        copyWords(dv, w.pos + 4, c.view, i * c.width, c.width);
        w.pos += 4 + c.width;
      }
    }
  }

  #writeGenericKey(cols: Column[], i: number): void {
    const values = cols.map((c) => {
      const raw = c.vector.getItem(i);
      return raw === null || raw === undefined ? null : c.convert(raw);
    });
    const key = this.#keyEncoder(values);
    const w = this.#keys;
    w.ensure(key.length);
    key.copy(w.buf, w.pos);
    w.pos += key.length;
  }

  #writeRow(cols: Column[], i: number, eventUs: number, tsCol: Column, rowIndex: number): void {
    const w = this.#rows;
    const s = this.#schema;
    w.ensure(PACKED_HEADER_SIZE);
    const b = w.buf;
    const hv = w.view;
    b[w.pos] = PACKED_VERSION;
    if (tsCol.kind === Kind.Fixed) copyWords(hv, w.pos + 1, tsCol.view, i * 8, 8);
    else b.writeDoubleLE(eventUs, w.pos + 1);
    hv.setUint32(w.pos + 9, s.fingerprint, true);
    hv.setUint16(w.pos + 13, s.names.length, true);
    w.pos += PACKED_HEADER_SIZE;
    const tags = s.tags;
    for (let f = 0; f < cols.length; f++) {
      const c = cols[f] as Column;
      const t = s.types[f] as ValueType;
      w.ensure(5 + c.width);
      w.view.setUint32(w.pos, tags[f] as number, true);
      w.pos += 4;
      switch (c.kind) {
        case Kind.Fixed:
          if (!isValid(c, i)) {
            w.buf[w.pos++] = 0;
            break;
          }
          w.buf[w.pos++] = t;
          copyWords(w.view, w.pos, c.view, i * c.width, c.width);
          w.pos += c.width;
          if (this.#finite[f] !== 0) {
            const x = c.width === 8 ? c.view.getFloat64(i * 8, true) : c.view.getFloat32(i * 4, true);
            if (x - x !== 0) throw this.#nonFinite(f, x, i, eventUs);
          }
          break;
        case Kind.Bool:
          if (!isValid(c, i)) {
            w.buf[w.pos++] = 0;
            break;
          }
          w.buf[w.pos++] = t;
          w.buf[w.pos++] = c.bytes[i] === 0 ? 0 : 1;
          break;
        case Kind.String:
          if (!isValid(c, i)) {
            w.buf[w.pos++] = 0;
            break;
          }
          w.buf[w.pos++] = t;
          writeString(w, c, i);
          break;
        default: {
          const raw = c.vector.getItem(i);
          if (raw === null || raw === undefined) {
            w.buf[w.pos++] = 0;
            break;
          }
          const v = c.convert(raw);
          if (this.#finite[f] !== 0) {
            for (const x of Array.isArray(v) ? v : [v]) {
              if (typeof x === "number" && x - x !== 0) throw this.#nonFinite(f, x, i, eventUs);
            }
          }
          if (!writeNative(w, v, t)) throw wrongType(this.#view.name, s.names[f] as string, rowIndex, t, v);
        }
      }
    }
  }

  /** INVALID_ARGUMENT for a NaN or infinite value: the view, the column, the entity and the event time. */
  #nonFinite(f: number, x: number, i: number, eventUs: number) {
    const shown = Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    const key = this.#keyCols.map((c) => String(c.vector.getItem(i))).join(", ");
    const at = new Date(Math.floor(eventUs / 1000)).toISOString().replace("T", " ").replace("Z", "");
    return invalidArgument(
      `feature view "${this.#view.name}": column "${this.#schema.names[f]}" holds ${shown} in the source row of entity (${key}) at event time ${at}; fix the source, or tag the view ${ALLOW_NON_FINITE_TAG}: "true"`,
    );
  }
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n, 0);
  return b;
}

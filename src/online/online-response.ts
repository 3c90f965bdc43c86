/**
 * The GetOnlineFeatures response, columnar: one column per join key and
 * feature with a value, status and event time per entity row. Encoded to
 * protobuf wire bytes by hand (`encodeOnlineResponse`), because the
 * reflective encoder costs milliseconds for 100 x 50 values and this is the
 * serving hot path; `toOnlineResponseMessage` builds the same response as a
 * protobuf-es message (for in-process callers and as the test oracle).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type FeatureVector,
  FeatureVectorSchema,
  type GetOnlineFeaturesResponse,
  GetOnlineFeaturesResponseSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import { type Value, ValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { type NativeValue, toValue } from "../values/index.js";
import { locatePackedValues, type PackedReadPlan, packedValueAt } from "./packed-row.js";

/** One output column: its values as JS values, or still in the stored packed rows. */
export type ResultColumn = ValueColumn | PackedColumn;

interface ColumnBase {
  name: string;
  dtype: ValueType;
  /** Per row, FieldStatus numbers. */
  statuses: ArrayLike<number>;
  /** Per row event time in ms (0 = unset); shared by the columns of one view. Undefined: all unset. */
  eventTimesMs: Float64Array | undefined;
}

export interface ValueColumn extends ColumnBase {
  /** Per row; `undefined` is "no value" (an empty Value, status NOT_FOUND). */
  values: (NativeValue | undefined)[];
  packed?: undefined;
}

/** A feature's values left in their packed rows (the serving fast path: no value objects). */
export interface PackedColumn extends ColumnBase {
  values?: undefined;
  packed: PackedCells;
  /** The feature's position in the read's feature list (a column of `packed.offsets`). */
  feature: number;
}

/**
 * Where the values of one read's features are: the read's packed rows
 * copied into one buffer, and per distinct entity and feature the offset of
 * the value there (see `gatherPackedCells`).
 */
export interface PackedCells {
  data: Buffer;
  /** `offsets[u * width + j]`: offset in `data` of feature j of entity u, -1 when absent. */
  offsets: Int32Array;
  /** Per request row, `u * width` of its distinct entity u. */
  rowBase: Int32Array;
}

/**
 * Copies the packed rows of one read (per distinct entity, undefined: no row)
 * into one buffer and locates the wanted features of `plan` in it. Returns
 * the cells and each entity's event time (ms; 0 without a row).
 */
export function gatherPackedCells(
  plan: PackedReadPlan,
  found: readonly (Buffer | undefined)[],
  rowToKey: Int32Array,
): { cells: PackedCells; eventTimeMs: Float64Array } {
  const keys = found.length;
  const width = plan.features.length;
  let total = 0;
  for (let u = 0; u < keys; u++) total += found[u]?.length ?? 0;
  const data = Buffer.allocUnsafe(total);
  const offsets = new Int32Array(keys * width).fill(-1);
  const eventTimeMs = new Float64Array(keys);
  let start = 0;
  for (let u = 0; u < keys; u++) {
    const b = found[u];
    if (b === undefined) continue;
    b.copy(data, start);
    const base = u * width;
    eventTimeMs[u] = locatePackedValues(plan, b, offsets, base);
    for (let j = base; j < base + width; j++)
      if ((offsets[j] as number) >= 0) (offsets[j] as number) += start;
    start += b.length;
  }
  const rowBase = new Int32Array(rowToKey.length);
  for (let i = 0; i < rowToKey.length; i++) rowBase[i] = (rowToKey[i] as number) * width;
  return { cells: { data, offsets, rowBase }, eventTimeMs };
}

/** The values of a column as JS values (`undefined`: no value). */
export function columnValues(
  c: Pick<ValueColumn, "values" | "packed"> | Pick<PackedColumn, "values" | "packed" | "feature">,
  rows: number,
): (NativeValue | undefined)[] {
  if (c.packed === undefined) return c.values;
  const out = new Array<NativeValue | undefined>(rows);
  for (let i = 0; i < rows; i++) out[i] = columnValueAt(c.packed, c.feature, i);
  return out;
}

export interface OnlineResult {
  rows: number;
  columns: ResultColumn[];
  /** The encoded metadata field (column names), when cached by the caller; see `encodeResponseMetadata`. */
  metadata?: Buffer;
}

const EMPTY_VALUE: Value = create(ValueSchema);

/** The response as a protobuf-es message (slow; for in-process callers and tests). */
export function toOnlineResponseMessage(result: OnlineResult): GetOnlineFeaturesResponse {
  return create(GetOnlineFeaturesResponseSchema, {
    metadata: { featureNames: { val: result.columns.map((c) => c.name) } },
    results: result.columns.map(
      (c): FeatureVector =>
        create(FeatureVectorSchema, {
          values: columnValues(c, result.rows).map((v) =>
            v === undefined ? EMPTY_VALUE : toValue(v, c.dtype),
          ),
          statuses: Array.from(c.statuses),
          eventTimestamps: Array.from({ length: result.rows }, (_, i) =>
            timestampFromMs(c.eventTimesMs?.[i] ?? 0),
          ),
        }),
    ),
  });
}

// --- the hand-written encoder -------------------------------------------------------------

function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 5;
  n = Math.floor(n / 2 ** 35);
  while (n > 0) {
    size++;
    n = Math.floor(n / 128);
  }
  return size;
}

function varint64Size(v: bigint): number {
  let u = BigInt.asUintN(64, v);
  let size = 1;
  while (u >= 0x80n) {
    size++;
    u >>= 7n;
  }
  return size;
}

/** Size of a signed int encoded as a protobuf int32/int64 varint (negatives take 10 bytes). */
function intVarintSize(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

class Out {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }
  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  varint64(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }
  int(n: number): void {
    if (n >= 0) this.varint(n);
    else this.varint64(BigInt(n));
  }
}

/** Encoded size of a Value's content, or -1 when it is written via protobuf-es (lists). */
function valueSize(v: NativeValue | undefined, t: ValueType): number {
  if (v === undefined) return 0;
  if (v === null) return 3; // null_val = 0: tag 152 (2 bytes) + 0
  switch (t) {
    case ValueType.STRING: {
      const n = Buffer.byteLength(v as string, "utf8");
      return 1 + varintSize(n) + n;
    }
    case ValueType.BYTES: {
      const n = (v as Uint8Array).length;
      return 1 + varintSize(n) + n;
    }
    case ValueType.INT32:
      return 1 + intVarintSize(v as number);
    case ValueType.INT64:
      return 1 + varint64Size(BigInt(v as bigint));
    case ValueType.DOUBLE:
      return 9;
    case ValueType.FLOAT:
      return 5;
    case ValueType.BOOL:
      return 2;
    case ValueType.UNIX_TIMESTAMP:
      return 1 + intVarintSize(Math.floor((v as Date).getTime() / 1000));
    default:
      return -1;
  }
}

function writeValue(o: Out, v: NativeValue | undefined, t: ValueType): void {
  if (v === undefined) return;
  if (v === null) {
    o.byte(0x98);
    o.byte(0x01);
    o.byte(0);
    return;
  }
  switch (t) {
    case ValueType.STRING: {
      const s = v as string;
      o.byte(0x12);
      o.varint(Buffer.byteLength(s, "utf8"));
      o.pos += o.buf.write(s, o.pos, "utf8");
      return;
    }
    case ValueType.BYTES: {
      const b = v as Uint8Array;
      o.byte(0x0a);
      o.varint(b.length);
      o.buf.set(b, o.pos);
      o.pos += b.length;
      return;
    }
    case ValueType.INT32:
      o.byte(0x18);
      o.int(v as number);
      return;
    case ValueType.INT64:
      o.byte(0x20);
      o.varint64(BigInt(v as bigint));
      return;
    case ValueType.DOUBLE:
      o.byte(0x29);
      o.buf.writeDoubleLE(v as number, o.pos);
      o.pos += 8;
      return;
    case ValueType.FLOAT:
      o.byte(0x35);
      o.buf.writeFloatLE(v as number, o.pos);
      o.pos += 4;
      return;
    case ValueType.BOOL:
      o.byte(0x38);
      o.byte(v ? 1 : 0);
      return;
    case ValueType.UNIX_TIMESTAMP:
      o.byte(0x40);
      o.int(Math.floor((v as Date).getTime() / 1000));
      return;
  }
}

function timestampSize(ms: number): number {
  if (ms === 0) return 0;
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return (seconds !== 0 ? 1 + intVarintSize(seconds) : 0) + (nanos !== 0 ? 1 + varintSize(nanos) : 0);
}

function writeTimestamp(o: Out, ms: number): void {
  if (ms === 0) return;
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (seconds !== 0) {
    o.byte(0x08);
    o.int(seconds);
  }
  if (nanos !== 0) {
    o.byte(0x10);
    o.varint(nanos);
  }
}

/** The response's field 1 (metadata { feature_names { val } }), encoded: the same for every response of a plan. */
export function encodeResponseMetadata(names: readonly string[]): Buffer {
  let namesSize = 0;
  for (const name of names) {
    const len = Buffer.byteLength(name, "utf8");
    namesSize += 1 + varintSize(len) + len;
  }
  const inner = 1 + varintSize(namesSize) + namesSize;
  const o = new Out(Buffer.allocUnsafe(1 + varintSize(inner) + inner));
  o.byte(0x0a);
  o.varint(inner);
  o.byte(0x0a);
  o.varint(namesSize);
  for (const name of names) {
    o.byte(0x0a);
    o.varint(Buffer.byteLength(name, "utf8"));
    o.pos += o.buf.write(name, o.pos, "utf8");
  }
  return o.buf;
}

/** UTF-8 length of `s`, with a fast path for ASCII. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, "utf8");
  }
  return s.length;
}

const SAFE = 2n ** 53n;

/** The `event_timestamps` entries (tag, length, Timestamp) of all rows, encoded once per time array. */
function encodeTimestamps(times: Float64Array | undefined, rows: number): Buffer {
  let size = 0;
  for (let i = 0; i < rows; i++) {
    const t = timestampSize(times?.[i] ?? 0);
    size += 1 + varintSize(t) + t;
  }
  const o = new Out(Buffer.allocUnsafe(size));
  for (let i = 0; i < rows; i++) {
    const ms = times?.[i] ?? 0;
    o.byte(0x1a);
    o.varint(timestampSize(ms));
    writeTimestamp(o, ms);
  }
  return o.buf;
}

// --- packed columns: protobuf Values straight from the stored packed rows ----------------------

function columnValueAt(cells: PackedCells, feature: number, i: number): NativeValue | undefined {
  const off = cells.offsets[(cells.rowBase[i] as number) + feature] as number;
  return off < 0 ? undefined : packedValueAt(cells.data, off);
}

const TWO_32 = 4294967296;

/**
 * Sizes of the Values of a packed column into `sizes[base + i]` (the packed
 * payload is, or maps directly onto, the protobuf field); lists are encoded
 * through protobuf-es into `lists`. Returns the column's `values` bytes
 * (tags and lengths included). Fixed-size types need no look at the payload.
 */
function packedColumnSizes(
  c: PackedColumn,
  n: number,
  sizes: Int32Array,
  base: number,
  lists: Map<number, Uint8Array>,
): number {
  const { data, offsets, rowBase } = c.packed;
  const f = c.feature;
  let body = 0;
  const fixed =
    c.dtype === ValueType.DOUBLE ? 9 : c.dtype === ValueType.FLOAT ? 5 : c.dtype === ValueType.BOOL ? 2 : 0;
  if (fixed > 0) {
    for (let i = 0; i < n; i++) {
      const off = offsets[(rowBase[i] as number) + f] as number;
      const size = off < 0 ? 0 : data[off] === 0 ? 3 : fixed;
      sizes[base + i] = size;
      body += 2 + size;
    }
    return body;
  }
  for (let i = 0; i < n; i++) {
    const off = offsets[(rowBase[i] as number) + f] as number;
    let size: number;
    if (off < 0) size = 0;
    else {
      const t = data[off] as number;
      if (t === 0) size = 3;
      else if (t === ValueType.STRING || t === ValueType.BYTES) {
        const len = data.readUInt32LE(off + 1);
        size = 1 + varintSize(len) + len;
      } else if (t === ValueType.INT64) {
        const hi = data.readInt32LE(off + 5);
        size =
          hi >= 0 && hi < 0x200000
            ? 1 + varintSize(hi * TWO_32 + data.readUInt32LE(off + 1))
            : 1 + varint64Size(data.readBigInt64LE(off + 1));
      } else if (t === ValueType.INT32) size = 1 + intVarintSize(data.readInt32LE(off + 1));
      else if (t === ValueType.UNIX_TIMESTAMP)
        size = 1 + intVarintSize(Math.floor(data.readDoubleLE(off + 1) / 1000));
      else if (t === ValueType.DOUBLE) size = 9;
      else if (t === ValueType.FLOAT) size = 5;
      else if (t === ValueType.BOOL) size = 2;
      else {
        // A list: through protobuf-es, like the value path.
        const bytes = toBinary(ValueSchema, toValue(packedValueAt(data, off), c.dtype));
        lists.set(base + i, bytes);
        size = bytes.length;
      }
    }
    sizes[base + i] = size;
    body += 1 + (size < 0x80 ? 1 : varintSize(size)) + size;
  }
  return body;
}

/** Writes the `values` entries (tag, length, Value) of a packed column; sizes from `packedColumnSizes`. */
function writePackedColumn(
  o: Out,
  c: PackedColumn,
  n: number,
  sizes: Int32Array,
  base: number,
  lists: Map<number, Uint8Array>,
): void {
  const { data, offsets, rowBase } = c.packed;
  const f = c.feature;
  const buf = o.buf;
  let p = o.pos;
  for (let i = 0; i < n; i++) {
    const size = sizes[base + i] as number;
    buf[p++] = 0x0a;
    if (size === 0) {
      buf[p++] = 0;
      continue;
    }
    if (size < 0x80) buf[p++] = size;
    else {
      o.pos = p;
      o.varint(size);
      p = o.pos;
    }
    const off = offsets[(rowBase[i] as number) + f] as number;
    const t = data[off] as number;
    if (t === ValueType.DOUBLE) {
      // Packed f64 LE is protobuf's fixed64 double.
      buf[p] = 0x29;
      for (let k = 1; k <= 8; k++) buf[p + k] = data[off + k] as number;
      p += 9;
    } else if (t === ValueType.STRING || t === ValueType.BYTES) {
      // UTF-8 (or raw) bytes as stored: copied, never decoded.
      const len = data.readUInt32LE(off + 1);
      buf[p++] = t === ValueType.STRING ? 0x12 : 0x0a;
      if (len < 0x80) buf[p++] = len;
      else {
        o.pos = p;
        o.varint(len);
        p = o.pos;
      }
      const from = off + 5;
      if (len > 32) data.copy(buf, p, from, from + len);
      else for (let k = 0; k < len; k++) buf[p + k] = data[from + k] as number;
      p += len;
    } else if (t === 0) {
      buf[p++] = 0x98;
      buf[p++] = 0x01;
      buf[p++] = 0;
    } else {
      o.pos = p;
      writePackedScalar(o, data, off, t, lists.get(base + i));
      p = o.pos;
    }
  }
  o.pos = p;
}

/** The less common types of `writePackedColumn`. */
function writePackedScalar(o: Out, data: Buffer, off: number, t: number, list: Uint8Array | undefined): void {
  const buf = o.buf;
  switch (t) {
    case ValueType.INT64: {
      o.byte(0x20);
      const hi = data.readInt32LE(off + 5);
      if (hi >= 0 && hi < 0x200000) o.varint(hi * TWO_32 + data.readUInt32LE(off + 1));
      else o.varint64(data.readBigInt64LE(off + 1));
      return;
    }
    case ValueType.FLOAT:
      o.byte(0x35);
      data.copy(buf, o.pos, off + 1, off + 5);
      o.pos += 4;
      return;
    case ValueType.BOOL:
      o.byte(0x38);
      o.byte(data[off + 1] === 1 ? 1 : 0);
      return;
    case ValueType.INT32:
      o.byte(0x18);
      o.int(data.readInt32LE(off + 1));
      return;
    case ValueType.UNIX_TIMESTAMP:
      o.byte(0x40);
      o.int(Math.floor(data.readDoubleLE(off + 1) / 1000));
      return;
    default: {
      const bytes = list as Uint8Array;
      buf.set(bytes, o.pos);
      o.pos += bytes.length;
    }
  }
}

/**
 * The wire bytes of GetOnlineFeaturesResponse for `result`, identical to
 * protobuf-es's `toBinary` of `toOnlineResponseMessage(result)`. Two passes
 * (sizes, then bytes) over flat typed arrays, one switch per column rather
 * than per value, and the timestamps of a view encoded once for all of its
 * columns: this runs on every request.
 */
export function encodeOnlineResponse(result: OnlineResult): Buffer {
  const n = result.rows;
  const columns = result.columns;
  const cols = columns.length;
  const metadata = result.metadata ?? encodeResponseMetadata(columns.map((c) => c.name));
  const valueSizes = new Int32Array(cols * n);
  const bodies = new Int32Array(cols);
  const timestamps = new Array<Buffer>(cols);
  let strLens: Int32Array | undefined;
  let listBytes: Map<number, Uint8Array> | undefined;
  let total = metadata.length;
  let lastTimes: Float64Array | undefined | null = null;
  let lastBlock: Buffer | undefined;

  for (let ci = 0; ci < cols; ci++) {
    const c = columns[ci] as ResultColumn;
    const values = c.values;
    const base = ci * n;
    let body = 0;
    if (c.packed !== undefined) {
      listBytes ??= new Map();
      body = packedColumnSizes(c, n, valueSizes, base, listBytes);
    }
    const fixed =
      c.dtype === ValueType.DOUBLE ? 9 : c.dtype === ValueType.FLOAT ? 5 : c.dtype === ValueType.BOOL ? 2 : 0;
    if (values !== undefined)
      for (let i = 0; i < n; i++) {
        const v = values[i];
        let size: number;
        if (v === undefined) size = 0;
        else if (v === null) size = 3;
        else if (fixed > 0) size = fixed;
        else if (c.dtype === ValueType.STRING) {
          strLens ??= new Int32Array(cols * n);
          const len = utf8Length(v as string);
          strLens[base + i] = len;
          size = 1 + varintSize(len) + len;
        } else if (c.dtype === ValueType.INT64) {
          const x = v as bigint;
          size = x >= 0n && x < SAFE ? 1 + varintSize(Number(x)) : 1 + varint64Size(x);
        } else {
          size = valueSize(v, c.dtype);
          if (size < 0) {
            listBytes ??= new Map();
            const bytes = toBinary(ValueSchema, toValue(v, c.dtype));
            listBytes.set(base + i, bytes);
            size = bytes.length;
          }
        }
        valueSizes[base + i] = size;
        body += 1 + (size < 0x80 ? 1 : varintSize(size)) + size;
      }
    // Columns of one view share their time array (and follow each other): encode it once.
    if (c.eventTimesMs !== lastTimes) {
      lastTimes = c.eventTimesMs;
      lastBlock = encodeTimestamps(c.eventTimesMs, n);
    }
    timestamps[ci] = lastBlock as Buffer;
    // Statuses are FieldStatus numbers < 128: one byte each, packed.
    body += (lastBlock as Buffer).length + (n > 0 ? 1 + varintSize(n) + n : 0);
    bodies[ci] = body;
    total += 1 + varintSize(body) + body;
  }

  const o = new Out(Buffer.allocUnsafe(total));
  const buf = o.buf;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf.set(metadata, 0);
  o.pos = metadata.length;
  for (let ci = 0; ci < cols; ci++) {
    const c = columns[ci] as ResultColumn;
    const values = c.values;
    const base = ci * n;
    o.byte(0x12);
    o.varint(bodies[ci] as number);
    if (c.packed !== undefined)
      writePackedColumn(o, c, n, valueSizes, base, listBytes as Map<number, Uint8Array>);
    else if (values !== undefined)
      for (let i = 0; i < n; i++) {
        const size = valueSizes[base + i] as number;
        buf[o.pos++] = 0x0a;
        if (size < 0x80) buf[o.pos++] = size;
        else o.varint(size);
        const v = values[i];
        if (v === undefined) continue;
        if (v === null) {
          buf[o.pos++] = 0x98;
          buf[o.pos++] = 0x01;
          buf[o.pos++] = 0;
          continue;
        }
        switch (c.dtype) {
          case ValueType.DOUBLE:
            buf[o.pos++] = 0x29;
            dv.setFloat64(o.pos, v as number, true);
            o.pos += 8;
            break;
          case ValueType.INT64: {
            const x = v as bigint;
            buf[o.pos++] = 0x20;
            if (x >= 0n && x < SAFE) o.varint(Number(x));
            else o.varint64(x);
            break;
          }
          case ValueType.STRING: {
            const str = v as string;
            const len = (strLens as Int32Array)[base + i] as number;
            buf[o.pos++] = 0x12;
            o.varint(len);
            if (len === str.length) {
              let p = o.pos;
              for (let k = 0; k < len; k++) buf[p++] = str.charCodeAt(k);
              o.pos = p;
            } else o.pos += buf.write(str, o.pos, "utf8");
            break;
          }
          default: {
            const list = listBytes?.get(base + i);
            if (list) {
              buf.set(list, o.pos);
              o.pos += list.length;
            } else writeValue(o, v, c.dtype);
          }
        }
      }
    if (n > 0) {
      buf[o.pos++] = 0x12;
      o.varint(n);
      const statuses = c.statuses;
      for (let i = 0; i < n; i++) buf[o.pos++] = statuses[i] as number;
    }
    const block = timestamps[ci] as Buffer;
    buf.set(block, o.pos);
    o.pos += block.length;
  }
  if (o.pos !== total) throw new Error(`online response encoder wrote ${o.pos} bytes, expected ${total}`);
  return buf;
}

/**
 * The GetOnlineFeatures response, columnar: one column per join key and
 * feature with a value, status and event time per entity row. Encoded to
 * protobuf wire bytes by hand (`encodeOnlineResponse`), because the
 * reflective encoder costs milliseconds for 100 x 50 values and this is the
 * serving hot path; `toOnlineResponseMessage` builds the same response as a
 * protobuf-es message (for in-process callers and as the test oracle).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  type FeatureVector,
  FeatureVectorSchema,
  type GetOnlineFeaturesResponse,
  GetOnlineFeaturesResponseSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import { type Value, ValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { type NativeValue, toValue } from "../values/index.js";
import { timestampFromMicros } from "./event-time.js";
import {
  entrySize,
  intVarintSize,
  type PackedCells,
  type PackedColumnGroup,
  packedCellStatus,
  packedCellValue,
  packedValueSizes,
  varint64Size,
  varintSize,
  writePackedEntries,
} from "./packed-cells.js";

export { gatherPackedCells, type PackedCells } from "./packed-cells.js";

/**
 * An output column as the request's plan fixes it, shared by every call of
 * the plan: its name, its type, and where a call's result holds its values
 * (so a call allocates nothing per column: a 250-feature response made 250
 * column objects per call, a third of the garbage its server made).
 */
export type ResultColumn = ValueColumn | PackedColumn;

/** A column whose values are JS values: `result.values[data]`. */
export interface ValueColumn {
  name: string;
  dtype: ValueType;
  data: number;
  read?: undefined;
}

/** A feature still in its read's packed rows: `result.reads[read]`, feature `feature` of it. */
export interface PackedColumn {
  name: string;
  dtype: ValueType;
  data?: undefined;
  read: number;
  /** The feature's position in the read's feature list (a column of the cells' `offsets`). */
  feature: number;
}

/** A column's values as JS values (join keys, on-demand and aggregated features). */
export interface ColumnValues {
  /** Per row; `undefined` is "no value" (an empty Value, status NOT_FOUND). */
  values: (NativeValue | undefined)[];
  /** Per row, FieldStatus numbers. */
  statuses: ArrayLike<number>;
  /** Event time per row in µs since the epoch (0: none, the zero timestamp). Undefined: all none. */
  eventTimesUs: Float64Array | undefined;
}

/**
 * One read's values left in their packed rows (the serving fast path: no
 * value objects). Statuses follow from the cells and `stale`; the encoder
 * writes them in the same pass as the values.
 */
export interface PackedRead {
  cells: PackedCells;
  /** Per distinct entity, 1 when its row is older than the view's ttl (OUTSIDE_MAX_AGE); undefined: none. */
  stale: Uint8Array | undefined;
  /** Event time per request row in µs (0: none). */
  eventTimesUs: Float64Array;
}

export interface OnlineResult {
  rows: number;
  /** The output columns in order (the plan's: the same array for every call of a plan). */
  columns: readonly ResultColumn[];
  /** Value columns' data, by `ValueColumn.data`. */
  values: readonly ColumnValues[];
  /** Packed reads, by `PackedColumn.read` (undefined where no column takes packed values). */
  reads: readonly (PackedRead | undefined)[];
  /** The encoded metadata field (column names), when cached by the caller; see `encodeResponseMetadata`. */
  metadata?: Buffer;
}

/** A column with its own data, for building a result by hand (`onlineResult`). */
export type StandaloneColumn =
  | ({ name: string; dtype: ValueType } & ColumnValues & { packed?: undefined })
  | {
      name: string;
      dtype: ValueType;
      packed: PackedCells;
      feature: number;
      stale: Uint8Array | undefined;
      eventTimesUs: Float64Array;
    };

/**
 * A result from columns that each carry their data (tests, tools): packed
 * columns over the same cells become one read.
 */
export function onlineResult(rows: number, standalone: readonly StandaloneColumn[]): OnlineResult {
  const values: ColumnValues[] = [];
  const reads: PackedRead[] = [];
  const readOf = new Map<PackedCells, number>();
  const columns = standalone.map((c): ResultColumn => {
    if (c.packed === undefined) {
      values.push({ values: c.values, statuses: c.statuses, eventTimesUs: c.eventTimesUs });
      return { name: c.name, dtype: c.dtype, data: values.length - 1 };
    }
    let read = readOf.get(c.packed);
    if (read === undefined) {
      read = reads.length;
      readOf.set(c.packed, read);
      reads.push({ cells: c.packed, stale: c.stale, eventTimesUs: c.eventTimesUs });
    }
    return { name: c.name, dtype: c.dtype, read, feature: c.feature };
  });
  return { rows, columns, values, reads };
}

/** A column's per-row FieldStatus numbers. */
function columnStatuses(result: OnlineResult, c: ResultColumn): ArrayLike<number> {
  if (c.read === undefined) return (result.values[c.data] as ColumnValues).statuses;
  const { cells, stale } = result.reads[c.read] as PackedRead;
  const out = new Uint8Array(result.rows);
  for (let i = 0; i < result.rows; i++) out[i] = packedCellStatus(cells, c.feature, i, stale);
  return out;
}

/** The values of a column as JS values (`undefined`: no value). */
export function columnValues(result: OnlineResult, c: ResultColumn): (NativeValue | undefined)[] {
  if (c.read === undefined) return (result.values[c.data] as ColumnValues).values;
  return packedColumnValues((result.reads[c.read] as PackedRead).cells, c.feature, result.rows);
}

/** Feature `feature` of packed cells as JS values, per request row (`undefined`: no value). */
export function packedColumnValues(
  cells: PackedCells,
  feature: number,
  rows: number,
): (NativeValue | undefined)[] {
  const out = new Array<NativeValue | undefined>(rows);
  for (let i = 0; i < rows; i++) out[i] = packedCellValue(cells, feature, i);
  return out;
}

/** A column's event times per row in µs (undefined: all none). */
function columnEventTimes(result: OnlineResult, c: ResultColumn): Float64Array | undefined {
  return c.read === undefined
    ? (result.values[c.data] as ColumnValues).eventTimesUs
    : (result.reads[c.read] as PackedRead).eventTimesUs;
}

const EMPTY_VALUE: Value = create(ValueSchema);

/** The response as a protobuf-es message (slow; for in-process callers and tests). */
export function toOnlineResponseMessage(result: OnlineResult): GetOnlineFeaturesResponse {
  return create(GetOnlineFeaturesResponseSchema, {
    metadata: { featureNames: { val: result.columns.map((c) => c.name) } },
    results: result.columns.map(
      (c): FeatureVector =>
        create(FeatureVectorSchema, {
          values: columnValues(result, c).map((v) => (v === undefined ? EMPTY_VALUE : toValue(v, c.dtype))),
          statuses: Array.from(columnStatuses(result, c)),
          eventTimestamps: Array.from({ length: result.rows }, (_, i) =>
            timestampFromMicros(columnEventTimes(result, c)?.[i] ?? 0),
          ),
        }),
    ),
  });
}

// --- the hand-written encoder -------------------------------------------------------------

/**
 * One buffer that successive responses are encoded into, for a caller that
 * is done with each response's bytes before it encodes the next (the gRPC
 * serializer, whose bytes grpc-js copies into its frame at once). A 100 x 50
 * response is 120 KB: a fresh buffer per response is external memory, and
 * external memory makes V8 scavenge early.
 */
export class ReusableOutput {
  /** Responses larger than this get a buffer of their own (the kept one stays small). */
  static readonly MAX_KEPT = 4 << 20;
  #buf = Buffer.allocUnsafe(64 << 10);
  /** `size` bytes to write into, valid until the next `take`. */
  take(size: number): Buffer {
    if (size > this.#buf.length) {
      if (size > ReusableOutput.MAX_KEPT) return Buffer.allocUnsafe(size);
      this.#buf = Buffer.allocUnsafe(Math.min(ReusableOutput.MAX_KEPT, Math.max(size, this.#buf.length * 2)));
    }
    return this.#buf.subarray(0, size);
  }
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

function timestampSize(us: number): number {
  if (us === 0) return 0;
  const seconds = Math.floor(us / 1e6);
  const nanos = (us - seconds * 1e6) * 1000;
  return (seconds !== 0 ? 1 + intVarintSize(seconds) : 0) + (nanos !== 0 ? 1 + varintSize(nanos) : 0);
}

function writeTimestamp(o: Out, us: number): void {
  if (us === 0) return;
  const seconds = Math.floor(us / 1e6);
  const nanos = (us - seconds * 1e6) * 1000;
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
const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** The `event_timestamps` entries (tag, length, Timestamp) of all rows, encoded once per time array. */
function encodeTimestamps(times: Float64Array | undefined, rows: number): Buffer {
  let size = 0;
  for (let i = 0; i < rows; i++) {
    const t = timestampSize(times?.[i] ?? 0);
    size += 1 + varintSize(t) + t;
  }
  const o = new Out(Buffer.allocUnsafe(size));
  for (let i = 0; i < rows; i++) {
    const us = times?.[i] ?? 0;
    o.byte(0x1a);
    o.varint(timestampSize(us));
    writeTimestamp(o, us);
  }
  return o.buf;
}

/**
 * Scratch arrays of the encoder, reused from call to call (it is synchronous
 * and calls nothing that could re-enter it): per-request typed arrays of these
 * sizes would each be an ArrayBuffer outside V8's heap, swept at every
 * scavenge (see pooled-arrays.ts). `scratch`: slot 0, the value columns'
 * sizes; slot g, packed group g's value sizes. `columnScratch`: per output
 * column, what the two passes share.
 */
const scratchArrays: Int32Array[] = [];
function scratch(slot: number, n: number): Int32Array {
  let a = scratchArrays[slot];
  if (a === undefined || a.length < n) {
    a = new Int32Array(Math.max(n, 1024));
    scratchArrays[slot] = a;
  }
  return a;
}
const entryBytesScratch: Float64Array[] = [];
/** Packed group g's entry bytes per feature (`packedValueSizes`). */
function entryBytesOf(group: number, width: number): Float64Array {
  let a = entryBytesScratch[group];
  if (a === undefined || a.length < width) {
    a = new Float64Array(Math.max(width, 1024));
    entryBytesScratch[group] = a;
  }
  return a;
}
let columnArrays: Int32Array[] = [];
/** Per column: body bytes, value bytes, packed cursor and end, and status position. */
function columnScratch(cols: number): Int32Array[] {
  if ((columnArrays[0]?.length ?? 0) < cols) {
    const size = Math.max(cols, 1024);
    columnArrays = Array.from({ length: 5 }, () => new Int32Array(size));
  }
  return columnArrays;
}
let stringLengths = new Int32Array(0);
/** The UTF-8 length of each string value (cols x rows). */
function stringLengthScratch(cells: number): Int32Array {
  if (stringLengths.length < cells) stringLengths = new Int32Array(Math.max(cells, 1024));
  return stringLengths;
}

/** Whether `rowToKey` maps every row i to entity i of `keys` (each entity requested once, in order). */
function isIdentity(rowToKey: Int32Array, keys: number): boolean {
  if (rowToKey.length !== keys) return false;
  for (let i = 0; i < keys; i++) if (rowToKey[i] !== i) return false;
  return true;
}

/** Per read, the output columns that take features from it, and which: fixed by the columns. */
interface ReadColumns {
  read: number;
  columns: number[];
  features: number[];
}

interface ColumnGroups {
  groups: ReadColumns[];
  /** Per read, its index in `groups`. */
  groupOfRead: number[];
}

/** `columnGroupsOf`'s answers, per columns array (a plan's columns are one array for all its calls). */
const columnGroupsCache = new WeakMap<readonly ResultColumn[], ColumnGroups>();
function columnGroupsOf(columns: readonly ResultColumn[]): ColumnGroups {
  let cached = columnGroupsCache.get(columns);
  if (cached === undefined) {
    const groups: ReadColumns[] = [];
    const groupOfRead: number[] = [];
    columns.forEach((c, ci) => {
      if (c.read === undefined) return;
      let g = groupOfRead[c.read];
      if (g === undefined) {
        g = groups.length;
        groupOfRead[c.read] = g;
        groups.push({ read: c.read, columns: [], features: [] });
      }
      (groups[g] as ReadColumns).columns.push(ci);
      (groups[g] as ReadColumns).features.push(c.feature);
    });
    cached = { groups, groupOfRead };
    columnGroupsCache.set(columns, cached);
  }
  return cached;
}

/** The located values of one read and the output columns that take features from it. */
interface PackedGroup extends PackedColumnGroup {
  /** Entry bytes per feature over the distinct entities (`packedValueSizes`). */
  entryBytes: Float64Array;
  /** Whether request row i is distinct entity i, for every row (no repeated entity). */
  identity: boolean;
}

/**
 * The wire bytes of GetOnlineFeaturesResponse for `result`, identical to
 * protobuf-es's `toBinary` of `toOnlineResponseMessage(result)`. Two passes
 * (sizes, then bytes) over flat typed arrays, one switch per column rather
 * than per value, and the timestamps of a view encoded once for all of its
 * columns: this runs on every request. Packed columns are written per
 * stored row, in storage order, each value to its column's cursor: one walk
 * of every row instead of one random access per value and column.
 */
export function encodeOnlineResponse(result: OnlineResult, into?: ReusableOutput): Buffer {
  const n = result.rows;
  const columns = result.columns;
  const cols = columns.length;
  const metadata = result.metadata ?? encodeResponseMetadata(columns.map((c) => c.name));
  let valueSizes: Int32Array | undefined;
  const [bodies, valuesBytes, cursors, ends, statusAt] = columnScratch(cols) as [
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
  ];
  let strLens: Int32Array | undefined;
  let listBytes: Map<number, Uint8Array> | undefined;
  // Packed groups by read; their sizes and entry bytes are scratch (slot g + 1).
  const { groups: readColumns, groupOfRead } = columnGroupsOf(columns);
  const groups = readColumns.map((rc, g): PackedGroup => {
    const { cells, stale } = result.reads[rc.read] as PackedRead;
    const sizes = scratch(g + 1, cells.offsets.length);
    return {
      cells,
      sizes,
      entryBytes: packedValueSizes(cells, sizes, entryBytesOf(g, cells.width)),
      identity: isIdentity(cells.rowToKey, cells.rows.length),
      columns: rc.columns,
      features: rc.features,
      stale,
    };
  });
  // The columns' event times: one encoded block per run of columns sharing a time array (a view's).
  const timeBlocks: Buffer[] = [];
  let total = metadata.length;
  let lastTimes: Float64Array | undefined | null = null;
  let lastBlock: Buffer = EMPTY_BUFFER;
  const statusBytes = n > 0 ? 1 + varintSize(n) + n : 0;

  for (let ci = 0; ci < cols; ci++) {
    const c = columns[ci] as ResultColumn;
    const data = c.read === undefined ? (result.values[c.data] as ColumnValues) : undefined;
    const values = data?.values;
    const base = ci * n;
    let body = 0;
    if (c.read !== undefined) {
      const f = c.feature;
      const g = groups[groupOfRead[c.read] as number] as PackedGroup;
      if (g.identity) body = g.entryBytes[f] as number;
      else {
        const { rowToKey, width } = g.cells;
        const sizes = g.sizes;
        for (let i = 0; i < n; i++) body += entrySize(sizes[(rowToKey[i] as number) * width + f] as number);
      }
    }
    const fixed =
      c.dtype === ValueType.DOUBLE ? 9 : c.dtype === ValueType.FLOAT ? 5 : c.dtype === ValueType.BOOL ? 2 : 0;
    if (values !== undefined) {
      valueSizes ??= scratch(0, cols * n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        let size: number;
        if (v === undefined) size = 0;
        else if (v === null) size = 3;
        else if (fixed > 0) size = fixed;
        else if (c.dtype === ValueType.STRING) {
          strLens ??= stringLengthScratch(cols * n);
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
        body += entrySize(size);
      }
    }
    valuesBytes[ci] = body;
    // Columns of one view share their time array (and follow each other): encode it once.
    const times = columnEventTimes(result, c);
    if (times !== lastTimes) {
      lastTimes = times;
      lastBlock = encodeTimestamps(times, n);
      timeBlocks.push(lastBlock);
    }
    // Statuses are FieldStatus numbers < 128: one byte each, packed.
    body += lastBlock.length + statusBytes;
    bodies[ci] = body;
    total += 1 + varintSize(body) + body;
  }

  const o = new Out(into ? into.take(total) : Buffer.allocUnsafe(total));
  const buf = o.buf;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf.set(metadata, 0);
  o.pos = metadata.length;
  lastTimes = null;
  let block = -1;
  for (let ci = 0; ci < cols; ci++) {
    const c = columns[ci] as ResultColumn;
    const data = c.read === undefined ? (result.values[c.data] as ColumnValues) : undefined;
    const values = data?.values;
    const base = ci * n;
    o.byte(0x12);
    o.varint(bodies[ci] as number);
    if (c.read !== undefined) {
      // Where this packed column's values go (written below, row by row).
      cursors[ci] = o.pos;
      o.pos += valuesBytes[ci] as number;
      ends[ci] = o.pos;
    } else if (values !== undefined) {
      const sizes = valueSizes as Int32Array;
      for (let i = 0; i < n; i++) {
        const size = sizes[base + i] as number;
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
    }
    if (n > 0) {
      buf[o.pos++] = 0x12;
      o.varint(n);
      if (data === undefined) {
        // A packed column: written with its values, below.
        statusAt[ci] = o.pos;
        o.pos += n;
      } else if (data.statuses instanceof Uint8Array) {
        const statuses = data.statuses;
        buf.set(statuses.length === n ? statuses : statuses.subarray(0, n), o.pos);
        o.pos += n;
      } else {
        const statuses = data.statuses;
        let p = o.pos;
        for (let i = 0; i < n; i++) buf[p++] = statuses[i] as number;
        o.pos = p;
      }
    }
    const times = columnEventTimes(result, c);
    if (times !== lastTimes) {
      lastTimes = times;
      block++;
    }
    const timeBlock = timeBlocks[block] as Buffer;
    // A one-row block is a dozen bytes: a loop copies it faster than `set`.
    if (timeBlock.length <= 32) {
      let p = o.pos;
      for (let k = 0; k < timeBlock.length; k++) buf[p++] = timeBlock[k] as number;
      o.pos = p;
    } else {
      buf.set(timeBlock, o.pos);
      o.pos += timeBlock.length;
    }
  }
  for (const g of groups) writePackedEntries(buf, dv, g, cursors, statusAt, n);
  // Each packed column's cursor must end exactly where its statuses begin.
  for (const g of groups) {
    for (const ci of g.columns) {
      if (cursors[ci] !== ends[ci])
        throw new Error(
          `online response encoder: packed column ${ci} ended at ${cursors[ci]}, expected ${ends[ci]}`,
        );
    }
  }
  if (o.pos !== total) throw new Error(`online response encoder wrote ${o.pos} bytes, expected ${total}`);
  return buf;
}

/**
 * The serving fast path's view of packed rows: one read's stored rows (as
 * the store returned them, never copied) and where each wanted feature's
 * value sits in them. The response encoder turns these bytes into protobuf
 * `Value`s directly (`packedValueSizes`, `writePackedEntry`): a double is a
 * tag and the stored 8 bytes, a string its stored UTF-8 bytes, a list its
 * elements re-framed (`listValueSize`, `writeListValue`: protobuf-es took
 * about 4 µs per list value, 8 ms for a 1,000 x 14 response with two list
 * features, all on the event loop); nothing is decoded into JS values unless
 * an on-demand view needs them (`packedCellValue`).
 */
import { FieldStatus } from "../../gen/fstore/v1/feature_service_pb.js";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { listElementType, type NativeValue } from "../values/index.js";
import { locatePackedValues, type PackedReadPlan, packedValueAt } from "./packed-row.js";
import { pooledFloat64Array, pooledInt32Array } from "./pooled-arrays.js";

/** The features of one read located in its stored rows. */
export interface PackedCells {
  /** Per distinct entity u: its stored packed row (as the store returned it, not copied), or undefined. */
  rows: readonly (Buffer | undefined)[];
  /** Per distinct entity with a row: a DataView over it, for multi-byte copies as one load and store. */
  views: readonly (DataView | undefined)[];
  /** Features per entity (the read's feature list). */
  width: number;
  /**
   * `offsets[u * width + j]`: offset in `rows[u]` of feature j's value (its type byte), -1 when
   * absent. A typed array: its bytes live outside the JS heap, so a request that outlives two
   * scavenges (queued under load) promotes a small header rather than 8 bytes per cell.
   */
  offsets: Int32Array;
  /** Per request row, its distinct entity u. */
  rowToKey: Int32Array;
}

/**
 * Locates the wanted features of `plan` in the packed rows of one read (per
 * distinct entity; undefined: no row). Returns the cells and each entity's
 * event time (µs; 0 without a row).
 */
export function gatherPackedCells(
  plan: PackedReadPlan,
  found: readonly (Buffer | undefined)[],
  rowToKey: Int32Array,
): { cells: PackedCells; eventTimeUs: Float64Array } {
  const keys = found.length;
  const width = plan.features.length;
  const offsets = pooledInt32Array(keys * width).fill(-1);
  const views = new Array<DataView | undefined>(keys);
  const eventTimeUs = pooledFloat64Array(keys);
  for (let u = 0; u < keys; u++) {
    const b = found[u];
    if (b === undefined) continue;
    eventTimeUs[u] = locatePackedValues(plan, b, offsets, u * width);
    views[u] = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  return { cells: { rows: found, views, width, offsets, rowToKey }, eventTimeUs };
}

/** Per view of a read: values that will be served NOT_FOUND and OUTSIDE_MAX_AGE. */
export interface ServingStatusCount {
  view: string;
  notFound: number;
  outsideMaxAge: number;
}

/**
 * The serving statuses of one read's located cells, per distinct entity and
 * feature (the metrics' unit): a feature without a value in the row (or no
 * row) is NOT_FOUND; a stored one (null included) of a stale entity is
 * OUTSIDE_MAX_AGE. Pure.
 */
export function countServingStatuses(
  view: string,
  cells: PackedCells,
  stale: Uint8Array | undefined,
): ServingStatusCount {
  const { offsets, width } = cells;
  let notFound = 0;
  let outsideMaxAge = 0;
  for (let u = 0; u < cells.rows.length; u++) {
    let stored = 0;
    for (let j = u * width, end = j + width; j < end; j++) if ((offsets[j] as number) >= 0) stored++;
    notFound += width - stored;
    if (stale !== undefined && stale[u] === 1) outsideMaxAge += stored;
  }
  return { view, notFound, outsideMaxAge };
}

/** Request row i's value of feature j as a JS value (undefined: no value). */
export function packedCellValue(cells: PackedCells, feature: number, i: number): NativeValue | undefined {
  const u = cells.rowToKey[i] as number;
  const off = cells.offsets[u * cells.width + feature] as number;
  return off < 0 ? undefined : packedValueAt(cells.rows[u] as Buffer, off);
}

/** Request row i's status for feature j; `stale` marks entities outside max age. */
export function packedCellStatus(
  cells: PackedCells,
  feature: number,
  i: number,
  stale: Uint8Array | undefined,
): FieldStatus {
  const u = cells.rowToKey[i] as number;
  const off = cells.offsets[u * cells.width + feature] as number;
  if (off < 0) return FieldStatus.NOT_FOUND;
  if ((cells.rows[u] as Buffer)[off] === 0) return FieldStatus.NULL_VALUE;
  return stale !== undefined && stale[u] === 1 ? FieldStatus.OUTSIDE_MAX_AGE : FieldStatus.PRESENT;
}

/** Bytes of a protobuf varint of a non-negative integer. */
export function varintSize(n: number): number {
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

/** Bytes of a protobuf varint of a 64-bit integer (two's complement for negatives). */
export function varint64Size(v: bigint): number {
  let u = BigInt.asUintN(64, v);
  let size = 1;
  while (u >= 0x80n) {
    size++;
    u >>= 7n;
  }
  return size;
}

/** Bytes of a signed int as a protobuf int32/int64 varint (negatives take 10). */
export function intVarintSize(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

const TWO_32 = 4294967296;

/**
 * The encoded size of every located value's protobuf `Value` (0: absent, an
 * empty Value) into `sizes[u * width + j]`, in one pass over the rows in storage order. Returns per feature
 * the bytes of its `values` entries over the distinct entities, in `entryBytes` when given (its
 * first `width` entries; the encoder passes scratch).
 */
export function packedValueSizes(
  cells: PackedCells,
  sizes: Int32Array,
  entryBytes: Float64Array = new Float64Array(cells.width),
): Float64Array {
  const { rows, views, offsets, width } = cells;
  // Per feature, the bytes of its entries over the distinct entities (absent ones are 2 bytes).
  entryBytes.fill(0, 0, width);
  for (let u = 0, k = 0; u < rows.length; u++) {
    const data = rows[u];
    if (data === undefined) {
      for (let j = 0; j < width; j++, k++) {
        sizes[k] = 0;
        (entryBytes[j] as number) += 2;
      }
      continue;
    }
    const view = views[u] as DataView;
    for (let j = 0; j < width; j++, k++) {
      const off = offsets[k] as number;
      if (off < 0) {
        sizes[k] = 0;
        (entryBytes[j] as number) += 2;
        continue;
      }
      const t = data[off] as number;
      let size: number;
      if (t === ValueType.DOUBLE) size = 9;
      else if (t === 0) size = 3;
      else if (t === ValueType.STRING || t === ValueType.BYTES) {
        const len = view.getUint32(off + 1, true);
        size = 1 + (len < 0x80 ? 1 : varintSize(len)) + len;
      } else if (t === ValueType.INT64) {
        const hi = view.getInt32(off + 5, true);
        size =
          hi >= 0 && hi < 0x200000
            ? 1 + varintSize(hi * TWO_32 + view.getUint32(off + 1, true))
            : 1 + varint64Size(view.getBigInt64(off + 1, true));
      } else if (t === ValueType.FLOAT) size = 5;
      else if (t === ValueType.BOOL) size = 2;
      else if (t === ValueType.INT32) size = 1 + intVarintSize(view.getInt32(off + 1, true));
      else if (t === ValueType.UNIX_TIMESTAMP)
        size = 1 + intVarintSize(Math.floor(view.getFloat64(off + 1, true) / 1000));
      else size = listValueSize(data, view, off);
      sizes[k] = size;
      (entryBytes[j] as number) += 1 + (size < 0x80 ? 1 : varintSize(size)) + size;
    }
  }
  return entryBytes;
}

/** Bytes of one `values` entry (tag, length, Value) of a Value of `size` bytes. */
export function entrySize(size: number): number {
  return 1 + (size < 0x80 ? 1 : varintSize(size)) + size;
}

function writeVarint(buf: Buffer, p: number, n: number): number {
  if (n < 0x80000000) {
    // 31-bit: integer shifts instead of float division.
    while (n >= 0x80) {
      buf[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[p++] = n;
    return p;
  }
  while (n >= 0x80) {
    buf[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[p++] = n;
  return p;
}

function writeVarint64(buf: Buffer, p: number, v: bigint): number {
  let u = BigInt.asUintN(64, v);
  while (u >= 0x80n) {
    buf[p++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[p++] = Number(u);
  return p;
}

function writeInt(buf: Buffer, p: number, n: number): number {
  return n >= 0 ? writeVarint(buf, p, n) : writeVarint64(buf, p, BigInt(n));
}

/** The packed output columns of one read, as the encoder groups them. */
export interface PackedColumnGroup {
  cells: PackedCells;
  /** `packedValueSizes`'s sizes. */
  sizes: Int32Array;
  /** Output column indices, and the read's feature each one takes. */
  columns: readonly number[];
  features: readonly number[];
  /** Per distinct entity, 1 when outside max age. */
  stale: Uint8Array | undefined;
}

/**
 * Writes the `values` entries (tag, length, Value) of a group's columns, each
 * from its cursor (`cursors[column]`, advanced), and their statuses (one byte
 * per row from `statusAt[column]`) in the same pass. Doubles, the common
 * case, are copied as two 32-bit words; short strings and int64s inline; the
 * rest go through `writeOtherEntry`.
 */
export function writePackedEntries(
  out: Buffer,
  outView: DataView,
  group: PackedColumnGroup,
  cursors: Int32Array,
  statusAt: Int32Array,
  rows: number,
): void {
  const { cells, sizes, columns, features, stale } = group;
  const { rows: stored, views, offsets, rowToKey, width } = cells;
  const m = columns.length;
  for (let x = 0; x < m; x++) {
    const ci = columns[x] as number;
    const f = features[x] as number;
    let p = cursors[ci] as number;
    const sp = statusAt[ci] as number;
    for (let i = 0; i < rows; i++) {
      const u = rowToKey[i] as number;
      const k = u * width + f;
      const size = sizes[k] as number;
      const off = offsets[k] as number;
      const data = stored[u] as Buffer;
      const view = views[u] as DataView;
      const t = off < 0 ? -1 : (data[off] as number);
      out[sp + i] =
        t === -1
          ? FieldStatus.NOT_FOUND
          : t === 0
            ? FieldStatus.NULL_VALUE
            : stale !== undefined && stale[u] === 1
              ? FieldStatus.OUTSIDE_MAX_AGE
              : FieldStatus.PRESENT;
      if (t === ValueType.DOUBLE) {
        // Packed f64 LE is protobuf's fixed64 double: tag, length, field tag, 8 bytes.
        out[p] = 0x0a;
        out[p + 1] = 9;
        out[p + 2] = 0x29;
        outView.setUint32(p + 3, view.getUint32(off + 1, true), true);
        outView.setUint32(p + 7, view.getUint32(off + 5, true), true);
        p += 11;
      } else if (t === -1) {
        out[p] = 0x0a;
        out[p + 1] = 0;
        p += 2;
      } else if (t === ValueType.INT64 && size < 0x80) {
        const hi = view.getInt32(off + 5, true);
        out[p] = 0x0a;
        out[p + 1] = size;
        out[p + 2] = 0x20;
        if (hi === 0) p = writeVarint(out, p + 3, view.getUint32(off + 1, true));
        else if (hi > 0 && hi < 0x200000)
          p = writeVarint(out, p + 3, hi * TWO_32 + view.getUint32(off + 1, true));
        else p = writeVarint64(out, p + 3, view.getBigInt64(off + 1, true));
      } else if (t === ValueType.STRING && size < 0x80) {
        // A short string (the common case): its stored UTF-8 bytes, copied.
        const len = size - 2;
        out[p] = 0x0a;
        out[p + 1] = size;
        out[p + 2] = 0x12;
        out[p + 3] = len;
        p += 4;
        const from = off + 5;
        for (let b = 0; b < len; b++) out[p + b] = data[from + b] as number;
        p += len;
      } else p = writeOtherEntry(out, p, data, view, off, size);
    }
    cursors[ci] = p;
  }
}

/** One `values` entry of a type other than double (and not absent). */
function writeOtherEntry(
  buf: Buffer,
  p: number,
  data: Buffer,
  view: DataView,
  off: number,
  size: number,
): number {
  buf[p++] = 0x0a;
  if (size < 0x80) buf[p++] = size;
  else p = writeVarint(buf, p, size);
  const t = data[off] as number;
  switch (t) {
    case 0:
      buf[p] = 0x98;
      buf[p + 1] = 0x01;
      buf[p + 2] = 0;
      return p + 3;
    case ValueType.STRING:
    case ValueType.BYTES: {
      // UTF-8 (or raw) bytes as stored: copied, never decoded.
      const len = view.getUint32(off + 1, true);
      buf[p++] = t === ValueType.STRING ? 0x12 : 0x0a;
      if (len < 0x80) buf[p++] = len;
      else p = writeVarint(buf, p, len);
      const from = off + 5;
      if (len > 32) data.copy(buf, p, from, from + len);
      else for (let b = 0; b < len; b++) buf[p + b] = data[from + b] as number;
      return p + len;
    }
    case ValueType.INT64: {
      buf[p++] = 0x20;
      const hi = view.getInt32(off + 5, true);
      if (hi >= 0 && hi < 0x200000) return writeVarint(buf, p, hi * TWO_32 + view.getUint32(off + 1, true));
      return writeVarint64(buf, p, view.getBigInt64(off + 1, true));
    }
    case ValueType.DOUBLE:
      buf[p] = 0x29;
      data.copy(buf, p + 1, off + 1, off + 9);
      return p + 9;
    case ValueType.FLOAT:
      buf[p] = 0x35;
      data.copy(buf, p + 1, off + 1, off + 5);
      return p + 5;
    case ValueType.BOOL:
      buf[p] = 0x38;
      buf[p + 1] = data[off + 1] === 1 ? 1 : 0;
      return p + 2;
    case ValueType.INT32:
      buf[p++] = 0x18;
      return writeInt(buf, p, view.getInt32(off + 1, true));
    case ValueType.UNIX_TIMESTAMP:
      buf[p++] = 0x40;
      return writeInt(buf, p, Math.floor(view.getFloat64(off + 1, true) / 1000));
    default:
      return writeListValue(buf, p, data, view, off);
  }
}

/*
 * Lists. A stored list is its type byte t (the ValueType, which is also the
 * number of Value's field for it: BYTES_LIST = 11 ... UNIX_TIMESTAMP_LIST = 18),
 * a u32 count and the elements (strings and bytes as u32 length + bytes). As a
 * Value: field t holding the list message, whose field 1 repeats each string or
 * bytes, or holds the numbers packed (absent when empty), as protobuf-es writes them.
 */

/** Bytes of the list message's body (without the Value's tag and length). */
function listBodySize(data: Buffer, view: DataView, off: number): number {
  const elem = listElementType(data[off] as number) as ValueType;
  const n = view.getUint32(off + 1, true);
  if (elem === ValueType.STRING || elem === ValueType.BYTES) {
    let body = 0;
    for (let i = 0, q = off + 5; i < n; i++) {
      const len = view.getUint32(q, true);
      body += 1 + varintSize(len) + len;
      q += 4 + len;
    }
    return body;
  }
  if (n === 0) return 0;
  const payload = packedPayloadSize(elem, n, view, off + 5);
  return 1 + varintSize(payload) + payload;
}

/** Bytes of `n` numbers of type `elem`, stored from `q`, packed as protobuf writes them. */
function packedPayloadSize(elem: ValueType, n: number, view: DataView, q: number): number {
  let payload = 0;
  switch (elem) {
    case ValueType.DOUBLE:
      return 8 * n;
    case ValueType.FLOAT:
      return 4 * n;
    case ValueType.BOOL:
      return n;
    case ValueType.INT32:
      for (let i = 0; i < n; i++, q += 4) payload += intVarintSize(view.getInt32(q, true));
      return payload;
    case ValueType.INT64:
      for (let i = 0; i < n; i++, q += 8) payload += varint64Size(view.getBigInt64(q, true));
      return payload;
    default: // UNIX_TIMESTAMP: stored ms, sent as int64 seconds
      for (let i = 0; i < n; i++, q += 8)
        payload += intVarintSize(secondsOfStoredMs(view.getFloat64(q, true)));
      return payload;
  }
}

/** A stored timestamp (f64 ms) as whole seconds, as `toValue` computes it from the Date. */
function secondsOfStoredMs(ms: number): number {
  return Math.floor(Math.trunc(ms) / 1000);
}

/** Bytes of a list's Value: its field's tag (two bytes from field 16), length, and body. */
function listValueSize(data: Buffer, view: DataView, off: number): number {
  const t = data[off] as number;
  const body = listBodySize(data, view, off);
  return (t >= 16 ? 2 : 1) + varintSize(body) + body;
}

/** Writes the list at `off` as a Value's content (tag, length, list message) at `p`. */
function writeListValue(buf: Buffer, p: number, data: Buffer, view: DataView, off: number): number {
  const t = data[off] as number;
  const elem = listElementType(t) as ValueType;
  const n = view.getUint32(off + 1, true);
  p = writeVarint(buf, p, (t << 3) | 2);
  const body = listBodySize(data, view, off);
  p = writeVarint(buf, p, body);
  let q = off + 5;
  if (elem === ValueType.STRING || elem === ValueType.BYTES) {
    for (let i = 0; i < n; i++) {
      const len = view.getUint32(q, true);
      buf[p++] = 0x0a;
      p = writeVarint(buf, p, len);
      data.copy(buf, p, q + 4, q + 4 + len);
      p += len;
      q += 4 + len;
    }
    return p;
  }
  if (n === 0) return p;
  buf[p++] = 0x0a;
  const payload = packedPayloadSize(elem, n, view, q);
  p = writeVarint(buf, p, payload);
  switch (elem) {
    case ValueType.DOUBLE:
      data.copy(buf, p, q, q + 8 * n);
      return p + 8 * n;
    case ValueType.FLOAT:
      data.copy(buf, p, q, q + 4 * n);
      return p + 4 * n;
    case ValueType.BOOL:
      for (let i = 0; i < n; i++) buf[p++] = data[q + i] === 1 ? 1 : 0;
      return p;
    case ValueType.INT32:
      for (let i = 0; i < n; i++, q += 4) p = writeInt(buf, p, view.getInt32(q, true));
      return p;
    case ValueType.INT64:
      for (let i = 0; i < n; i++, q += 8) p = writeVarint64(buf, p, view.getBigInt64(q, true));
      return p;
    default:
      for (let i = 0; i < n; i++, q += 8) p = writeInt(buf, p, secondsOfStoredMs(view.getFloat64(q, true)));
      return p;
  }
}

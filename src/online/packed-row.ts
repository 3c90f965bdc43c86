/**
 * The `packed` row encoding: one binary value per view and entity holding the
 * event timestamp and every feature value, so a lookup of any number of
 * features costs one reply value (SPEC "Redis layout"). Also the row format
 * of the SQLite store.
 *
 * Layout v2 (little-endian):
 *   u8 version=2 | f64 event time (µs since epoch) | u32 schema fingerprint | u16 n
 *   n x ( u32 tag | u8 type | payload )
 * Version 1 rows, written before event times kept their microseconds, are
 * the same but for the event time, in ms; they are still read (as ms x 1000),
 * and any other version is refused, never misdecoded. A µs count since the
 * epoch is an integer below 2^53, so the f64 holds it exactly.
 * `tag` is murmur3("name:type") of the feature and `type` the value's
 * ValueType (0 = stored null). Payloads: STRING/BYTES u32 len + bytes; INT32
 * i32; INT64 i64; DOUBLE f64; FLOAT f32; BOOL u8; UNIX_TIMESTAMP f64 ms;
 * lists u32 count + elements.
 *
 * Schema changes: the fingerprint hashes the view's feature names and types
 * at write time. When it matches the reader's view, values are read by
 * position (the fast path); otherwise each wanted feature is found by its
 * tag, so a renamed, retyped or removed feature is simply absent (NOT_FOUND)
 * and never decoded into another feature's value.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { failedPrecondition, invalidArgument } from "../errors/index.js";
import type { FeatureViewDef } from "../registry/model.js";
import { listElementType, type NativeScalar, type NativeValue, valueTypeName } from "../values/index.js";
import { murmur3_32String } from "./murmur3.js";
import type { OnlineRow, StoredRow } from "./online-store.js";

export const PACKED_VERSION = 2;
/** The version whose event time is in ms (still read). */
const PACKED_VERSION_MS = 1;
/** Byte offset of the f64 event time (the Lua write script reads it there). */
export const PACKED_TS_OFFSET = 1;
const HEADER = 1 + 8 + 4 + 2;
/** Bytes of a packed row before its first feature: version, event time, fingerprint, count. */
export const PACKED_HEADER_SIZE = HEADER;

/** A view's feature schema as the packed encoding needs it; computed once per view object. */
export interface PackedSchema {
  fingerprint: number;
  names: readonly string[];
  types: readonly ValueType[];
  tags: Uint32Array;
  /** Feature name -> position. */
  index: ReadonlyMap<string, number>;
}

const schemas = new WeakMap<FeatureViewDef, PackedSchema>();

/** The packed schema of `view` (cached per view object, i.e. per registry version). */
export function packedSchemaOf(view: FeatureViewDef): PackedSchema {
  let s = schemas.get(view);
  if (!s) {
    const names = view.features.map((f) => f.name);
    const types = view.features.map((f) => f.dtype);
    const tags = Uint32Array.from(view.features, (f) => murmur3_32String(`${f.name}:${f.dtype}`));
    const fingerprint = murmur3_32String(view.features.map((f) => `${f.name}:${f.dtype}`).join(","));
    s = { fingerprint, names, types, tags, index: new Map(names.map((n, i) => [n, i])) };
    schemas.set(view, s);
  }
  return s;
}

/**
 * Encodes rows into one shared buffer and returns a slice per row (no
 * per-row allocation of backing memory). Values must already match the view's
 * types; a mismatch is INVALID_ARGUMENT naming the view, feature and row.
 */
export function encodePackedRows(view: FeatureViewDef, rows: readonly OnlineRow[]): Buffer[] {
  const schema = packedSchemaOf(view);
  const w = new Writer(rows.length * (HEADER + schema.names.length * 14) + 64);
  const ends = new Array<number>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    writeRow(w, schema, rows[r] as OnlineRow, view.name, r);
    ends[r] = w.pos;
  }
  const out = new Array<Buffer>(rows.length);
  let start = 0;
  for (let r = 0; r < rows.length; r++) {
    out[r] = w.buf.subarray(start, ends[r]);
    start = ends[r] as number;
  }
  return out;
}

/** The event time (µs since the epoch) of a packed row; FAILED_PRECONDITION for an unknown version. */
export function packedRowTimeUs(row: Uint8Array): number {
  const buf = Buffer.isBuffer(row) ? row : Buffer.from(row.buffer, row.byteOffset, row.byteLength);
  return eventTimeUsOf(buf);
}

/** The checked row's event time in µs (a version 1 row holds ms). */
function eventTimeUsOf(buf: Buffer): number {
  const version = buf[0];
  if (buf.length < HEADER || (version !== PACKED_VERSION && version !== PACKED_VERSION_MS)) {
    throw failedPrecondition(`online row has unknown encoding version ${version}; rematerialize the view`);
  }
  const t = buf.readDoubleLE(PACKED_TS_OFFSET);
  return version === PACKED_VERSION ? t : t * 1000;
}

/**
 * Which features of a view a read wants, precomputed once per lookup:
 * `wanted[i]` is 1 when the view's i-th feature is wanted.
 */
export interface PackedReadPlan {
  schema: PackedSchema;
  features: readonly string[];
  wanted: Uint8Array;
  /** slot[i]: position in `features` of the view's i-th feature, or -1. */
  slot: Int32Array;
}

/** Read plans by the lookup's feature list (the retrieval plan passes the same array on every request). */
const readPlans = new WeakMap<readonly string[], PackedReadPlan>();

/**
 * The read plan of `features` of `view`, cached per feature-list array and
 * view object (a serving request reuses its plan's arrays, so this is one
 * WeakMap hit instead of two typed arrays and a Map lookup per feature).
 */
export function packedReadPlan(view: FeatureViewDef, features: readonly string[]): PackedReadPlan {
  const schema = packedSchemaOf(view);
  const cached = readPlans.get(features);
  if (cached && cached.schema === schema) return cached;
  const plan = buildReadPlan(schema, features);
  readPlans.set(features, plan);
  return plan;
}

function buildReadPlan(schema: PackedSchema, features: readonly string[]): PackedReadPlan {
  const wanted = new Uint8Array(schema.names.length);
  const slot = new Int32Array(schema.names.length).fill(-1);
  features.forEach((f, j) => {
    const i = schema.index.get(f);
    if (i !== undefined) {
      wanted[i] = 1;
      slot[i] = j;
    }
  });
  return { schema, features, wanted, slot };
}

/** Decodes the wanted features of a packed row; a feature the row does not hold is left out. */
export function decodePackedRow(plan: PackedReadPlan, data: Uint8Array): StoredRow {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const eventTimeUs = eventTimeUsOf(buf);
  const fingerprint = buf.readUInt32LE(9);
  const n = buf.readUInt16LE(13);
  const values = new Map<string, NativeValue>();
  const r = new Reader(buf, HEADER);
  const { schema, wanted } = plan;
  if (fingerprint === schema.fingerprint && n === schema.names.length) {
    for (let i = 0; i < n; i++) {
      r.pos += 4;
      if (wanted[i] === 1) values.set(schema.names[i] as string, r.value());
      else r.skip();
    }
  } else {
    // Written under another schema: match by tag (name + type), never by position.
    const wantedByTag = new Map<number, string>();
    for (const f of plan.features) {
      const i = schema.index.get(f);
      if (i !== undefined) wantedByTag.set(schema.tags[i] as number, f);
    }
    for (let i = 0; i < n; i++) {
      const tag = buf.readUInt32LE(r.pos);
      r.pos += 4;
      const name = wantedByTag.get(tag);
      if (name !== undefined) values.set(name, r.value());
      else r.skip();
    }
  }
  return { eventTimeUs, values };
}

/**
 * Finds the wanted features of a packed row without decoding them:
 * `offsets[base + j]` becomes the byte offset of `plan.features[j]`'s value
 * (its type byte, then the payload), and stays as it was (-1) when the row
 * does not hold it. Returns the row's event time in µs. The serving path
 * encodes responses straight from these bytes (no value objects).
 */
export function locatePackedValues(
  plan: PackedReadPlan,
  buf: Buffer,
  offsets: Int32Array | number[],
  base: number,
): number {
  const eventTimeUs = eventTimeUsOf(buf);
  const fingerprint = buf.readUInt32LE(9);
  const n = buf.readUInt16LE(13);
  const { schema, slot } = plan;
  let p = HEADER;
  if (fingerprint === schema.fingerprint && n === schema.names.length) {
    // Stop after the last wanted feature: the rest of the row need not be walked.
    let remaining = plan.features.length;
    for (let i = 0; i < n && remaining > 0; i++) {
      p += 4;
      const j = slot[i] as number;
      if (j >= 0) {
        offsets[base + j] = p;
        remaining--;
      }
      p = skipValueAt(buf, p);
    }
  } else {
    // Written under another schema: match by tag (name + type), never by position.
    const byTag = new Map<number, number>();
    plan.features.forEach((f, j) => {
      const i = schema.index.get(f);
      if (i !== undefined) byTag.set(schema.tags[i] as number, j);
    });
    for (let i = 0; i < n; i++) {
      const j = byTag.get(buf.readUInt32LE(p));
      p += 4;
      if (j !== undefined) offsets[base + j] = p;
      p = skipValueAt(buf, p);
    }
  }
  if (p > buf.length) throw failedPrecondition("online row is truncated; rematerialize the view");
  return eventTimeUs;
}

/** The value at `offset` of a packed row (an offset from `locatePackedValues`). */
export function packedValueAt(buf: Buffer, offset: number): NativeValue {
  return new Reader(buf, offset).value();
}

/** Payload widths by type byte: > 0 fixed, -1 length-prefixed (string, bytes), -2 list, 0 stored null or unknown. */
const PAYLOAD_WIDTH = (() => {
  const w = new Int8Array(256);
  for (let t = 1; t < 256; t++) {
    if (listElementType(t) !== undefined) w[t] = -2;
  }
  w[ValueType.STRING] = -1;
  w[ValueType.BYTES] = -1;
  w[ValueType.INT32] = 4;
  w[ValueType.FLOAT] = 4;
  w[ValueType.BOOL] = 1;
  w[ValueType.INT64] = 8;
  w[ValueType.DOUBLE] = 8;
  w[ValueType.UNIX_TIMESTAMP] = 8;
  return w;
})();

/** The offset just past the value (type byte and payload) at `p`. */
function skipValueAt(b: Buffer, p: number): number {
  const t = b[p] as number;
  const w = PAYLOAD_WIDTH[t] as number;
  if (w > 0) return p + 1 + w;
  if (w === -1) return p + 5 + b.readUInt32LE(p + 1);
  if (t === 0) return p + 1;
  if (w === 0) {
    throw failedPrecondition(`online row holds a value of unknown type ${t}; rematerialize the view`);
  }
  const elem = listElementType(t) as ValueType;
  const count = b.readUInt32LE(p + 1);
  let q = p + 5;
  for (let i = 0; i < count; i++) q += scalarSkip(b, q, elem);
  return q;
}

/** A growable output buffer for packed encodings (`ensure` before writing at `pos`). */
export class Writer {
  buf: Buffer;
  pos = 0;
  #view: DataView | undefined;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 256));
  }
  /** A DataView over exactly `buf` (made on first use, replaced with `buf`), for multi-byte copies. */
  get view(): DataView {
    if (this.#view === undefined)
      this.#view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.#view;
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.#view = undefined;
  }
}

function writeRow(w: Writer, s: PackedSchema, row: OnlineRow, view: string, rowIndex: number): void {
  const n = s.names.length;
  if (row.values.length !== n) {
    throw invalidArgument(`view "${view}" row ${rowIndex}: expected ${n} values, got ${row.values.length}`);
  }
  writeValues(w, s, row.eventTimeUs, row.values, false, view, rowIndex);
}

/**
 * Writes a row's header and values. With `partial`, an undefined value is
 * not stored (left out; the row's count then differs from the schema's, so
 * readers match it by tag); otherwise undefined is a stored null.
 */
function writeValues(
  w: Writer,
  s: PackedSchema,
  eventUs: number,
  values: readonly (NativeValue | undefined)[],
  partial: boolean,
  view: string,
  rowIndex: number,
): void {
  const n = s.names.length;
  let stored = n;
  if (partial) for (let i = 0; i < n; i++) if (values[i] === undefined) stored--;
  w.ensure(HEADER);
  const b = w.buf;
  b[w.pos] = PACKED_VERSION;
  b.writeDoubleLE(eventUs, w.pos + 1);
  b.writeUInt32LE(s.fingerprint, w.pos + 9);
  b.writeUInt16LE(stored, w.pos + 13);
  w.pos += HEADER;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (partial && v === undefined) continue;
    w.ensure(5);
    w.buf.writeUInt32LE(s.tags[i] as number, w.pos);
    w.pos += 4;
    const t = s.types[i] as ValueType;
    if (v === null || v === undefined) {
      w.buf[w.pos++] = 0;
      continue;
    }
    w.buf[w.pos++] = t;
    const elem = listElementType(t);
    if (elem === undefined) {
      if (!writeScalar(w, v as NativeScalar, t)) throw wrongType(view, s.names[i] as string, rowIndex, t, v);
    } else {
      if (!Array.isArray(v)) throw wrongType(view, s.names[i] as string, rowIndex, t, v);
      w.ensure(4);
      w.buf.writeUInt32LE(v.length, w.pos);
      w.pos += 4;
      for (const item of v) {
        if (!writeScalar(w, item, elem)) throw wrongType(view, s.names[i] as string, rowIndex, t, v);
      }
    }
  }
}

/**
 * One packed row of `view` from values in `view.features` order, where
 * undefined means not stored (a layout that keeps features apart, such as
 * Redis's `feast`, may lack some).
 */
export function encodePackedRow(
  view: FeatureViewDef,
  eventUs: number,
  values: readonly (NativeValue | undefined)[],
): Buffer {
  const schema = packedSchemaOf(view);
  const w = new Writer(HEADER + schema.names.length * 14);
  writeValues(w, schema, eventUs, values, true, view.name, 0);
  return w.buf.subarray(0, w.pos);
}

export function wrongType(view: string, feature: string, row: number, t: ValueType, v: unknown) {
  const shown = typeof v === "bigint" ? `${v}n` : v instanceof Date ? v.toISOString() : JSON.stringify(v);
  return invalidArgument(
    `view "${view}" feature "${feature}" row ${row}: expected ${valueTypeName(t)}, got ${typeof v} ${String(shown).slice(0, 40)}`,
  );
}

/** Writes one scalar payload; false when `v` is not of type `t`. */
export function writeScalar(w: Writer, v: NativeScalar, t: ValueType): boolean {
  switch (t) {
    case ValueType.STRING: {
      if (typeof v !== "string") return false;
      w.ensure(4 + v.length * 3);
      const len = w.buf.write(v, w.pos + 4, "utf8");
      w.buf.writeUInt32LE(len, w.pos);
      w.pos += 4 + len;
      return true;
    }
    case ValueType.BYTES: {
      if (!(v instanceof Uint8Array)) return false;
      w.ensure(4 + v.length);
      w.buf.writeUInt32LE(v.length, w.pos);
      w.buf.set(v, w.pos + 4);
      w.pos += 4 + v.length;
      return true;
    }
    case ValueType.INT32:
      if (typeof v !== "number" || !Number.isInteger(v)) return false;
      w.ensure(4);
      w.buf.writeInt32LE(v, w.pos);
      w.pos += 4;
      return true;
    case ValueType.INT64:
      if (typeof v === "number" && Number.isInteger(v)) v = BigInt(v);
      if (typeof v !== "bigint") return false;
      w.ensure(8);
      w.buf.writeBigInt64LE(BigInt.asIntN(64, v), w.pos);
      w.pos += 8;
      return true;
    case ValueType.DOUBLE:
      if (typeof v === "bigint") v = Number(v);
      if (typeof v !== "number") return false;
      w.ensure(8);
      w.buf.writeDoubleLE(v, w.pos);
      w.pos += 8;
      return true;
    case ValueType.FLOAT:
      if (typeof v === "bigint") v = Number(v);
      if (typeof v !== "number") return false;
      w.ensure(4);
      w.buf.writeFloatLE(v, w.pos);
      w.pos += 4;
      return true;
    case ValueType.BOOL:
      if (typeof v !== "boolean") return false;
      w.ensure(1);
      w.buf[w.pos++] = v ? 1 : 0;
      return true;
    case ValueType.UNIX_TIMESTAMP:
      if (!(v instanceof Date)) return false;
      w.ensure(8);
      w.buf.writeDoubleLE(v.getTime(), w.pos);
      w.pos += 8;
      return true;
    default:
      return false;
  }
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  value(): NativeValue {
    const t = this.buf[this.pos++] as number;
    if (t === 0) return null;
    const elem = listElementType(t);
    if (elem === undefined) return this.scalar(t);
    const n = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    const out = new Array<NativeScalar>(n);
    for (let i = 0; i < n; i++) out[i] = this.scalar(elem);
    return out;
  }

  scalar(t: number): NativeScalar {
    const b = this.buf;
    const p = this.pos;
    switch (t) {
      case ValueType.STRING: {
        const len = b.readUInt32LE(p);
        this.pos = p + 4 + len;
        return b.toString("utf8", p + 4, p + 4 + len);
      }
      case ValueType.BYTES: {
        const len = b.readUInt32LE(p);
        this.pos = p + 4 + len;
        return new Uint8Array(b.subarray(p + 4, p + 4 + len));
      }
      case ValueType.INT32:
        this.pos = p + 4;
        return b.readInt32LE(p);
      case ValueType.INT64:
        this.pos = p + 8;
        return b.readBigInt64LE(p);
      case ValueType.DOUBLE:
        this.pos = p + 8;
        return b.readDoubleLE(p);
      case ValueType.FLOAT:
        this.pos = p + 4;
        return b.readFloatLE(p);
      case ValueType.BOOL:
        this.pos = p + 1;
        return b[p] === 1;
      case ValueType.UNIX_TIMESTAMP:
        this.pos = p + 8;
        return new Date(b.readDoubleLE(p));
      default:
        throw failedPrecondition(`online row holds a value of unknown type ${t}; rematerialize the view`);
    }
  }

  skip(): void {
    const b = this.buf;
    const t = b[this.pos++] as number;
    if (t === 0) return;
    const elem = listElementType(t);
    if (elem === undefined) {
      this.pos += scalarSkip(b, this.pos, t);
      return;
    }
    const n = b.readUInt32LE(this.pos);
    this.pos += 4;
    for (let i = 0; i < n; i++) this.pos += scalarSkip(b, this.pos, elem);
  }
}

function scalarSkip(b: Buffer, p: number, t: number): number {
  switch (t) {
    case ValueType.STRING:
    case ValueType.BYTES:
      return 4 + b.readUInt32LE(p);
    case ValueType.INT32:
    case ValueType.FLOAT:
      return 4;
    case ValueType.BOOL:
      return 1;
    default:
      return 8;
  }
}

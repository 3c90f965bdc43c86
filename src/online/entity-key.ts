/**
 * Feast's entity key serialization, version 3, which names Redis hashes (and
 * fstore's SQLite rows): `u32le(n)`; per join key sorted by name
 * `u32le(STRING=2) u32le(len) utf8(name)`; then per value in that order
 * `u32le(value type) u32le(len) bytes`. The online key appends the project
 * name in UTF-8. Worked example (SPEC, and Feast's Go test): driver_id=1001
 * (int64), project my_proj ->
 * `01000000 02000000 09000000 "driver_id" 04000000 08000000 e903000000000000 "my_proj"`.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { FieldDef } from "../registry/model.js";
import { type NativeValue, valueTypeName } from "../values/index.js";

/** The types an entity key value may have (Feast's `_serialize_val` supports these). */
const KEY_TYPES = new Set<ValueType>([
  ValueType.STRING,
  ValueType.BYTES,
  ValueType.INT32,
  ValueType.INT64,
  ValueType.UNIX_TIMESTAMP,
]);

/** Turns the join-key values of one entity (in `columns` order) into its online key bytes. */
export interface EntityKeyEncoder {
  (values: readonly NativeValue[]): Buffer;
  /** The key's size in bytes. */
  size(values: readonly NativeValue[]): number;
  /** Writes the key at `pos` of `out` (which has `size(values)` bytes free there); returns the end. */
  into(values: readonly NativeValue[], out: Buffer, pos: number): number;
}

/**
 * Precomputes the sorted join-key header of `columns` once, so encoding a key
 * costs only its values. `project` (when given) is appended, as Feast's Redis
 * keys do.
 */
export function createEntityKeyEncoder(columns: readonly FieldDef[], project?: string): EntityKeyEncoder {
  for (const c of columns) {
    if (!KEY_TYPES.has(c.dtype)) {
      throw invalidArgument(
        `join key "${c.name}" has type ${valueTypeName(c.dtype)}, which cannot be an entity key`,
      );
    }
  }
  // Sorted by name, as Feast does; `order[i]` is the position in `columns` of the i-th sorted key.
  const order = columns.map((_, i) => i).sort((a, b) => cmp(columns[a]?.name ?? "", columns[b]?.name ?? ""));
  const headerParts: Buffer[] = [u32(columns.length)];
  for (const i of order) {
    const name = Buffer.from((columns[i] as FieldDef).name, "utf8");
    headerParts.push(u32(ValueType.STRING), u32(name.length), name);
  }
  const header = Buffer.concat(headerParts);
  const suffix = Buffer.from(project ?? "", "utf8");
  const types = order.map((i) => (columns[i] as FieldDef).dtype);
  const names = order.map((i) => (columns[i] as FieldDef).name);

  const size = (values: readonly NativeValue[]): number => {
    let n = header.length + suffix.length;
    for (let j = 0; j < order.length; j++) {
      n += 8 + valueSize(values[order[j] as number], types[j] as ValueType, names[j] as string);
    }
    return n;
  };
  const into = (values: readonly NativeValue[], out: Buffer, at: number): number => {
    header.copy(out, at);
    let pos = at + header.length;
    for (let j = 0; j < order.length; j++) {
      pos = writeValue(out, pos, values[order[j] as number] as NativeValue, types[j] as ValueType);
    }
    return pos + suffix.copy(out, pos);
  };
  const encode = (values: readonly NativeValue[]): Buffer => {
    const out = Buffer.allocUnsafe(size(values));
    into(values, out, 0);
    return out;
  };
  return Object.assign(encode, { size, into });
}

/** Feast-compatible serialization of one entity key, without a project suffix. */
export function serializeEntityKey(columns: readonly FieldDef[], values: readonly NativeValue[]): Buffer {
  return createEntityKeyEncoder(columns)(values);
}

/** The join-key values of an encoded key, in `columns` order (for consistency sampling). */
export function deserializeEntityKey(columns: readonly FieldDef[], key: Uint8Array): NativeValue[] {
  const buf = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const n = buf.readUInt32LE(0);
  let pos = 4;
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    pos += 4;
    const len = buf.readUInt32LE(pos);
    pos += 4;
    names.push(buf.toString("utf8", pos, pos + len));
    pos += len;
  }
  const byName = new Map<string, NativeValue>();
  for (let i = 0; i < n; i++) {
    const type = buf.readUInt32LE(pos);
    const len = buf.readUInt32LE(pos + 4);
    pos += 8;
    byName.set(names[i] as string, readValue(buf, pos, len, type));
    pos += len;
  }
  return columns.map((c) => {
    if (!byName.has(c.name)) throw invalidArgument(`entity key has no join key "${c.name}"`);
    return byName.get(c.name) as NativeValue;
  });
}

/**
 * The project a stored key ends with (Feast's v3 key: the serialized entity
 * key, then the project's bytes): what follows the entity key, or undefined
 * when the bytes are not a serialized key. A plain suffix test cannot tell
 * project "b" from "ab".
 */
export function projectOfStoredKey(key: Uint8Array): string | undefined {
  const buf = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  if (buf.length < 4) return undefined;
  const n = buf.readUInt32LE(0);
  let pos = 4;
  // Names: type and length, then the bytes; values: type and length, then the bytes.
  for (let i = 0; i < 2 * n; i++) {
    if (pos + 8 > buf.length) return undefined;
    pos += 8 + buf.readUInt32LE(pos + 4);
  }
  return pos <= buf.length ? buf.toString("utf8", pos) : undefined;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n, 0);
  return b;
}

function valueSize(v: NativeValue | undefined, t: ValueType, name: string): number {
  if (v === null || v === undefined)
    throw invalidArgument(`join key "${name}" is null; entity keys cannot be null`);
  switch (t) {
    case ValueType.STRING:
      return Buffer.byteLength(v as string, "utf8");
    case ValueType.BYTES:
      return (v as Uint8Array).length;
    case ValueType.INT32:
      return 4;
    default:
      return 8;
  }
}

function writeValue(out: Buffer, pos: number, v: NativeValue, t: ValueType): number {
  out.writeUInt32LE(t, pos);
  switch (t) {
    case ValueType.STRING: {
      const len = out.write(v as string, pos + 8, "utf8");
      out.writeUInt32LE(len, pos + 4);
      return pos + 8 + len;
    }
    case ValueType.BYTES: {
      const b = v as Uint8Array;
      out.writeUInt32LE(b.length, pos + 4);
      out.set(b, pos + 8);
      return pos + 8 + b.length;
    }
    case ValueType.INT32:
      out.writeUInt32LE(4, pos + 4);
      out.writeInt32LE(v as number, pos + 8);
      return pos + 12;
    case ValueType.UNIX_TIMESTAMP:
      // Feast stores unix_timestamp_val (seconds) as int64.
      out.writeUInt32LE(8, pos + 4);
      out.writeBigInt64LE(BigInt(Math.floor((v as Date).getTime() / 1000)), pos + 8);
      return pos + 16;
    default:
      out.writeUInt32LE(8, pos + 4);
      out.writeBigInt64LE(typeof v === "bigint" ? v : BigInt(v as number), pos + 8);
      return pos + 16;
  }
}

function readValue(buf: Buffer, pos: number, len: number, t: number): NativeValue {
  switch (t) {
    case ValueType.STRING:
      return buf.toString("utf8", pos, pos + len);
    case ValueType.BYTES:
      return new Uint8Array(buf.subarray(pos, pos + len));
    case ValueType.INT32:
      return buf.readInt32LE(pos);
    case ValueType.INT64:
      return buf.readBigInt64LE(pos);
    case ValueType.UNIX_TIMESTAMP:
      return new Date(Number(buf.readBigInt64LE(pos)) * 1000);
    default:
      throw invalidArgument(`entity key value of unsupported type ${t}`);
  }
}

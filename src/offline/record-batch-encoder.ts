/**
 * Encodes DuckDB result chunks as `fstore.v1.RecordBatch` protobuf bytes,
 * straight from DuckDB's vectors: numbers and timestamps are read from the
 * vectors' typed arrays and written as packed fields, validity bits become
 * the null mask, and no JS object is made per value (strings excepted, which
 * DuckDB hands out as JS strings). Column buffers are reused from batch to
 * batch, so memory stays flat however many rows stream through.
 *
 * Hidden match columns after the visible ones (one per view) are not sent:
 * they feed the match counts and the leakage audit, computed here over the
 * rows actually produced.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import type { DuckDBDataChunk, DuckDBVector } from "@duckdb/node-api";
import { RepeatedValueSchema, type Value, ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { NativeScalar } from "../values/index.js";
import { listElementType, toValue } from "../values/index.js";
import { auditMatches } from "./leakage-audit.js";
import { LEN, ProtoWriter, VARINT } from "./proto-writer.js";

/** A column of the output, as streamed. */
export interface OutputColumn {
  name: string;
  valueType: ValueType;
}

/** Field numbers of the `values` oneof of `Column`, by value type. */
const VALUES_FIELD: Partial<Record<ValueType, number>> = {
  [ValueType.BYTES]: 4,
  [ValueType.STRING]: 5,
  [ValueType.INT32]: 6,
  [ValueType.INT64]: 7,
  [ValueType.DOUBLE]: 8,
  [ValueType.FLOAT]: 9,
  [ValueType.BOOL]: 10,
  [ValueType.UNIX_TIMESTAMP]: 11,
};
const LIST_VALUES_FIELD = 12;

/** A vector's validity as bytes (bit i of the little-endian words), or null when all are valid. */
function validityOf(vec: DuckDBVector): { bits: Uint8Array | null; offset: number } {
  const v = (vec as unknown as { validity?: { data?: BigUint64Array | null; offset?: number } }).validity;
  const data = v?.data;
  if (!data) return { bits: null, offset: v?.offset ?? 0 };
  return { bits: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset: v?.offset ?? 0 };
}

function isValid(bits: Uint8Array | null, offset: number, i: number): boolean {
  if (bits === null) return true;
  const b = offset + i;
  return ((bits[b >> 3] as number) & (1 << (b & 7))) !== 0;
}

/** The typed array behind a fixed-width vector, when the library exposes it. */
function itemsOf<T>(vec: DuckDBVector, ctor: new (...args: never[]) => T): T | undefined {
  const items = (vec as unknown as { items?: unknown }).items;
  return items instanceof ctor ? (items as T) : undefined;
}

/** A timestamp vector's microseconds, read value by value (when its typed array is not exposed). */
function timestampsOf(vec: DuckDBVector): BigInt64Array {
  const out = new BigInt64Array(vec.itemCount);
  for (let i = 0; i < out.length; i++) {
    const t = vec.getItem(i) as { micros: bigint } | null;
    out[i] = t === null ? 0n : t.micros;
  }
  return out;
}

/** One column's values for the batch being built. */
interface ColumnBuffer {
  /** Appends rows from..to of `vec` at batch positions base.., marking nulls. */
  append(vec: DuckDBVector, from: number, to: number, base: number, nulls: Uint8Array): boolean;
  /** Writes the Column's `values` field for the first `n` rows. */
  write(w: ProtoWriter, n: number): void;
}

class Int64Buffer implements ColumnBuffer {
  readonly values: BigInt64Array;
  readonly halves: Int32Array;
  constructor(
    capacity: number,
    readonly field: number,
  ) {
    this.values = new BigInt64Array(capacity);
    this.halves = new Int32Array(this.values.buffer);
  }
  append(vec: DuckDBVector, from: number, to: number, base: number, nulls: Uint8Array): boolean {
    const items = itemsOf(vec, BigInt64Array);
    const { bits, offset } = validityOf(vec);
    let anyNull = false;
    if (items) {
      const src = new Int32Array(items.buffer, items.byteOffset, items.length * 2);
      for (let i = from, j = base; i < to; i++, j++) {
        if (isValid(bits, offset, i)) {
          this.halves[2 * j] = src[2 * i] as number;
          this.halves[2 * j + 1] = src[2 * i + 1] as number;
        } else {
          this.values[j] = 0n;
          nulls[j] = 1;
          anyNull = true;
        }
      }
      return anyNull;
    }
    for (let i = from, j = base; i < to; i++, j++) {
      const x = vec.getItem(i) as bigint | { micros: bigint } | null;
      if (x === null) {
        this.values[j] = 0n;
        nulls[j] = 1;
        anyNull = true;
      } else this.values[j] = typeof x === "bigint" ? x : x.micros;
    }
    return anyNull;
  }
  write(w: ProtoWriter, n: number): void {
    w.tag(this.field, LEN).fork().tag(1, LEN).fork();
    const h = this.halves;
    for (let i = 0; i < n; i++) w.varint64(h[2 * i] as number, h[2 * i + 1] as number);
    w.join().join();
  }
}

/**
 * Copies rows [from, to) of a numeric vector into `target` from `base` on, from its typed items
 * when DuckDB exposes them (else per value); a null is 0 with its mask bit set. Returns whether
 * any row was null.
 */
function copyNumbers(
  target: Int32Array | Float32Array | Float64Array,
  items: ArrayLike<number> | undefined,
  vec: DuckDBVector,
  from: number,
  to: number,
  base: number,
  nulls: Uint8Array,
): boolean {
  const { bits, offset } = validityOf(vec);
  let anyNull = false;
  for (let i = from, j = base; i < to; i++, j++) {
    if (isValid(bits, offset, i)) {
      target[j] = items ? (items[i] as number) : Number(vec.getItem(i));
    } else {
      target[j] = 0;
      nulls[j] = 1;
      anyNull = true;
    }
  }
  return anyNull;
}

class Int32Buffer implements ColumnBuffer {
  readonly values: Int32Array;
  constructor(capacity: number) {
    this.values = new Int32Array(capacity);
  }
  append(vec: DuckDBVector, from: number, to: number, base: number, nulls: Uint8Array): boolean {
    return copyNumbers(this.values, itemsOf(vec, Int32Array), vec, from, to, base, nulls);
  }
  write(w: ProtoWriter, n: number): void {
    w.tag(6, LEN).fork().tag(1, LEN).fork();
    for (let i = 0; i < n; i++) {
      const v = this.values[i] as number;
      // int32 varints are sign-extended to 64 bits.
      w.varint64(v, v < 0 ? -1 : 0);
    }
    w.join().join();
  }
}

class FloatingBuffer implements ColumnBuffer {
  readonly values: Float64Array | Float32Array;
  constructor(
    capacity: number,
    readonly double: boolean,
  ) {
    this.values = double ? new Float64Array(capacity) : new Float32Array(capacity);
  }
  append(vec: DuckDBVector, from: number, to: number, base: number, nulls: Uint8Array): boolean {
    const items = this.double ? itemsOf(vec, Float64Array) : itemsOf(vec, Float32Array);
    return copyNumbers(this.values, items, vec, from, to, base, nulls);
  }
  write(w: ProtoWriter, n: number): void {
    // Packed fixed-width values are the little-endian bytes of the array itself.
    const width = this.double ? 8 : 4;
    const bytes = new Uint8Array(this.values.buffer, 0, n * width);
    w.tag(this.double ? 8 : 9, LEN)
      .fork()
      .tag(1, LEN)
      .bytes(bytes)
      .join();
  }
}

class BoolBuffer implements ColumnBuffer {
  readonly values: Uint8Array;
  constructor(capacity: number) {
    this.values = new Uint8Array(capacity);
  }
  append(vec: DuckDBVector, from: number, to: number, base: number, nulls: Uint8Array): boolean {
    // DuckDB keeps one byte per boolean; read them directly when the library exposes them.
    const view = (vec as unknown as { dataView?: unknown }).dataView;
    const raw =
      view instanceof DataView ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : null;
    const { bits, offset } = validityOf(vec);
    let anyNull = false;
    for (let i = from, j = base; i < to; i++, j++) {
      if (!isValid(bits, offset, i)) {
        this.values[j] = 0;
        nulls[j] = 1;
        anyNull = true;
      } else this.values[j] = raw ? ((raw[i] as number) !== 0 ? 1 : 0) : vec.getItem(i) ? 1 : 0;
    }
    return anyNull;
  }
  write(w: ProtoWriter, n: number): void {
    w.tag(10, LEN).fork().tag(1, LEN).bytes(this.values.subarray(0, n)).join();
  }
}

/**
 * Strings and bytes: written as repeated field-1 entries as rows arrive.
 * DuckDB keeps a value of up to 12 bytes inline in its 16-byte entry
 * (u32 length, then the bytes); those are copied as bytes, with no JS string
 * decoded and encoded again. Longer values go through the library.
 */
class VarlenBuffer implements ColumnBuffer {
  readonly w = new ProtoWriter(1 << 14);
  constructor(readonly bytes: boolean) {}
  append(vec: DuckDBVector, from: number, to: number, base: number, nulls: Uint8Array): boolean {
    let anyNull = false;
    const { bits, offset } = validityOf(vec);
    const view = (vec as unknown as { dataView?: unknown }).dataView;
    const entries =
      view instanceof DataView && view.byteLength >= to * 16
        ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
        : null;
    const w = this.w;
    for (let i = from, j = base; i < to; i++, j++) {
      w.tag(1, LEN);
      if (!isValid(bits, offset, i)) {
        w.uint32(0);
        nulls[j] = 1;
        anyNull = true;
        continue;
      }
      if (entries !== null) {
        const at = i * 16;
        const length =
          ((entries[at] as number) |
            ((entries[at + 1] as number) << 8) |
            ((entries[at + 2] as number) << 16) |
            ((entries[at + 3] as number) << 24)) >>>
          0;
        if (length <= 12) {
          w.uint32(length);
          w.ensure(length);
          for (let k = 0; k < length; k++) w.buf[w.pos++] = entries[at + 4 + k] as number;
          continue;
        }
      }
      const x = vec.getItem(i) as string | { bytes: Uint8Array };
      if (this.bytes) w.bytes((x as { bytes: Uint8Array }).bytes);
      else w.string(x as string);
    }
    return anyNull;
  }
  write(w: ProtoWriter, _n: number): void {
    w.tag(this.bytes ? 4 : 5, LEN).bytes(this.w.buf.subarray(0, this.w.pos));
    this.w.pos = 0;
  }
}

/** List columns (rare in training sets): one protobuf Value per row. */
class ListBuffer implements ColumnBuffer {
  values: Value[] = [];
  constructor(readonly type: ValueType) {}
  append(vec: DuckDBVector, from: number, to: number, base: number, nulls: Uint8Array): boolean {
    const elem = listElementType(this.type);
    let anyNull = false;
    for (let i = from, j = base; i < to; i++, j++) {
      const x = vec.getItem(i) as { items: readonly unknown[] } | null;
      if (x === null) {
        nulls[j] = 1;
        anyNull = true;
        this.values.push(toValue(null, this.type));
      } else {
        const items = x.items.map((item): NativeScalar => {
          if (elem === ValueType.UNIX_TIMESTAMP)
            return new Date(Number((item as { micros: bigint }).micros / 1000n));
          if (elem === ValueType.BYTES) return (item as { bytes: Uint8Array }).bytes;
          return item as NativeScalar;
        });
        this.values.push(toValue(items, this.type));
      }
    }
    return anyNull;
  }
  write(w: ProtoWriter, _n: number): void {
    w.tag(LIST_VALUES_FIELD, LEN).bytes(
      toBinary(RepeatedValueSchema, create(RepeatedValueSchema, { val: this.values })),
    );
    this.values = [];
  }
}

function bufferOf(t: ValueType, capacity: number): ColumnBuffer {
  switch (t) {
    case ValueType.INT64:
      return new Int64Buffer(capacity, VALUES_FIELD[t] as number);
    case ValueType.UNIX_TIMESTAMP:
      return new Int64Buffer(capacity, VALUES_FIELD[t] as number);
    case ValueType.INT32:
      return new Int32Buffer(capacity);
    case ValueType.DOUBLE:
      return new FloatingBuffer(capacity, true);
    case ValueType.FLOAT:
      return new FloatingBuffer(capacity, false);
    case ValueType.BOOL:
      return new BoolBuffer(capacity);
    case ValueType.STRING:
      return new VarlenBuffer(false);
    case ValueType.BYTES:
      return new VarlenBuffer(true);
    default:
      return new ListBuffer(t);
  }
}

/** Accumulates rows and hands out encoded batches of at most `capacity` rows. */
export class RecordBatchEncoder {
  readonly #columns: readonly OutputColumn[];
  readonly #buffers: ColumnBuffer[];
  readonly #nulls: Uint8Array[];
  readonly #hasNull: boolean[];
  readonly #names: Uint8Array[];
  readonly #timestampIndex: number;
  readonly #featureCounts: readonly number[];
  readonly #strict: boolean;
  readonly #writer = new ProtoWriter(1 << 20);
  #rows = 0;
  /** Rows matched per view so far. */
  readonly matched: number[];
  /** Leaking feature values so far. */
  violations = 0;
  /** Rows seen so far. */
  totalRows = 0;

  /**
   * `columns` are the visible result columns (in result order);
   * `featureCounts[v]` is the number of features of view v, whose match
   * column follows the visible ones; `timestampIndex` is the column of the
   * rows' event timestamps; `capacity` is the most rows a batch holds.
   */
  constructor(
    columns: readonly OutputColumn[],
    timestampIndex: number,
    featureCounts: readonly number[],
    strict: boolean,
    readonly capacity: number,
  ) {
    this.#columns = columns;
    this.#buffers = columns.map((c) => bufferOf(c.valueType, capacity));
    this.#nulls = columns.map(() => new Uint8Array(capacity));
    this.#hasNull = columns.map(() => false);
    this.#names = columns.map((c) => new TextEncoder().encode(c.name));
    this.#timestampIndex = timestampIndex;
    this.#featureCounts = featureCounts;
    this.#strict = strict;
    this.matched = featureCounts.map(() => 0);
  }

  get rowCount(): number {
    return this.#rows;
  }

  /** Adds rows from..to of a result chunk; the batch must have room for them. */
  append(chunk: DuckDBDataChunk, from = 0, to = chunk.rowCount): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.#rows + n > this.capacity) throw new Error("record batch overflow");
    for (let c = 0; c < this.#columns.length; c++) {
      const buffer = this.#buffers[c] as ColumnBuffer;
      if (buffer.append(chunk.getColumnVector(c), from, to, this.#rows, this.#nulls[c] as Uint8Array)) {
        this.#hasNull[c] = true;
      }
    }
    this.#audit(chunk, from, to);
    this.#rows += n;
    this.totalRows += n;
  }

  /** Counts matches and leaks per view over the rows just added (see leakage-audit.ts). */
  #audit(chunk: DuckDBDataChunk, from: number, to: number): void {
    const rowVec = chunk.getColumnVector(this.#timestampIndex);
    const rowTs = itemsOf(rowVec, BigInt64Array) ?? timestampsOf(rowVec);
    for (let v = 0; v < this.#featureCounts.length; v++) {
      const vec = chunk.getColumnVector(this.#columns.length + v);
      const items = itemsOf(vec, BigInt64Array) ?? timestampsOf(vec);
      const { bits, offset } = validityOf(vec);
      const { matched, leaking } = auditMatches(
        rowTs,
        items,
        (i) => isValid(bits, offset, i),
        from,
        to,
        this.#strict,
      );
      this.matched[v] = (this.matched[v] ?? 0) + matched;
      this.violations += leaking * (this.#featureCounts[v] ?? 0);
    }
  }

  /** The rows held so far as RecordBatch bytes; the encoder starts empty again. */
  flush(): Uint8Array {
    return this.flushFramed().batch;
  }

  /**
   * The rows held so far as RecordBatch bytes (`batch`), and the same batch
   * as field `field` of an enclosing message (`framed`: tag, length, batch),
   * in one buffer: `batch` is a view into `framed`, so a stream message can be
   * sent as is with no further copy. The encoder starts empty again.
   */
  flushFramed(field = 2): { batch: Uint8Array; framed: Uint8Array } {
    const w = this.#writer;
    const n = this.#rows;
    w.tag(field, LEN).fork();
    const start = w.pos;
    w.tag(1, VARINT).uint32(n);
    for (let c = 0; c < this.#columns.length; c++) {
      w.tag(2, LEN).fork();
      w.tag(1, LEN).bytes(this.#names[c] as Uint8Array);
      w.tag(2, VARINT).uint32((this.#columns[c] as OutputColumn).valueType);
      const nulls = this.#nulls[c] as Uint8Array;
      if (this.#hasNull[c]) w.tag(3, LEN).bytes(nulls.subarray(0, n));
      (this.#buffers[c] as ColumnBuffer).write(w, n);
      w.join();
      nulls.fill(0, 0, n);
      this.#hasNull[c] = false;
    }
    this.#rows = 0;
    const length = w.pos - start;
    w.join();
    const framed = w.finish();
    return { batch: framed.subarray(framed.length - length), framed };
  }
}

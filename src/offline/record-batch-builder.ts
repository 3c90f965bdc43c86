/**
 * Turns DuckDB result chunks into RecordBatch messages: one typed array per
 * column (no per-value Value objects, except for list columns), a null mask
 * only when the column has nulls. Hidden match columns at the end of the
 * result are not sent; they feed the match counts and the leakage audit.
 */
import { create } from "@bufbuild/protobuf";
import type { DuckDBDataChunk, DuckDBVector } from "@duckdb/node-api";
import type { Column, RecordBatch } from "../../gen/fstore/v1/feature_service_pb.js";
import { ColumnSchema, RecordBatchSchema } from "../../gen/fstore/v1/feature_service_pb.js";
import type { Value } from "../../gen/fstore/v1/value_pb.js";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { NativeScalar } from "../values/index.js";
import { listElementType, toValue } from "../values/index.js";
import { countLeakage } from "./leakage-audit.js";

/** A column of the output, as streamed. */
export interface OutputColumn {
  name: string;
  valueType: ValueType;
}

type Items = unknown[];
type Reader = (
  v: DuckDBVector,
  from: number,
  to: number,
  out: Items,
  nulls: boolean[] | null,
) => boolean[] | null;

/** Accumulates chunks and hands out bounded batches; counts matches and leaks as rows go by. */
export class RecordBatchBuilder {
  readonly #columns: readonly OutputColumn[];
  readonly #timestampIndex: number;
  readonly #featureCounts: readonly number[];
  readonly #strict: boolean;
  readonly #readers: Reader[];
  #items: Items[] = [];
  #nulls: (boolean[] | null)[] = [];
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
   * rows' event timestamps.
   */
  constructor(
    columns: readonly OutputColumn[],
    timestampIndex: number,
    featureCounts: readonly number[],
    strict: boolean,
  ) {
    this.#columns = columns;
    this.#timestampIndex = timestampIndex;
    this.#featureCounts = featureCounts;
    this.#strict = strict;
    this.#readers = columns.map((c) => readerOf(c.valueType));
    this.matched = featureCounts.map(() => 0);
    this.#reset();
  }

  get rowCount(): number {
    return this.#rows;
  }

  /**
   * Adds rows `from..to` (default: all) of a result chunk (visible columns,
   * then one match column per view).
   */
  append(chunk: DuckDBDataChunk, from = 0, to = chunk.rowCount): void {
    const n = to - from;
    if (n <= 0) return;
    for (let c = 0; c < this.#columns.length; c++) {
      const reader = this.#readers[c] as Reader;
      const before = this.#nulls[c] ?? null;
      const nulls = reader(chunk.getColumnVector(c), from, to, this.#items[c] as Items, before);
      if (nulls !== before) {
        // First null in this column: back-fill the mask for the rows already held.
        const mask = new Array<boolean>(this.#rows).fill(false);
        mask.push(...(nulls as boolean[]));
        this.#nulls[c] = mask;
      }
    }
    this.#audit(chunk, from, to);
    this.#rows += n;
    this.totalRows += n;
  }

  #audit(chunk: DuckDBDataChunk, from: number, to: number): void {
    const n = to - from;
    const rowTs = chunk.getColumnVector(this.#timestampIndex);
    const rowMicros = new Array<bigint>(n);
    for (let i = 0; i < n; i++) rowMicros[i] = micros(rowTs.getItem(from + i)) ?? 0n;
    const matches: (bigint | null)[][] = [];
    for (let v = 0; v < this.#featureCounts.length; v++) {
      const vec = chunk.getColumnVector(this.#columns.length + v);
      const m = new Array<bigint | null>(n);
      let count = 0;
      for (let i = 0; i < n; i++) {
        const t = micros(vec.getItem(from + i));
        m[i] = t;
        if (t !== null) count++;
      }
      this.matched[v] = (this.matched[v] ?? 0) + count;
      matches.push(m);
    }
    this.violations += countLeakage(rowMicros, matches, this.#featureCounts, this.#strict);
  }

  /** The rows held so far as a RecordBatch; the builder starts empty again. */
  flush(): RecordBatch {
    const columns: Column[] = this.#columns.map((c, i) =>
      create(ColumnSchema, {
        name: c.name,
        valueType: c.valueType,
        nulls: this.#nulls[i] ?? [],
        values: columnValues(c.valueType, this.#items[i] as Items) as Column["values"],
      }),
    );
    const batch = create(RecordBatchSchema, { numRows: this.#rows, columns });
    this.#reset();
    return batch;
  }

  #reset(): void {
    this.#items = this.#columns.map(() => []);
    this.#nulls = this.#columns.map(() => null);
    this.#rows = 0;
  }
}

function micros(v: unknown): bigint | null {
  if (v === null || v === undefined) return null;
  return (v as { micros: bigint }).micros;
}

/**
 * A function appending a vector's n values to `out` (a placeholder where
 * null) and returning the null mask: the same `nulls` array when it had one,
 * a new array when this vector brings the first null, or null.
 */
function readerOf(t: ValueType): Reader {
  const convert = converterOf(t);
  return (vec, from, to, out, nulls) => {
    let mask = nulls;
    for (let i = from; i < to; i++) {
      const x = vec.getItem(i);
      if (x === null) {
        if (mask === null) {
          // Rows of this range before i were not null.
          mask = new Array<boolean>(i - from).fill(false);
        }
        mask.push(true);
        out.push(placeholderOf(t));
      } else {
        if (mask !== null) mask.push(false);
        out.push(convert(x));
      }
    }
    return mask;
  };
}

function placeholderOf(t: ValueType): unknown {
  switch (t) {
    case ValueType.INT64:
    case ValueType.UNIX_TIMESTAMP:
      return 0n;
    case ValueType.STRING:
      return "";
    case ValueType.BYTES:
      return new Uint8Array(0);
    case ValueType.BOOL:
      return false;
    case ValueType.INT32:
    case ValueType.DOUBLE:
    case ValueType.FLOAT:
      return 0;
    default:
      return toValue(null, t);
  }
}

function converterOf(t: ValueType): (x: unknown) => unknown {
  switch (t) {
    case ValueType.UNIX_TIMESTAMP:
      return (x) => (x as { micros: bigint }).micros;
    case ValueType.BYTES:
      return (x) => (x as { bytes: Uint8Array }).bytes;
    case ValueType.INT64:
    case ValueType.INT32:
    case ValueType.DOUBLE:
    case ValueType.FLOAT:
    case ValueType.BOOL:
    case ValueType.STRING:
      return (x) => x;
    default: {
      const elem = listElementType(t);
      return (x) => {
        const items = (x as { items: readonly unknown[] }).items.map((item) => nativeOf(item, elem));
        return toValue(items as NativeScalar[], t) as Value;
      };
    }
  }
}

function nativeOf(item: unknown, elem: ValueType | undefined): NativeScalar {
  if (elem === ValueType.UNIX_TIMESTAMP) return new Date(Number((item as { micros: bigint }).micros / 1000n));
  if (elem === ValueType.BYTES) return (item as { bytes: Uint8Array }).bytes;
  return item as NativeScalar;
}

function columnValues(t: ValueType, items: Items): { case: string; value: unknown } {
  switch (t) {
    case ValueType.BYTES:
      return { case: "bytesValues", value: { val: items } };
    case ValueType.STRING:
      return { case: "stringValues", value: { val: items } };
    case ValueType.INT32:
      return { case: "int32Values", value: { val: items } };
    case ValueType.INT64:
      return { case: "int64Values", value: { val: items } };
    case ValueType.DOUBLE:
      return { case: "doubleValues", value: { val: items } };
    case ValueType.FLOAT:
      return { case: "floatValues", value: { val: items } };
    case ValueType.BOOL:
      return { case: "boolValues", value: { val: items } };
    case ValueType.UNIX_TIMESTAMP:
      return { case: "timestampMicrosValues", value: { val: items } };
    default:
      return { case: "listValues", value: { val: items } };
  }
}

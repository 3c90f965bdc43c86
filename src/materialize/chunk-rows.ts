/**
 * Turns a DuckDB data chunk of `latestRowsSql` output into online rows. The
 * SQL already cast every column to the declared type, so each column needs
 * one small converter and no per-value type dispatch.
 */
import type { DuckDBBlobValue, DuckDBDataChunk, DuckDBListValue, DuckDBVector } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { OnlineRow } from "../online/online-store.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { NativeScalar, NativeValue } from "../values/index.js";
import { listElementType } from "../values/index.js";

type Convert = (raw: unknown) => NativeValue;

const identity: Convert = (raw) => raw as NativeValue;

function scalarConverter(t: ValueType): (raw: unknown) => NativeScalar {
  switch (t) {
    case ValueType.UNIX_TIMESTAMP:
      return (raw) => new Date(raw as number);
    case ValueType.BYTES:
      return (raw) => (raw as DuckDBBlobValue).bytes;
    default:
      return (raw) => raw as NativeScalar;
  }
}

/** How a raw, non-null DuckDB item of a column of type `t` becomes a native value. */
export function converterOf(t: ValueType): Convert {
  const elem = listElementType(t);
  if (elem !== undefined) {
    const item = scalarConverter(elem);
    // List items may be null inside DuckDB; a native list has no nulls, so they are dropped.
    return (raw) => (raw as DuckDBListValue).items.filter((x) => x !== null).map(item);
  }
  if (t === ValueType.UNIX_TIMESTAMP || t === ValueType.BYTES) return scalarConverter(t);
  return identity;
}

/** Converters for a view's output columns: join keys, then features. */
export interface ViewRowConverters {
  keys: Convert[];
  features: Convert[];
}

export function rowConvertersOf(view: FeatureViewDef): ViewRowConverters {
  return {
    keys: view.entityColumns.map((k) => converterOf(k.dtype)),
    features: view.features.map((f) => converterOf(f.dtype)),
  };
}

/**
 * Appends the chunk's rows to `out` and returns how many source rows they
 * stand for (the sum of the count column).
 */
export function appendChunkRows(chunk: DuckDBDataChunk, conv: ViewRowConverters, out: OnlineRow[]): number {
  const n = chunk.rowCount;
  const nk = conv.keys.length;
  const nf = conv.features.length;
  const vectors: DuckDBVector[] = [];
  for (let c = 0; c < chunk.columnCount; c++) vectors.push(chunk.getColumnVector(c));
  const tsVector = vectors[nk + nf] as DuckDBVector;
  const countVector = vectors[nk + nf + 1] as DuckDBVector;
  let rowsRead = 0;
  for (let i = 0; i < n; i++) {
    const entityKey: NativeValue[] = new Array(nk);
    for (let k = 0; k < nk; k++) {
      // Join keys are never null: the SQL drops rows without a complete key.
      entityKey[k] = (conv.keys[k] as Convert)((vectors[k] as DuckDBVector).getItem(i));
    }
    const values: NativeValue[] = new Array(nf);
    for (let f = 0; f < nf; f++) {
      const raw = (vectors[nk + f] as DuckDBVector).getItem(i);
      values[f] = raw === null || raw === undefined ? null : (conv.features[f] as Convert)(raw);
    }
    out.push({ entityKey, eventTimeUs: tsVector.getItem(i) as number, values });
    // A DOUBLE count: a plain number, no BigInt per row.
    rowsRead += countVector.getItem(i) as number;
  }
  return rowsRead;
}

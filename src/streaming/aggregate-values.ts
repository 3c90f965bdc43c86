/**
 * Aggregates as typed feature values: the numbers `valuesAt` returns, in the
 * view's feature types (count and integer sums INT64 as bigint; INT32 min,
 * max, last as numbers; the rest float64).
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { NativeValue } from "../values/index.js";

export function aggregateValue(dtype: ValueType, v: number | null): NativeValue {
  if (v === null) return null;
  return dtype === ValueType.INT64 ? BigInt(v) : v;
}

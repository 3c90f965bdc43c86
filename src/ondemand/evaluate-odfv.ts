/**
 * Runs an on-demand feature view at request time: its stored udf source is
 * compiled once per definition object (so once per registry version), fed
 * columnar inputs, and its outputs are checked against the declared schema
 * before they reach a response.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { compileUdf, type OnDemandUdf } from "../definitions/index.js";
import { FstoreError, failedPrecondition } from "../errors/index.js";
import type { OnDemandFeatureViewDef } from "../registry/model.js";
import { listElementType, type NativeScalar, type NativeValue, valueTypeName } from "../values/index.js";

const compiled = new WeakMap<OnDemandFeatureViewDef, OnDemandUdf>();

/** The udf of `odfv`, compiled on first use and cached with the definition. */
export function udfOf(odfv: OnDemandFeatureViewDef): OnDemandUdf {
  let fn = compiled.get(odfv);
  if (!fn) {
    try {
      fn = compileUdf(odfv.udfSource, `on-demand feature view "${odfv.name}"`);
    } catch (err) {
      throw failedPrecondition((err as Error).message, err);
    }
    compiled.set(odfv, fn);
  }
  return fn;
}

/**
 * Evaluates `odfv` over `rows` rows of columnar `inputs` and returns its
 * output columns by feature name, each checked (and, for INT64 and FLOAT
 * from plain numbers, converted) against the declared type. A udf that throws
 * or returns the wrong shape is FAILED_PRECONDITION naming the view: the
 * definition must be fixed, retrying will not help.
 */
export function evaluateOdfv(
  odfv: OnDemandFeatureViewDef,
  inputs: Record<string, NativeValue[]>,
  rows: number,
): Map<string, NativeValue[]> {
  const udf = udfOf(odfv);
  let raw: unknown;
  try {
    raw = udf(inputs);
  } catch (err) {
    if (err instanceof FstoreError) throw err;
    throw failedPrecondition(
      `on-demand feature view "${odfv.name}" failed: ${(err as Error)?.message ?? err}`,
      err,
    );
  }
  if (typeof raw !== "object" || raw === null) {
    throw failedPrecondition(
      `on-demand feature view "${odfv.name}" returned ${typeof raw}, expected { feature: values[] }`,
    );
  }
  const out = new Map<string, NativeValue[]>();
  for (const f of odfv.features) {
    const column = (raw as Record<string, unknown>)[f.name];
    if (!Array.isArray(column) || column.length !== rows) {
      throw failedPrecondition(
        `on-demand feature view "${odfv.name}" returned ${Array.isArray(column) ? `${column.length} values` : typeof column} for "${f.name}", expected an array of ${rows}`,
      );
    }
    out.set(
      f.name,
      column.map((v, i) => {
        const checked = checkValue(v, f.dtype);
        if (checked === undefined) {
          throw failedPrecondition(
            `on-demand feature view "${odfv.name}" feature "${f.name}" row ${i}: expected ${valueTypeName(f.dtype)}, got ${describe(v)}`,
          );
        }
        return checked;
      }),
    );
  }
  return out;
}

/** `v` as a native value of type `t`, or undefined when it is not one. */
function checkValue(v: unknown, t: ValueType): NativeValue | undefined {
  if (v === null || v === undefined) return null;
  const elem = listElementType(t);
  if (elem === undefined) return checkScalar(v, t);
  if (!Array.isArray(v)) return undefined;
  const out: NativeScalar[] = [];
  for (const x of v) {
    const c = checkScalar(x, elem);
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

function checkScalar(v: unknown, t: ValueType): NativeScalar | undefined {
  switch (t) {
    case ValueType.DOUBLE:
      return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined;
    case ValueType.FLOAT:
      return typeof v === "number" ? v : undefined;
    case ValueType.INT64:
      if (typeof v === "bigint") return BigInt.asIntN(64, v) === v ? v : undefined;
      return typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : undefined;
    case ValueType.INT32:
      if (typeof v === "bigint") v = Number(v);
      return typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? v : undefined;
    case ValueType.STRING:
      return typeof v === "string" ? v : undefined;
    case ValueType.BOOL:
      return typeof v === "boolean" ? v : undefined;
    case ValueType.BYTES:
      return v instanceof Uint8Array ? v : undefined;
    case ValueType.UNIX_TIMESTAMP:
      return v instanceof Date && !Number.isNaN(v.getTime()) ? v : undefined;
    default:
      return undefined;
  }
}

function describe(v: unknown): string {
  if (typeof v === "bigint") return `bigint ${v}`;
  if (typeof v === "number" && !Number.isFinite(v)) return `number ${v}`;
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return `${Array.isArray(v) ? "array" : typeof v} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

/**
 * Checks pushed columns against a push target (pure): every expected column
 * present, nothing else, equal lengths, values of the declared types, keys
 * and timestamps never null. Any failure is INVALID_ARGUMENT naming the
 * column, before anything is written.
 */
import type { RepeatedValue } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { NativeValue } from "../values/index.js";
import { fromRepeatedValue, valueTypeName } from "../values/index.js";
import type { PushTarget } from "./push-target.js";

/** Validated rows, columnar, by column name, in native form. */
export interface PushTable {
  rowCount: number;
  columns: ReadonlyMap<string, NativeValue[]>;
}

export function validatePushColumns(
  target: PushTarget,
  columns: Readonly<Record<string, RepeatedValue>>,
): PushTable {
  const expected = new Map(target.columns.map((c) => [c.name, c]));
  const describe = () => target.columns.map((c) => `${c.name} (${valueTypeName(c.dtype)})`).join(", ");
  for (const name of Object.keys(columns).sort()) {
    if (!expected.has(name)) {
      throw invalidArgument(
        `push to "${target.name}": unexpected column "${name}"; expected exactly: ${describe()}`,
      );
    }
  }
  let rowCount: number | undefined;
  let first = "";
  const out = new Map<string, NativeValue[]>();
  for (const col of target.columns) {
    const given = columns[col.name];
    if (!given) {
      throw invalidArgument(
        `push to "${target.name}": missing column "${col.name}" (${valueTypeName(col.dtype)}); expected: ${describe()}`,
      );
    }
    if (rowCount === undefined) {
      rowCount = given.val.length;
      first = col.name;
    } else if (given.val.length !== rowCount) {
      throw invalidArgument(
        `push to "${target.name}": column "${col.name}" has ${given.val.length} values but "${first}" has ${rowCount}; every column needs one value per row`,
      );
    }
    const values = fromRepeatedValue(given, col.dtype, col.name);
    if (col.role !== "feature") {
      const i = values.indexOf(null);
      if (i >= 0)
        throw invalidArgument(
          `push to "${target.name}": column "${col.name}" row ${i} is null; ${col.role === "timestamp" ? "timestamps" : "join keys"} cannot be null`,
        );
    }
    out.set(col.name, values);
  }
  if (!rowCount) throw invalidArgument(`push to "${target.name}": no rows given`);
  return { rowCount, columns: out };
}

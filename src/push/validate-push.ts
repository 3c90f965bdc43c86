/**
 * Checks pushed columns against a push target (pure): every expected column
 * present, nothing else, equal lengths, at most `maxRows` rows, values of the
 * declared types, keys and timestamps never null, and the write rules of
 * values/write-rules.ts (event times in range, finite numbers unless the view
 * allows others). Any failure is INVALID_ARGUMENT naming the column (and the
 * row), before anything is written.
 */
import type { RepeatedValue } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { EventTimeRange, NativeValue } from "../values/index.js";
import {
  allowsNonFinite,
  checkEventTime,
  checkValues,
  fromRepeatedValue,
  valueTypeName,
} from "../values/index.js";
import type { PushTarget } from "./push-target.js";

/** Validated rows, columnar, by column name, in native form. */
export interface PushTable {
  rowCount: number;
  columns: ReadonlyMap<string, NativeValue[]>;
}

export interface PushRules {
  /** Allowed event times (the timestamp column). */
  eventTimes: EventTimeRange;
  /** Most rows one push may carry. */
  maxRows: number;
}

export function validatePushColumns(
  target: PushTarget,
  columns: Readonly<Record<string, RepeatedValue>>,
  rules: PushRules,
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
      if (rowCount > rules.maxRows) {
        throw invalidArgument(
          `push to "${target.name}": ${rowCount} rows; at most ${rules.maxRows} per push (server.max_push_rows): split the rows into several pushes`,
        );
      }
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
    const where = (row: number) => `push to "${target.name}": column "${col.name}" row ${row}`;
    if (col.role === "timestamp") {
      for (let r = 0; r < values.length; r++) checkEventTime(values[r] as Date, rules.eventTimes, where(r));
    } else {
      // A column shared by several views may hold non-finite numbers only if every one allows them.
      const owners = target.views.filter((v) => v.features.some((f) => f.name === col.name));
      const allow = col.role === "feature" && owners.length > 0 && owners.every(allowsNonFinite);
      checkValues(values, col.dtype, allow, where);
    }
    out.set(col.name, values);
  }
  if (!rowCount) throw invalidArgument(`push to "${target.name}": no rows given`);
  return { rowCount, columns: out };
}

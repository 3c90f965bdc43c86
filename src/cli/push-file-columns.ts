/**
 * `fstore push FILE`: a Parquet, CSV or JSON-lines file read with DuckDB into
 * the columnar values a Push RPC carries, so the push goes through the same
 * validation (src/push). A column whose file type can feed the declared type
 * (the rule `apply` uses for Parquet sources) is converted to it; any other
 * column is rejected naming it, its type in the file and what was expected.
 */
import { extname } from "node:path";
import { create } from "@bufbuild/protobuf";
import type { DuckDBInstance } from "@duckdb/node-api";
import { type RepeatedValue, RepeatedValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { PushTarget } from "../push/index.js";
import { expectedColumnTypes, isCompatibleColumn } from "../registry/index.js";
import { listElementType, type NativeValue, toValue, valueTypeName } from "../values/index.js";

const quoted = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** The DuckDB table function reading `file`, chosen by its extension. */
export function fileReaderSql(file: string): string {
  switch (extname(file).toLowerCase()) {
    case ".parquet":
      return `read_parquet(${quoted(file)})`;
    case ".csv":
      return `read_csv(${quoted(file)}, header = true)`;
    case ".jsonl":
    case ".ndjson":
    case ".json":
      return `read_json(${quoted(file)}, format = 'newline_delimited')`;
    default:
      throw invalidArgument(
        `${file}: unknown file type "${extname(file)}"; push reads .parquet, .csv and .jsonl (JSON lines)`,
      );
  }
}

/** A native value of `dtype` from DuckDB's JS form of a compatible column. */
function nativeOf(value: unknown, dtype: ValueType): NativeValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const element = listElementType(dtype) ?? dtype;
    return value.map((v) => nativeOf(v, element) as Exclude<NativeValue, unknown[] | null>);
  }
  if (dtype === ValueType.BYTES && typeof value === "string") return Buffer.from(value, "utf8");
  if (dtype === ValueType.INT64 && typeof value === "number") return BigInt(value);
  if (
    (dtype === ValueType.INT32 || dtype === ValueType.DOUBLE || dtype === ValueType.FLOAT) &&
    typeof value === "bigint"
  )
    return Number(value);
  return value as NativeValue;
}

/**
 * Reads `file` and returns Push columns for `target`: every column of the
 * file (an unexpected one is then rejected by the push's own validation).
 */
export async function readPushFile(
  db: DuckDBInstance,
  file: string,
  target: PushTarget,
): Promise<Record<string, RepeatedValue>> {
  const from = fileReaderSql(file);
  const connection = await db.connect();
  try {
    let described: { name: string; type: string }[];
    try {
      const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
      described = reader
        .getRowObjectsJS()
        .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    } catch (err) {
      throw invalidArgument(`${file}: cannot be read: ${(err as Error).message}`, err);
    }
    const expected = new Map(target.columns.map((c) => [c.name, c]));
    const selected: string[] = [];
    for (const { name, type } of described) {
      const column = expected.get(name);
      if (!column) continue;
      if (!isCompatibleColumn(column.dtype, type)) {
        throw invalidArgument(
          `push to "${target.name}": column "${name}" is ${type} in ${file}; ${valueTypeName(column.dtype)} needs ${expectedColumnTypes(column.dtype)}`,
        );
      }
      // DECIMAL as DOUBLE: DuckDB's JS form of a decimal is not a number.
      selected.push(/^DECIMAL/i.test(type) ? `${ident(name)}::DOUBLE AS ${ident(name)}` : ident(name));
    }
    const values =
      selected.length > 0
        ? (await connection.runAndReadAll(`SELECT ${selected.join(", ")} FROM ${from}`)).getColumnsObjectJS()
        : {};
    const columns: Record<string, RepeatedValue> = {};
    for (const { name } of described) {
      const column = expected.get(name);
      const jsValues = values[name] ?? [];
      columns[name] = create(RepeatedValueSchema, {
        val: column ? jsValues.map((v) => toValue(nativeOf(v, column.dtype), column.dtype)) : [],
      });
    }
    return columns;
  } finally {
    connection.closeSync();
  }
}

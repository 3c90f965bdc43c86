/**
 * On-demand feature views in historical retrieval. The join is materialized
 * first (`__result`); one streamed pass reads the udf inputs in output order,
 * evaluates each on-demand view per chunk with the online path's evaluation
 * (src/ondemand/), and appends the outputs with their row number into a
 * table. The output then reads the join and that table side by side, so the
 * existing batch encoder and Parquet COPY see ordinary DuckDB columns of the
 * declared types, and memory stays bounded by DuckDB, not by JS arrays.
 */
import { randomBytes } from "node:crypto";
import type { DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue } from "@duckdb/node-api";
import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { evaluateOdfv } from "../ondemand/index.js";
import type { NativeScalar, NativeValue } from "../values/index.js";
import { appendNative } from "./duckdb-append.js";
import { sqlTypeOf } from "./duckdb-types.js";
import type { HistoricalPlan } from "./historical-plan.js";
import { quoteIdent } from "./sql-text.js";

const ROW_NUMBER = "__rn";

/**
 * A fresh name for the table of on-demand outputs, keyed by `__rn` (1-based
 * position in output order). It is an ordinary table, not a temp one: the
 * appender filling it must run on a second connection, because anything run
 * on the reading connection (an appender's automatic flush included) would
 * end the streamed read of the inputs. Drop it with `dropOdfvTable`.
 */
export function odfvTableName(): string {
  return `__odfv_${randomBytes(8).toString("hex")}`;
}

/**
 * Drops the table of on-demand outputs, if it was made, on a connection of
 * its own (the query's may be interrupted); errors are ignored (cleanup).
 */
export async function dropOdfvTable(db: DuckDBInstance, name: string): Promise<void> {
  try {
    const connection = await db.connect();
    try {
      await connection.run(`DROP TABLE IF EXISTS ${name}`);
    } finally {
      connection.closeSync();
    }
  } catch {
    // The instance is closing: the in-memory table goes with it.
  }
}

/**
 * The SELECT list and FROM clause reading `table` in output order, with the
 * on-demand outputs joined in when the plan has any. Columns are referenced
 * as `r.<name>` (the join) and `o.<name>` (on-demand outputs).
 */
export function resultSelectSql(
  plan: HistoricalPlan,
  table: string,
  odfvTable: string,
  extra: readonly string[],
): string {
  const odfvColumns = new Set(plan.odfvs.flatMap((o) => o.outputs.map((out) => out.column)));
  const names = [
    ...plan.columns.map((c) => `${odfvColumns.has(c.name) ? "o" : "r"}.${quoteIdent(c.name)}`),
    ...extra.map((c) => `r.${c}`),
  ];
  const order = plan.orderColumns.join(", ");
  if (plan.odfvs.length === 0) return `SELECT ${names.join(", ")} FROM ${table} AS r ORDER BY ${order}`;
  return (
    `SELECT ${names.join(", ")} FROM (SELECT *, row_number() OVER (ORDER BY ${order}) AS ${ROW_NUMBER} FROM ${table}) AS r ` +
    `JOIN ${odfvTable} AS o ON r.${ROW_NUMBER} = o.${ROW_NUMBER} ORDER BY r.${ROW_NUMBER}`
  );
}

/**
 * Computes every on-demand view of `plan` over `table` (the materialized
 * join, read on `connection`) into a new table `name`, appended on a second
 * connection of `db`. A udf failure is FAILED_PRECONDITION naming the
 * view (from evaluateOdfv). Stops early when `aborted()` says so.
 */
export async function computeOdfvTable(
  db: DuckDBInstance,
  connection: DuckDBConnection,
  plan: HistoricalPlan,
  table: string,
  name: string,
  aborted: () => boolean,
): Promise<void> {
  const outputs = plan.odfvs.flatMap((o) => o.outputs);
  const defs = [
    `${ROW_NUMBER} BIGINT`,
    ...outputs.map((out) => `${quoteIdent(out.column)} ${sqlTypeOf(out.feature.dtype)}`),
  ];
  await connection.run(`CREATE TABLE ${name} (${defs.join(", ")})`);
  // Each distinct input column is read once, whatever udf input names it goes by.
  const expressionOf = (i: { column: string; cast?: ValueType }) =>
    i.cast === undefined ? quoteIdent(i.column) : `CAST(${quoteIdent(i.column)} AS ${sqlTypeOf(i.cast)})`;
  const columns = [...new Set(plan.odfvs.flatMap((o) => o.inputs.map(expressionOf)))];
  const result = await connection.stream(
    `SELECT ${columns.join(", ")} FROM ${table} ORDER BY ${plan.orderColumns.join(", ")}`,
  );
  const writer = await db.connect();
  const appender = await writer.createAppender(name);
  try {
    // Column 0 is the row number; the outputs follow in `outputs` order.
    const outTypes = outputs.map((_, i) => appender.columnType(i + 1));
    let rowNumber = 0n;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      const byColumn = new Map<string, NativeValue[]>();
      columns.forEach((name, c) => {
        byColumn.set(name, chunk.getColumnValues(c).map(nativeOf));
      });
      const computed = plan.odfvs.map((o) => {
        const inputs: Record<string, NativeValue[]> = {};
        // A copy per view: a udf that mutates its inputs cannot affect another view.
        for (const input of o.inputs) inputs[input.name] = [...(byColumn.get(expressionOf(input)) ?? [])];
        return evaluateOdfv(o.odfv, inputs, rows);
      });
      const outColumns: { values: NativeValue[]; type: ValueType }[] = [];
      plan.odfvs.forEach((o, i) => {
        for (const out of o.outputs) {
          outColumns.push({
            values: computed[i]?.get(out.feature.name) ?? [],
            type: out.feature.dtype,
          });
        }
      });
      for (let r = 0; r < rows; r++) {
        rowNumber += 1n;
        appender.appendBigInt(rowNumber);
        for (let c = 0; c < outColumns.length; c++) {
          const col = outColumns[c] as { values: NativeValue[]; type: ValueType };
          appendNative(appender, col.values[r] ?? null, col.type, outTypes[c] as DuckDBType);
        }
        appender.endRow();
      }
      if (aborted()) return;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
    writer.closeSync();
  }
}

/** A DuckDB value as the udf sees it (the same native values the online path passes). */
function nativeOf(v: DuckDBValue): NativeValue {
  if (v === null || typeof v !== "object") return v as NativeValue;
  if (v instanceof Uint8Array) return v;
  const o = v as unknown as Record<string, unknown>;
  if (Array.isArray(o.items)) return (o.items as DuckDBValue[]).map((x) => nativeOf(x) as NativeScalar);
  if (o.bytes instanceof Uint8Array) return o.bytes;
  if (typeof o.micros === "bigint") return new Date(Number(o.micros / 1000n));
  if (typeof o.millis === "bigint") return new Date(Number(o.millis));
  if (typeof o.seconds === "bigint") return new Date(Number(o.seconds) * 1000);
  if (typeof o.nanos === "bigint") return new Date(Number(o.nanos / 1_000_000n));
  if (typeof o.days === "number") return new Date(o.days * 86_400_000);
  return String(v);
}

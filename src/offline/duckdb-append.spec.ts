import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { NativeValue } from "../values/index.js";
import { appendNative } from "./duckdb-append.js";

/** One column per case: the declared SQL type, the value type, and a row of values (nulls included). */
const d = (iso: string) => new Date(iso);
const cases: [string, ValueType, NativeValue[]][] = [
  ["BLOB", ValueType.BYTES, [new Uint8Array([0, 255, 7]), null]],
  ["VARCHAR", ValueType.STRING, ["a'b\"c", null]],
  ["INTEGER", ValueType.INT32, [-(2 ** 31), null]],
  ["BIGINT", ValueType.INT64, [2n ** 62n + 1n, null]],
  ["DOUBLE", ValueType.DOUBLE, [0.1 + 0.2, null]],
  ["FLOAT", ValueType.FLOAT, [1.5, null]],
  ["BOOLEAN", ValueType.BOOL, [false, null]],
  ["TIMESTAMPTZ", ValueType.UNIX_TIMESTAMP, [d("2025-01-01T10:00:00.123Z"), null]],
  ["TIMESTAMP", ValueType.UNIX_TIMESTAMP, [d("1969-12-31T23:59:59.999Z"), null]],
  ["VARCHAR[]", ValueType.STRING_LIST, [["x", "y"], []]],
  ["BIGINT[]", ValueType.INT64_LIST, [[1n, -2n], null]],
  ["BOOLEAN[]", ValueType.BOOL_LIST, [[true], null]],
  [
    "TIMESTAMPTZ[]",
    ValueType.UNIX_TIMESTAMP_LIST,
    [[d("2025-01-01T00:00:00Z"), d("2030-06-01T12:00:00Z")], null],
  ],
  ["TIMESTAMP[]", ValueType.UNIX_TIMESTAMP_LIST, [[d("2025-01-01T00:00:00Z")], null]],
];

describe("appendNative", () => {
  let db: DuckDBInstance;
  beforeAll(async () => {
    db = await DuckDBInstance.create(":memory:");
  });
  afterAll(() => db.closeSync());

  it("appends every value type to columns of its DuckDB type, timestamps as the column declares", async () => {
    const connection = await db.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      await connection.run(`CREATE TABLE t (${cases.map(([sql], i) => `c${i} ${sql}`).join(", ")})`);
      const appender = await connection.createAppender("t");
      for (let r = 0; r < 2; r++) {
        cases.forEach(([, t, values], i) => {
          appendNative(appender, values[r] ?? null, t, appender.columnType(i));
        });
        appender.endRow();
      }
      appender.closeSync();
      // Read back as text and epoch milliseconds, independent of the appender's value classes.
      const select = cases.map(([sql], i) =>
        sql.startsWith("TIMESTAMP")
          ? sql.endsWith("[]")
            ? `list_transform(c${i}, x -> epoch_ms(x))`
            : `epoch_ms(c${i})`
          : sql === "BLOB"
            ? `hex(c${i})`
            : `c${i}`,
      );
      const rows = (await connection.runAndReadAll(`SELECT ${select.join(", ")} FROM t`)).getRowsJS();
      const expected = (v: NativeValue, sql: string): unknown => {
        if (v === null) return null;
        if (v instanceof Date) return BigInt(v.getTime());
        if (v instanceof Uint8Array) return Buffer.from(v).toString("hex").toUpperCase();
        if (Array.isArray(v)) return v.map((x) => expected(x as NativeValue, sql));
        if (sql === "FLOAT") return Math.fround(v as number);
        return v;
      };
      expect(rows).toEqual(
        [0, 1].map((r) => cases.map(([sql, , values]) => expected(values[r] ?? null, sql))),
      );
    } finally {
      connection.closeSync();
    }
  });
});

/**
 * The equality of per-row skew, case by case, on hand-made rows in an
 * in-memory DuckDB (the SQL is the unit here): statuses, NULLs, doubles.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RowSkewColumn, rowSkewCountsSql, rowSkewExamplesSql } from "./row-skew-sql.js";

// Each case: [served value, served status, offline value, differs?]; status 1 PRESENT,
// 2 NULL_VALUE, 3 NOT_FOUND, 4 OUTSIDE_MAX_AGE.
const CASES: [number | null, number, number | null, boolean][] = [
  [1.5, 1, 1.5, false], // the same value
  [1.5, 1, 2.5, true], // another value
  [0.30000000000000004, 1, 0.3, true], // doubles are compared exactly
  [null, 2, null, false], // a stored null, nothing offline
  [null, 2, 4, true], // a stored null, a value offline
  [null, 3, null, false], // NOT_FOUND where the offline join finds nothing: no skew
  [null, 3, 7, true], // NOT_FOUND where the offline join has a value
  [9, 4, null, false], // OUTSIDE_MAX_AGE counts as nothing served: the join is outside the ttl too
  [9, 4, 9, true], // ... but the offline join found a row within the ttl
  [5, 1, null, true], // a value served, none offline
];

let db: DuckDBInstance;
const column: RowSkewColumn = {
  name: "v:f",
  logColumn: "v__f",
  statusColumn: "v__f__status",
  offlineColumn: "v__f",
  sqlType: "DOUBLE",
};
const lit = (x: number | null) => (x === null ? "NULL" : String(x));

beforeAll(async () => {
  db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const logs = CASES.map(
    ([served, status], i) =>
      `(${i + 1}, ${i}, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (${i}) SECOND, ${lit(served)}::DOUBLE, ${status})`,
  );
  await c.run(
    `CREATE TABLE logs AS SELECT * FROM (VALUES ${logs.join(", ")}) t(log_row_id, id, __log_timestamp, v__f, v__f__status)`,
  );
  const offline = CASES.map(([, , value], i) => `(${i + 1}, ${lit(value)}::DOUBLE)`);
  await c.run(`CREATE TABLE offline AS SELECT * FROM (VALUES ${offline.join(", ")}) t(log_row_id, v__f)`);
  c.closeSync();
});
afterAll(() => db?.closeSync());

describe("per-row skew equality", () => {
  it("counts the differing rows, nothing served and nothing offline as the cases say", async () => {
    const c = await db.connect();
    const row = (await c.runAndReadAll(rowSkewCountsSql("logs", "offline", [column]))).getRowObjectsJson()[0];
    c.closeSync();
    expect(Number(row?.rows)).toBe(CASES.length);
    expect(Number(row?.d0)).toBe(CASES.filter((x) => x[3]).length);
    // Nothing served (NULL_VALUE, NOT_FOUND, OUTSIDE_MAX_AGE) where offline has a value: cases 5, 7, 9.
    expect(Number(row?.mon0)).toBe(3);
    // A value served where offline has none: case 10.
    expect(Number(row?.moff0)).toBe(1);
  });

  it("lists exactly the differing rows, in request time order, with both values", async () => {
    const c = await db.connect();
    const rows = (
      await c.runAndReadAll(rowSkewExamplesSql("logs", "offline", ["id"], column, null))
    ).getRowObjectsJson();
    c.closeSync();
    const expected = CASES.flatMap(([served, status, offline, differs], i) =>
      differs ? [{ id: i, served: status === 1 || status === 2 ? served : null, offline, status }] : [],
    );
    expect(
      rows.map((r) => ({ id: Number(r.id), served: r.__served, offline: r.__offline, status: r.__status })),
    ).toEqual(expected);
  });

  it("limits the examples", async () => {
    const c = await db.connect();
    const rows = (
      await c.runAndReadAll(rowSkewExamplesSql("logs", "offline", ["id"], column, 2))
    ).getRowObjectsJson();
    c.closeSync();
    expect(rows.map((r) => Number(r.id))).toEqual([1, 2]);
  });
});

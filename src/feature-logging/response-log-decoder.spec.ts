import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import {
  encodeOnlineResponse,
  type OnlineResult,
  onlineResult,
  type StandaloneColumn,
  toOnlineResponseMessage,
} from "../online/online-response.js";
import { fromValue } from "../values/index.js";
import type { LogColumn } from "./log-schema.js";
import { decodeResponseRows, responseRowCount, StagedRows, stagedValue } from "./response-log-decoder.js";

const T1 = new Float64Array([1_700_000_000_123_456, 0, -5_000_000]);
const T2 = new Float64Array([1_600_000_000_000_000, 1_600_000_001_000_000, 0]);

/** Three rows of every scalar type and a list, over two views (shared time arrays) and a key. */
const columns: StandaloneColumn[] = [
  {
    name: "id",
    dtype: ValueType.INT64,
    values: [1n, -2n, 2n ** 62n],
    statuses: [1, 1, 1],
    eventTimesUs: undefined,
  },
  {
    name: "a",
    dtype: ValueType.DOUBLE,
    values: [1.5, null, undefined],
    statuses: [1, 2, 3],
    eventTimesUs: T1,
  },
  {
    name: "b",
    dtype: ValueType.INT32,
    values: [-7, 2_000_000_000, undefined],
    statuses: [1, 1, 3],
    eventTimesUs: T1,
  },
  {
    name: "c",
    dtype: ValueType.STRING,
    values: ["é long string past thirty-two bytes", "x", undefined],
    statuses: [1, 4, 3],
    eventTimesUs: T1,
  },
  { name: "d", dtype: ValueType.FLOAT, values: [0.25, -1, null], statuses: [1, 1, 2], eventTimesUs: T2 },
  { name: "e", dtype: ValueType.BOOL, values: [true, false, null], statuses: [1, 1, 2], eventTimesUs: T2 },
  {
    name: "f",
    dtype: ValueType.UNIX_TIMESTAMP,
    values: [new Date(1_000_000), new Date(-3000), null],
    statuses: [1, 1, 2],
    eventTimesUs: T2,
  },
  {
    name: "g",
    dtype: ValueType.BYTES,
    values: [new Uint8Array([0, 255]), new Uint8Array(0), null],
    statuses: [1, 1, 2],
    eventTimesUs: T2,
  },
  {
    name: "h",
    dtype: ValueType.INT64_LIST,
    values: [[1n, -1n], [], null],
    statuses: [1, 1, 2],
    eventTimesUs: T2,
  },
];
const result: OnlineResult = onlineResult(3, columns);
const schema: LogColumn[] = result.columns.map((c, i) => ({
  name: c.name,
  dtype: c.dtype,
  key: i === 0,
  timesOf: i === 0 ? -1 : i < 4 ? 1 : 4,
}));

describe("decodeResponseRows", () => {
  it("gives back every value, status and event time the response carries (protobuf-es as the oracle)", () => {
    const bytes = encodeOnlineResponse(result);
    const oracle = toOnlineResponseMessage(result);
    expect(responseRowCount(bytes, 0, bytes.length)).toBe(3);
    const staged = new StagedRows(schema, 8);
    // Twice: rows append after the ones already staged.
    decodeResponseRows(bytes, 0, bytes.length, 42, staged);
    decodeResponseRows(bytes, 0, bytes.length, 43, staged);
    expect(staged.rows).toBe(6);
    expect([...staged.requestUs.subarray(0, 6)]).toEqual([42, 42, 42, 43, 43, 43]);
    oracle.results.forEach((vector, ci) => {
      const c = staged.columns[ci];
      if (!c) throw new Error("missing column");
      const dtype = result.columns[ci]?.dtype as ValueType;
      for (let row = 0; row < 6; row++) {
        const r = row % 3;
        const native = fromValue(vector.values[r] as never, dtype, "oracle");
        const got = stagedValue(c, row);
        let want: unknown = native;
        if (native instanceof Date) want = native.getTime() * 1000;
        else if (Array.isArray(native)) want = JSON.stringify(native.map(String));
        else if (typeof native === "number" && dtype === ValueType.FLOAT) want = Math.fround(native);
        expect(got, `column ${ci} row ${row}`).toEqual(want);
        if (!c.key) expect(c.status[row]).toBe(vector.statuses[r]);
        if (c.times) {
          const ts = vector.eventTimestamps[r];
          const us = ts ? Number(ts.seconds) * 1e6 + Math.floor(ts.nanos / 1000) : 0;
          expect(c.timeValid[row] ? c.timeUs[row] : 0).toBe(us);
        } else expect(c.timeUs.length).toBe(0);
      }
    });
  });

  it("decodes one-row responses (the usual ones, taken on a shorter path) the same as protobuf-es", () => {
    const oracle = toOnlineResponseMessage(result);
    const staged = new StagedRows(schema, 2);
    // Each row of `result` as its own response, appended in order.
    for (let r = 0; r < result.rows; r++) {
      const one: OnlineResult = onlineResult(
        1,
        columns.map((c): StandaloneColumn => {
          const v = c as { values: unknown[]; statuses: ArrayLike<number>; eventTimesUs?: Float64Array };
          return {
            name: c.name,
            dtype: c.dtype,
            values: [v.values[r] as never],
            statuses: [v.statuses[r] as number],
            eventTimesUs: v.eventTimesUs ? Float64Array.of(v.eventTimesUs[r] as number) : undefined,
          };
        }),
      );
      const bytes = encodeOnlineResponse(one);
      staged.reserve(responseRowCount(bytes, 0, bytes.length));
      expect(decodeResponseRows(bytes, 0, bytes.length, 7, staged)).toBe(1);
    }
    expect(staged.rows).toBe(3);
    oracle.results.forEach((vector, ci) => {
      const c = staged.columns[ci];
      if (!c) throw new Error("missing column");
      const dtype = result.columns[ci]?.dtype as ValueType;
      for (let row = 0; row < 3; row++) {
        const native = fromValue(vector.values[row] as never, dtype, "oracle");
        let want: unknown = native;
        if (native instanceof Date) want = native.getTime() * 1000;
        else if (Array.isArray(native)) want = JSON.stringify(native.map(String));
        else if (typeof native === "number" && dtype === ValueType.FLOAT) want = Math.fround(native);
        expect(stagedValue(c, row), `column ${ci} row ${row}`).toEqual(want);
        if (!c.key) expect(c.status[row]).toBe(vector.statuses[row]);
        if (c.times) {
          const ts = vector.eventTimestamps[row];
          const us = ts ? Number(ts.seconds) * 1e6 + Math.floor(ts.nanos / 1000) : 0;
          expect(c.timeValid[row] ? c.timeUs[row] : 0).toBe(us);
        }
      }
    });
  });

  it("rejects a response whose columns do not match the schema", () => {
    const bytes = encodeOnlineResponse(result);
    expect(() =>
      decodeResponseRows(bytes, 0, bytes.length, 0, new StagedRows(schema.slice(0, 4), 8)),
    ).toThrow(/more columns than its schema/);
  });
});

/**
 * The record-batch encoder against protobuf-es: every column type (nulls,
 * negative and > 2^53 integers, Unicode, bytes, lists) encoded from real
 * DuckDB chunks decodes to the same values, across several batches (buffers
 * are reused), and its built-in audit catches a planted leak. The TS
 * client's typed-array decoder reads the same bytes to the same values, and
 * also reads unpacked repeated fields (which any protobuf writer may send).
 */

import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeRecordBatch } from "../clients/typescript/src/index.js";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { openDuckDb } from "../src/offline/index.js";
import { RecordBatchEncoder } from "../src/offline/record-batch-encoder.js";
import { rowsOfBatch } from "./offline-fixtures.js";

let db: DuckDBInstance;
beforeAll(async () => {
  db = await openDuckDb({ threads: 1, memoryLimit: "256MB" });
});
afterAll(() => db.closeSync());

const columns = [
  { name: "i64", valueType: ValueType.INT64 },
  { name: "event_timestamp", valueType: ValueType.UNIX_TIMESTAMP },
  { name: "i32", valueType: ValueType.INT32 },
  { name: "d", valueType: ValueType.DOUBLE },
  { name: "f", valueType: ValueType.FLOAT },
  { name: "b", valueType: ValueType.BOOL },
  { name: "s", valueType: ValueType.STRING },
  { name: "by", valueType: ValueType.BYTES },
  { name: "l", valueType: ValueType.INT64_LIST },
];

const SQL = `SELECT
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i - 2500)::HUGEINT * 3689348814741910 END::BIGINT AS i64,
  make_timestamp((1700000000000000 + i * 1000000)::BIGINT)::TIMESTAMPTZ AS event_timestamp,
  CASE WHEN i % 5 = 0 THEN NULL ELSE (i - 2500) * 100000 END::INTEGER AS i32,
  CASE WHEN i % 3 = 0 THEN NULL ELSE i / 7.0 END::DOUBLE AS d,
  (i / 4.0)::FLOAT AS f,
  CASE WHEN i % 11 = 0 THEN NULL ELSE i % 2 = 0 END AS b,
  CASE WHEN i % 13 = 0 THEN NULL ELSE 'ü€😀 ' || i END AS s,
  CASE WHEN i % 17 = 0 THEN NULL ELSE encode('x' || i) END AS by,
  CASE WHEN i % 19 = 0 THEN NULL ELSE [i, -i] END::BIGINT[] AS l,
  CASE WHEN i % 4 = 0 THEN NULL WHEN i = 4321 THEN make_timestamp((1700000000000000 + i * 1000000 + 1)::BIGINT)
       ELSE make_timestamp((1700000000000000 + i * 1000000)::BIGINT) END::TIMESTAMPTZ AS __m0
FROM range(5000) t(i)`;

describe("RecordBatchEncoder", () => {
  it("encodes every type so protobuf-es decodes the same values, batch after batch", async () => {
    const conn = await db.connect();
    const expected = (await conn.runAndReadAll(SQL)).getRowObjects();
    const enc = new RecordBatchEncoder(columns, 1, [2], false, 1500);
    const result = await conn.stream(SQL);
    const rows: Record<string, unknown>[] = [];
    const fastRows: Record<string, unknown>[] = [];
    const sizes: number[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (let from = 0; from < chunk.rowCount; ) {
        const to = Math.min(chunk.rowCount, from + enc.capacity - enc.rowCount);
        enc.append(chunk, from, to);
        from = to;
        if (enc.rowCount === enc.capacity) {
          sizes.push(enc.rowCount);
          const bytes = enc.flush();
          rows.push(...rowsOfBatch(bytes));
          fastRows.push(...rowsOfDecoded(bytes));
        }
      }
    }
    if (enc.rowCount > 0) {
      sizes.push(enc.rowCount);
      const bytes = enc.flush();
      rows.push(...rowsOfBatch(bytes));
      fastRows.push(...rowsOfDecoded(bytes));
    }
    conn.closeSync();
    expect(sizes).toEqual([1500, 1500, 1500, 500]);
    expect(rows).toHaveLength(5000);
    for (const [i, r] of rows.entries()) {
      const e = expected[i] as Record<string, unknown>;
      const micros = (x: unknown) => (x === null ? null : (x as { micros: bigint }).micros);
      expect(r.i64).toBe(e.i64);
      expect(r.event_timestamp).toBe(micros(e.event_timestamp));
      expect(r.i32).toBe(e.i32);
      expect(r.d).toBe(e.d);
      expect(r.f).toBe(e.f);
      expect(r.b).toBe(e.b);
      expect(r.s).toBe(e.s);
      expect(r.by).toEqual(e.by === null ? null : new Uint8Array((e.by as { bytes: Uint8Array }).bytes));
      const list = r.l as { val: { case: string; value: { val: bigint[] } } } | null;
      expect(list === null ? null : list.val.value.val).toEqual(
        e.l === null ? null : (e.l as { items: bigint[] }).items,
      );
    }
    // The client's typed-array decoder: the same values (lists as native arrays).
    expect(fastRows).toEqual(
      rows.map((r) => {
        const l = r.l as { val: { value: { val: bigint[] } } } | null;
        return { ...r, l: l === null ? null : l.val.value.val };
      }),
    );
    // Every 4th row unmatched; row 4321's match is 1 microsecond after its row: 2 features leak.
    expect(enc.matched).toEqual([3750]);
    expect(enc.violations).toBe(2);
  });
});

/** Row objects of a batch read by the client's typed-array decoder (bools as booleans). */
function rowsOfDecoded(bytes: Uint8Array): Record<string, unknown>[] {
  const batch = decodeRecordBatch(bytes);
  const rows: Record<string, unknown>[] = Array.from({ length: batch.numRows }, () => ({}));
  for (const c of batch.columns) {
    for (let i = 0; i < batch.numRows; i++) {
      const v = c.values[i];
      (rows[i] as Record<string, unknown>)[c.name] =
        c.nulls?.[i] === 1 ? null : c.valueType === ValueType.BOOL ? v === 1 : v;
    }
  }
  return rows;
}

describe("decodeRecordBatch", () => {
  it("reads unpacked repeated fields, fields in any order, and unknown fields", () => {
    const w = new BinaryWriter();
    // An unknown field first, then the columns, then num_rows last.
    w.tag(9, WireType.Varint).uint32(7);
    const col = (f: (c: BinaryWriter) => void) => {
      const c = new BinaryWriter();
      f(c);
      w.tag(2, WireType.LengthDelimited).bytes(c.finish());
    };
    col((c) => {
      c.tag(2, WireType.Varint).uint32(ValueType.INT64);
      c.tag(1, WireType.LengthDelimited).string("a");
      // nulls unpacked: false, true, false
      c.tag(3, WireType.Varint)
        .bool(false)
        .tag(3, WireType.Varint)
        .bool(true)
        .tag(3, WireType.Varint)
        .bool(false);
      const list = new BinaryWriter();
      list.tag(1, WireType.Varint).int64(-5n).tag(1, WireType.Varint).int64(0n);
      list.tag(1, WireType.Varint).int64(9_007_199_254_740_993n);
      c.tag(7, WireType.LengthDelimited).bytes(list.finish());
    });
    col((c) => {
      c.tag(1, WireType.LengthDelimited).string("d");
      c.tag(2, WireType.Varint).uint32(ValueType.DOUBLE);
      const list = new BinaryWriter();
      list
        .tag(1, WireType.Bit64)
        .double(1.5)
        .tag(1, WireType.Bit64)
        .double(-0.25)
        .tag(1, WireType.Bit64)
        .double(3);
      c.tag(8, WireType.LengthDelimited).bytes(list.finish());
    });
    col((c) => {
      c.tag(1, WireType.LengthDelimited).string("i");
      c.tag(2, WireType.Varint).uint32(ValueType.INT32);
      const list = new BinaryWriter();
      list.tag(1, WireType.Varint).int32(-7).tag(1, WireType.Varint).int32(2147483647);
      list.tag(1, WireType.Varint).int32(-2147483648);
      c.tag(6, WireType.LengthDelimited).bytes(list.finish());
    });
    w.tag(1, WireType.Varint).uint32(3);
    const batch = decodeRecordBatch(w.finish());
    expect(batch.numRows).toBe(3);
    const [a, d, i] = batch.columns;
    expect(a?.name).toBe("a");
    expect(a?.nulls).toEqual(new Uint8Array([0, 1, 0]));
    expect(a?.values).toEqual(new BigInt64Array([-5n, 0n, 9_007_199_254_740_993n]));
    expect(d?.nulls).toBeUndefined();
    expect(d?.values).toEqual(new Float64Array([1.5, -0.25, 3]));
    expect(i?.values).toEqual(new Int32Array([-7, 2147483647, -2147483648]));
  });

  it("refuses truncated input", () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.Varint).uint32(3);
    w.tag(2, WireType.LengthDelimited).uint32(50).raw(new Uint8Array(10));
    expect(() => decodeRecordBatch(w.finish())).toThrow(/truncated/);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { expect, it } from "vitest";
import { ConvertedType, type ParquetColumn, PhysicalType, parquetFile } from "./parquet-file.js";

it("writes every physical type, nulls and annotations so that DuckDB reads back the same rows", async () => {
  const rows = 37; // not a multiple of 8: the last level group is partial
  const n = (f: (i: number) => number) => Float64Array.from({ length: rows }, (_, i) => f(i));
  const mask = (f: (i: number) => boolean) => Uint8Array.from({ length: rows }, (_, i) => (f(i) ? 1 : 0));
  const columns: ParquetColumn[] = [
    { name: "d", type: PhysicalType.DOUBLE, valid: mask((i) => i % 3 !== 0), values: n((i) => i / 3 - 5) },
    { name: "f", type: PhysicalType.FLOAT, values: n((i) => i + 0.25) },
    { name: "i", type: PhysicalType.INT32, values: Int32Array.from({ length: rows }, (_, i) => -(i ** 5)) },
    {
      name: "b",
      type: PhysicalType.INT64,
      valid: mask((i) => i !== 7),
      values: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i - 18) * 10n ** 17n),
    },
    {
      name: "t",
      type: PhysicalType.INT64,
      converted: ConvertedType.TIMESTAMP_MICROS,
      int64FromNumbers: true,
      valid: mask((i) => i % 5 !== 1),
      values: n((i) => (i - 18) * 123_456_789_012 + 7),
    },
    {
      name: "s",
      type: PhysicalType.BYTE_ARRAY,
      converted: ConvertedType.UTF8,
      valid: mask((i) => i % 4 !== 2),
      values: Array.from({ length: rows }, (_, i) => (i % 4 === 2 ? null : `é-${"x".repeat(i)}`)),
    },
    {
      name: "o",
      type: PhysicalType.BOOLEAN,
      valid: mask((i) => i % 6 !== 0),
      values: mask((i) => i % 2 === 1),
    },
    {
      name: "day",
      type: PhysicalType.INT32,
      converted: ConvertedType.DATE,
      values: Int32Array.from({ length: rows }, (_, i) => 20_000 + i),
    },
  ];
  const file = join(mkdtempSync(join(tmpdir(), "fstore-parquet-")), "t.parquet");
  writeFileSync(file, Buffer.concat(parquetFile(columns, rows)));
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const types = (await c.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`)).getRowObjectsJson();
    expect(types.map((t) => t.column_type)).toEqual([
      "DOUBLE",
      "FLOAT",
      "INTEGER",
      "BIGINT",
      "TIMESTAMP",
      "VARCHAR",
      "BOOLEAN",
      "DATE",
    ]);
    const got = (
      await c.runAndReadAll(
        `SELECT d, f, i, b, epoch_us(t) AS t, s, o, (day - DATE '1970-01-01')::INTEGER AS day FROM '${file}'`,
      )
    ).getRows();
    expect(got).toHaveLength(rows);
    got.forEach((row, r) => {
      const want = columns.map((col) => {
        if (col.valid && !col.valid[r]) return null;
        const v = (col.values as ArrayLike<unknown>)[r];
        if (col.type === PhysicalType.BOOLEAN) return v === 1;
        if (col.int64FromNumbers) return BigInt(v as number);
        return v;
      });
      expect(row, `row ${r}`).toEqual(want);
    });
  } finally {
    c.closeSync();
    db.closeSync();
  }
});

it("writes dictionary-encoded, shared, constant and byte-range columns that DuckDB reads back the same", async () => {
  const rows = 1000;
  const mask = (f: (i: number) => boolean) => Uint8Array.from({ length: rows }, (_, i) => (f(i) ? 1 : 0));
  // Event times in runs, some rows without one; shared by two columns (a view's features).
  const times = Float64Array.from(
    { length: rows },
    (_, i) => 1_700_000_000_000_000 + Math.floor(i / 7) * 1_000_001,
  );
  const timeValid = mask((i) => i % 11 !== 3);
  const words = ["alpha", "é", "", "a value longer than thirty-two bytes, copied whole"];
  const text = new TextEncoder();
  const chunks = Array.from({ length: rows }, (_, i) => text.encode(words[i % 4] as string));
  const ends = new Int32Array(rows);
  let end = 0;
  chunks.forEach((c, i) => {
    end += c.length;
    ends[i] = end;
  });
  const bytes = new Uint8Array(end);
  chunks.forEach((c, i) => {
    bytes.set(c, (ends[i] as number) - c.length);
  });
  // The same values as the PLAIN page has them (each after its u32 length; null rows empty).
  const labelValid = mask((i) => i % 9 !== 0);
  const prefixedEnds = new Int32Array(rows);
  const prefixed = Buffer.alloc(end + 4 * rows);
  let at = 0;
  chunks.forEach((c, i) => {
    if (labelValid[i]) {
      prefixed.writeUInt32LE(c.length, at);
      prefixed.set(c, at + 4);
      at += 4 + c.length;
    }
    prefixedEnds[i] = at;
  });
  const columns: ParquetColumn[] = [
    // Constant (one run), a few values in runs, and too many distinct values for a dictionary.
    { name: "constant", type: PhysicalType.INT32, values: new Int32Array(rows).fill(1), dictionary: true },
    {
      name: "status",
      type: PhysicalType.INT32,
      values: Int32Array.from({ length: rows }, (_, i) => (i % 13 < 10 ? 1 : (i % 5) + 2)),
      dictionary: true,
    },
    {
      name: "distinct",
      type: PhysicalType.INT32,
      values: Int32Array.from({ length: rows }, (_, i) => i * 7 - 3000),
      dictionary: true,
    },
    ...["t1", "t2"].map(
      (name): ParquetColumn => ({
        name,
        type: PhysicalType.INT64,
        converted: ConvertedType.TIMESTAMP_MICROS,
        int64FromNumbers: true,
        valid: timeValid,
        values: times,
        dictionary: true,
      }),
    ),
    {
      name: "version",
      type: PhysicalType.BYTE_ARRAY,
      converted: ConvertedType.UTF8,
      values: new Array<string>(rows).fill("v1-é"),
      dictionary: true,
    },
    {
      name: "label",
      type: PhysicalType.BYTE_ARRAY,
      converted: ConvertedType.UTF8,
      valid: labelValid,
      values: [],
      ranges: { bytes, ends },
    },
    {
      name: "label_prefixed",
      type: PhysicalType.BYTE_ARRAY,
      converted: ConvertedType.UTF8,
      valid: labelValid,
      values: [],
      ranges: { bytes: prefixed, ends: prefixedEnds, prefixed: true },
    },
    {
      name: "big",
      type: PhysicalType.INT64,
      values: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i - 500) * 10n ** 15n),
    },
  ];
  const file = join(mkdtempSync(join(tmpdir(), "fstore-parquet-")), "d.parquet");
  writeFileSync(file, Buffer.concat(parquetFile(columns, rows)));
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const got = (
      await c.runAndReadAll(
        `SELECT constant, status, "distinct", epoch_us(t1) AS t1, epoch_us(t2) AS t2, version, label, label_prefixed, big FROM '${file}'`,
      )
    ).getRows();
    expect(got).toHaveLength(rows);
    got.forEach((row, i) => {
      const t = timeValid[i] ? BigInt(times[i] as number) : null;
      expect(row, `row ${i}`).toEqual([
        1,
        i % 13 < 10 ? 1 : (i % 5) + 2,
        i * 7 - 3000,
        t,
        t,
        "v1-é",
        i % 9 === 0 ? null : words[i % 4],
        i % 9 === 0 ? null : words[i % 4],
        BigInt(i - 500) * 10n ** 15n,
      ]);
    });
    // The repeating columns are dictionary-encoded; the one with a value per row is not.
    const encodings = (
      await c.runAndReadAll(
        `SELECT path_in_schema, encodings FROM parquet_metadata('${file}') ORDER BY column_id`,
      )
    ).getRowObjectsJson();
    const dictionary = encodings
      .filter((e) => String(e.encodings).includes("RLE_DICTIONARY"))
      .map((e) => e.path_in_schema);
    expect(dictionary).toEqual(["constant", "status", "t1", "t2", "version"]);
  } finally {
    c.closeSync();
    db.closeSync();
  }
});

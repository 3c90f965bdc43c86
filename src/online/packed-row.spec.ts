import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import type { NativeValue } from "../values/index.js";
import { decodePackedRow, encodePackedRows, packedReadPlan, packedRowTimeUs } from "./packed-row.js";

const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });
const view = (features: FieldDef[]): FeatureViewDef => ({
  name: "v",
  entities: ["e"],
  entityColumns: [field("id", ValueType.INT64)],
  features,
  ttlSeconds: 0,
  source: {
    kind: "file",
    name: "s",
    path: "x",
    timestampField: "ts",
    createdTimestampColumn: "",
    fieldMapping: {},
    description: "",
    tags: {},
    owner: "",
  },
  online: true,
  description: "",
  tags: {},
  owner: "",
});
const ts = new Date("2024-05-06T07:08:09.123Z");

function roundTrip(v: FeatureViewDef, values: NativeValue[], reader = v, wanted?: string[]) {
  const [bytes] = encodePackedRows(v, [{ entityKey: [1n], eventTimeUs: ts.getTime() * 1000, values }]);
  const names = wanted ?? reader.features.map((f) => f.name);
  return decodePackedRow(packedReadPlan(reader, names), bytes as Buffer);
}

describe("packed row encoding", () => {
  const all = view([
    field("s", ValueType.STRING),
    field("b", ValueType.BYTES),
    field("i32", ValueType.INT32),
    field("i64", ValueType.INT64),
    field("d", ValueType.DOUBLE),
    field("f", ValueType.FLOAT),
    field("ok", ValueType.BOOL),
    field("t", ValueType.UNIX_TIMESTAMP),
    field("sl", ValueType.STRING_LIST),
    field("il", ValueType.INT64_LIST),
    field("dl", ValueType.DOUBLE_LIST),
    field("bl", ValueType.BOOL_LIST),
    field("n", ValueType.DOUBLE),
  ]);
  const values: NativeValue[] = [
    "héllo",
    new Uint8Array([0, 255]),
    -7,
    2n ** 62n + 3n,
    0.1,
    1.5,
    true,
    new Date("2020-01-01T00:00:00Z"),
    ["a", "", "ü"],
    [1n, -(2n ** 63n)],
    [0.25, -1e300],
    [true, false],
    null,
  ];

  it("round-trips every type, nulls and the event time", () => {
    const row = roundTrip(all, values);
    expect(row.eventTimeUs).toEqual(ts.getTime() * 1000);
    expect([...row.values.entries()]).toEqual(all.features.map((f, i) => [f.name, values[i]]));
  });

  it("stores FLOAT as float32", () => {
    const row = roundTrip(view([field("f", ValueType.FLOAT)]), [0.1]);
    expect(row.values.get("f")).toBe(Math.fround(0.1));
  });

  it("decodes only wanted features", () => {
    const row = roundTrip(all, values, all, ["i64", "sl"]);
    expect([...row.values.keys()]).toEqual(["i64", "sl"]);
    expect(row.values.get("i64")).toBe(2n ** 62n + 3n);
  });

  it("exposes the event time at a fixed offset (read by the Lua write script)", () => {
    const [bytes] = encodePackedRows(all, [{ entityKey: [1n], eventTimeUs: ts.getTime() * 1000, values }]);
    expect(packedRowTimeUs(bytes as Buffer)).toBe(ts.getTime() * 1000);
  });

  it("keeps microseconds, reads a version 1 row's ms as µs and refuses unknown versions", () => {
    const us = ts.getTime() * 1000 + 457;
    const [bytes] = encodePackedRows(all, [
      { entityKey: [1n], eventTimeUs: us, values: all.features.map(() => null) },
    ]);
    const row = bytes as Buffer;
    expect(row[0]).toBe(2);
    expect(packedRowTimeUs(row)).toBe(us);
    // The same row as version 1 wrote it: event time in ms.
    const v1 = Buffer.from(row);
    v1[0] = 1;
    v1.writeDoubleLE(ts.getTime(), 1);
    expect(packedRowTimeUs(v1)).toBe(ts.getTime() * 1000);
    expect(decodePackedRow(packedReadPlan(all, ["s"]), v1).eventTimeUs).toBe(ts.getTime() * 1000);
    for (const version of [0, 3, 255]) {
      const other = Buffer.from(row);
      other[0] = version;
      expect(() => decodePackedRow(packedReadPlan(all, ["s"]), other)).toThrow(/unknown encoding version/);
    }
  });

  it("never decodes a row written under another schema into wrong values", () => {
    const before = view([
      field("a", ValueType.DOUBLE),
      field("b", ValueType.INT64),
      field("c", ValueType.STRING),
    ]);
    const written = [1.5, 42n, "x"];
    // Reordered and a feature added: values found by name.
    const reordered = view([
      field("x", ValueType.DOUBLE),
      field("c", ValueType.STRING),
      field("a", ValueType.DOUBLE),
    ]);
    const r1 = roundTrip(before, written, reordered);
    expect(r1.values.get("c")).toBe("x");
    expect(r1.values.get("a")).toBe(1.5);
    expect(r1.values.has("x")).toBe(false);
    // Retyped: b was INT64, now DOUBLE -> absent (NOT_FOUND), not reinterpreted bytes.
    const retyped = view([
      field("a", ValueType.DOUBLE),
      field("b", ValueType.DOUBLE),
      field("c", ValueType.STRING),
    ]);
    const r2 = roundTrip(before, written, retyped);
    expect(r2.values.has("b")).toBe(false);
    expect(r2.values.get("a")).toBe(1.5);
    expect(r2.values.get("c")).toBe("x");
    // Removed then renamed: the old name's value is not served under the new name.
    const renamed = view([field("a", ValueType.DOUBLE), field("bb", ValueType.INT64)]);
    const r3 = roundTrip(before, written, renamed);
    expect(r3.values.has("bb")).toBe(false);
  });

  it("rejects values of the wrong type or count, naming view, feature and row", () => {
    const v = view([field("a", ValueType.INT64)]);
    expect(() =>
      encodePackedRows(v, [{ entityKey: [1n], eventTimeUs: ts.getTime() * 1000, values: ["7"] }]),
    ).toThrow('view "v" feature "a" row 0: expected INT64, got string "7"');
    expect(() =>
      encodePackedRows(v, [{ entityKey: [1n], eventTimeUs: ts.getTime() * 1000, values: [] }]),
    ).toThrow(/expected 1 values, got 0/);
  });

  it("shares one backing buffer across a batch", () => {
    const v = view([field("a", ValueType.STRING)]);
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      entityKey: [BigInt(i)],
      eventTimeUs: ts.getTime() * 1000,
      values: ["x".repeat(i % 50)],
    }));
    const out = encodePackedRows(v, rows);
    for (let i = 0; i < rows.length; i += 97) {
      expect(decodePackedRow(packedReadPlan(v, ["a"]), out[i] as Buffer).values.get("a")).toBe(
        "x".repeat(i % 50),
      );
    }
  });
});

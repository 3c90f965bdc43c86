import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RepeatedValueSchema, ValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { Code, FstoreError } from "../errors/index.js";
import { fromRepeatedValue, fromValue, toValue } from "./native-value.js";

const v = (val: never) => create(ValueSchema, { val });

describe("fromValue / toValue", () => {
  it("round-trips every scalar type", () => {
    const cases: [ValueType, unknown][] = [
      [ValueType.STRING, "héllo"],
      [ValueType.BYTES, new Uint8Array([0, 255, 7])],
      [ValueType.BOOL, true],
      [ValueType.INT64, 9007199254740993n],
      [ValueType.INT32, -5],
      [ValueType.DOUBLE, 1.25],
      [ValueType.UNIX_TIMESTAMP, new Date("2024-01-02T03:04:05Z")],
      [ValueType.INT64_LIST, [1n, -2n]],
      [ValueType.STRING_LIST, ["a", "b"]],
    ];
    for (const [t, x] of cases) {
      expect(fromValue(toValue(x as never, t), t, "x")).toEqual(x);
    }
  });

  it("keeps int64 precision beyond 2^53", () => {
    const big = 2n ** 62n + 1n;
    expect(fromValue(toValue(big, ValueType.INT64), ValueType.INT64, "x")).toBe(big);
  });

  it("treats unset and null values as null", () => {
    expect(fromValue(create(ValueSchema), ValueType.INT64, "x")).toBeNull();
    expect(fromValue(toValue(null, ValueType.INT64), ValueType.INT64, "x")).toBeNull();
  });

  it("widens losslessly and rejects the rest with the column and row", () => {
    expect(fromValue(v({ case: "int32Val", value: 7 } as never), ValueType.INT64, "x")).toBe(7n);
    const col = create(RepeatedValueSchema, {
      val: [v({ case: "int64Val", value: 1n } as never), v({ case: "stringVal", value: "abc" } as never)],
    });
    let err: unknown;
    try {
      fromRepeatedValue(col, ValueType.INT64, "vehicle_id");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FstoreError);
    expect((err as FstoreError).code).toBe(Code.InvalidArgument);
    expect((err as FstoreError).message).toBe(
      'column "vehicle_id" row 1: expected INT64, got stringVal "abc"',
    );
  });

  it("rejects int64 outside the int32 range for INT32", () => {
    expect(() => fromValue(v({ case: "int64Val", value: 2n ** 40n } as never), ValueType.INT32, "x")).toThrow(
      /expected INT32/,
    );
  });
});

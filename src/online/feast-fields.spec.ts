import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { FstoreError } from "../errors/index.js";
import { fromValue, type NativeValue, toValue } from "../values/index.js";
import {
  decodeFeastValue,
  encodeFeastTimestamp,
  encodeFeastValue,
  feastFeatureField,
} from "./feast-fields.js";

/** The reference: protobuf-es decoding, undefined when the stored type does not convert to `t`. */
function reference(bytes: Uint8Array, t: ValueType): NativeValue | undefined {
  try {
    return fromValue(fromBinary(ValueSchema, bytes), t, "x");
  } catch (e) {
    if (e instanceof FstoreError) return undefined;
    throw e;
  }
}

describe("feast layout values", () => {
  const samples: [NativeValue, ValueType][] = [
    [0.5, ValueType.DOUBLE],
    [-1e300, ValueType.DOUBLE],
    [Math.fround(0.8), ValueType.FLOAT],
    [0n, ValueType.INT64],
    [-1n, ValueType.INT64],
    [2n ** 63n - 1n, ValueType.INT64],
    [1001n, ValueType.INT64],
    ["", ValueType.STRING],
    ["abc", ValueType.STRING],
    ["ü".repeat(100), ValueType.STRING],
    [true, ValueType.BOOL],
    [false, ValueType.BOOL],
    [7, ValueType.INT32],
    [null, ValueType.DOUBLE],
    [[1n, 2n], ValueType.INT64_LIST],
  ];
  const readAs = [
    ValueType.DOUBLE,
    ValueType.FLOAT,
    ValueType.INT64,
    ValueType.INT32,
    ValueType.STRING,
    ValueType.BOOL,
  ];

  it("decodes every sample, read as any type, exactly like protobuf-es", () => {
    for (const [x, t] of samples) {
      const bytes = encodeFeastValue(x, t);
      for (const as of [t, ...readAs])
        expect([x, t, as, decodeFeastValue(bytes, as)]).toEqual([x, t, as, reference(bytes, as)]);
    }
  });

  it("writes Feast's published bytes", () => {
    expect(encodeFeastValue(1001n, ValueType.INT64).toString("hex")).toBe("20e907");
    expect(encodeFeastValue(0.5, ValueType.DOUBLE).toString("hex")).toBe("29000000000000e03f");
    expect(encodeFeastTimestamp(1_700_000_000_000_000).toString("hex")).toBe("0880e2cfaa06");
    expect(toBinary(ValueSchema, toValue("abc", ValueType.STRING))).toEqual(
      new Uint8Array(encodeFeastValue("abc", ValueType.STRING)),
    );
    expect(feastFeatureField("driver_hourly_stats", "conv_rate")).toHaveLength(4);
  });
});

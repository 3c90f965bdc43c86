import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RepeatedValueSchema, type Value, ValueSchema } from "../../gen/fstore/v1/value_pb.js";
import { decodeRepeatedValue, decodeValue, orLibrary } from "./repeated-value-decoder.js";

const value = (val: unknown) => create(ValueSchema, { val } as never);
const list = (v: unknown[]) => ({ val: v });

/** Every case of Value's oneof, with edge values. */
const values: Value[] = [
  value(undefined),
  value({ case: "bytesVal", value: new Uint8Array([0, 1, 255]) }),
  value({ case: "bytesVal", value: new Uint8Array() }),
  value({ case: "stringVal", value: "" }),
  value({ case: "stringVal", value: "plain ascii" }),
  value({ case: "stringVal", value: "Zürich 東京 🚲" }),
  ...[0, 1, -1, 127, 128, -(2 ** 31), 2 ** 31 - 1].map((x) => value({ case: "int32Val", value: x })),
  ...[0n, 1n, -1n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 63n - 1n, -(2n ** 63n)].map((x) =>
    value({ case: "int64Val", value: x }),
  ),
  ...[0, -0, 0.5, -1e300, Number.MIN_VALUE, Number.NaN, Number.POSITIVE_INFINITY].map((x) =>
    value({ case: "doubleVal", value: x }),
  ),
  ...[0, 0.25, 0.1, -3.4e38, Number.NaN, Number.NEGATIVE_INFINITY].map((x) =>
    value({ case: "floatVal", value: x }),
  ),
  value({ case: "boolVal", value: true }),
  value({ case: "boolVal", value: false }),
  ...[0n, 1_700_000_000n, -1n, 253_402_300_799n].map((x) => value({ case: "unixTimestampVal", value: x })),
  value({ case: "nullVal", value: 0 }),
  value({ case: "bytesListVal", value: list([new Uint8Array([1]), new Uint8Array()]) }),
  value({ case: "stringListVal", value: list(["a", "", "ü"]) }),
  value({ case: "stringListVal", value: list([]) }),
  value({ case: "int32ListVal", value: list([1, -1, 2 ** 31 - 1]) }),
  value({ case: "int64ListVal", value: list([1n, -(2n ** 63n), 2n ** 50n]) }),
  value({ case: "doubleListVal", value: list([0.5, Number.NaN, -0]) }),
  value({ case: "floatListVal", value: list([0.1, 3]) }),
  value({ case: "boolListVal", value: list([true, false, true]) }),
  value({ case: "unixTimestampListVal", value: list([1_700_000_000n, 0n]) }),
  value({ case: "int64ListVal", value: list([]) }),
];

/** What the decoder should return for `bytes`: fromBinary's message, or its error. */
function library(bytes: Uint8Array): unknown {
  try {
    return fromBinary(RepeatedValueSchema, bytes);
  } catch {
    return "throws";
  }
}
function ours(bytes: Uint8Array): unknown {
  try {
    return orLibrary(
      bytes,
      (buf) => decodeRepeatedValue(buf, 0, buf.length),
      (b) => fromBinary(RepeatedValueSchema, b),
    );
  } catch {
    return "throws";
  }
}

describe("decodeRepeatedValue", () => {
  it("decodes every Value case exactly as fromBinary does", () => {
    for (const v of values) {
      const bytes = toBinary(ValueSchema, v);
      expect(decodeValue(Buffer.from(bytes), 0, bytes.length), JSON.stringify(v.val.case)).toEqual(
        fromBinary(ValueSchema, bytes),
      );
    }
    const bytes = toBinary(RepeatedValueSchema, create(RepeatedValueSchema, { val: values }));
    expect(ours(bytes)).toEqual(library(bytes));
    expect((ours(bytes) as { val: unknown[] }).val).toHaveLength(values.length);
  });

  it("reads numeric lists sent unpacked, as protobuf requires", () => {
    // Int64List {val: 1, val: 2} unpacked (field 1, varint), inside Value.int64_list_val (field 14).
    const inner = [0x08, 1, 0x08, 2];
    const asValue = [0x72, inner.length, ...inner];
    const bytes = new Uint8Array([0x0a, asValue.length, ...asValue]);
    expect(ours(bytes)).toEqual(library(bytes));
    // DoubleList unpacked (field 1, fixed64).
    const d = [0x09, ...new Uint8Array(new Float64Array([1.5]).buffer)];
    const asDouble = [0x7a, d.length, ...d];
    const bytes2 = new Uint8Array([0x0a, asDouble.length, ...asDouble]);
    expect(ours(bytes2)).toEqual(library(bytes2));
    expect(ours(bytes2)).toMatchObject({ val: [{ val: { case: "doubleListVal", value: { val: [1.5] } } }] });
  });

  it("follows protobuf's rules for a oneof set twice, unknown fields and open enums", () => {
    const twice = [
      ...toBinary(ValueSchema, values[4] as Value),
      ...toBinary(ValueSchema, values[7] as Value),
    ];
    const unknown = [...toBinary(ValueSchema, values[4] as Value), 0xa0, 0x01, 5]; // field 20, varint
    const nullSeven = [0x98, 0x01, 7];
    for (const v of [twice, unknown, nullSeven]) {
      const bytes = new Uint8Array([0x0a, v.length, ...v]);
      expect(ours(bytes)).toEqual(library(bytes));
    }
  });

  it("throws where fromBinary throws: invalid UTF-8, truncation", () => {
    const bad = [0x12, 2, 0xff, 0xfe];
    const badBytes = new Uint8Array([0x0a, bad.length, ...bad]);
    expect(library(badBytes)).toBe("throws");
    expect(ours(badBytes)).toBe("throws");
    const bytes = toBinary(RepeatedValueSchema, create(RepeatedValueSchema, { val: values }));
    for (const cut of [1, 3, 10, bytes.length - 1]) {
      expect(ours(bytes.subarray(0, cut)), `cut at ${cut}`).toEqual(library(bytes.subarray(0, cut)));
    }
  });

  it("agrees with fromBinary on 1,000 seeded bit flips and truncations of valid bytes", () => {
    const bytes = toBinary(RepeatedValueSchema, create(RepeatedValueSchema, { val: values }));
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 1000; i++) {
      const b = new Uint8Array(bytes);
      for (let k = 0; k <= i % 3; k++) {
        const at = next() % b.length;
        b[at] = (b[at] as number) ^ (1 << (next() % 8));
      }
      const input = i % 5 === 0 ? b.subarray(0, next() % b.length) : b;
      expect(ours(input), `case ${i}`).toEqual(library(input));
    }
  });
});

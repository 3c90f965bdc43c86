import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RepeatedValueSchema, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { Code, FstoreError } from "../errors/index.js";
import { convertInline } from "./entity-input.js";

const col = (vals: unknown[]) => create(RepeatedValueSchema, { val: vals.map((val) => ({ val })) } as never);
const i64 = (x: number) => ({ case: "int64Val", value: BigInt(x) });
const key = { name: "id", dtype: ValueType.INT64, description: "", tags: {} };
const ts = (seconds: number, nanos = 0) => ({ seconds: BigInt(seconds), nanos });

function error(f: () => unknown): FstoreError {
  try {
    f();
  } catch (e) {
    if (e instanceof FstoreError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

describe("convertInline", () => {
  it("types join keys, infers pass-through columns and converts timestamps to microseconds", () => {
    const { columns, micros } = convertInline(
      {
        kind: "inline",
        columns: {
          id: col([i64(1), { case: "int32Val", value: 2 }]),
          label: col([{ case: "boolVal", value: true }, {}]),
        },
        timestamps: [ts(1, 999_999_999), ts(-1)],
      },
      [key],
    );
    expect(columns.map((c) => [c.name, c.type, c.values])).toEqual([
      ["id", ValueType.INT64, [1n, 2n]],
      ["label", ValueType.BOOL, [true, null]],
    ]);
    expect(micros).toEqual([1_999_999n, -1_000_000n]);
  });

  it("refuses bad rows with INVALID_ARGUMENT naming the column and row", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => convertInline({ kind: "inline", columns: {}, timestamps: [] }, [key]), /no entity rows/],
      [
        () =>
          convertInline({ kind: "inline", columns: { id: col([i64(1), i64(2)]) }, timestamps: [ts(1)] }, [
            key,
          ]),
        /"id" has 2 values but there are 1 event timestamps/,
      ],
      [
        () => convertInline({ kind: "inline", columns: { x: col([i64(1)]) }, timestamps: [ts(1)] }, [key]),
        /lack join key "id"/,
      ],
      [
        () =>
          convertInline(
            {
              kind: "inline",
              columns: { id: col([i64(1), { case: "stringVal", value: "a" }]) },
              timestamps: [ts(1), ts(2)],
            },
            [key],
          ),
        /column "id" row 1: expected INT64/,
      ],
      [
        () =>
          convertInline({ kind: "inline", columns: { id: col([i64(1)]) }, timestamps: [ts(1, 2e9)] }, [key]),
        /event_timestamps row 0: unparsable timestamp/,
      ],
      [
        () =>
          convertInline(
            { kind: "inline", columns: { id: col([i64(1)]), __x: col([i64(1)]) }, timestamps: [ts(1)] },
            [key],
          ),
        /reserved/,
      ],
      [
        () =>
          convertInline(
            {
              kind: "inline",
              columns: { id: col([i64(1)]), event_timestamp: col([i64(1)]) },
              timestamps: [ts(1)],
            },
            [key],
          ),
        /"event_timestamp" is reserved/,
      ],
    ];
    for (const [f, message] of cases) {
      const e = error(f);
      expect(e.code).toBe(Code.InvalidArgument);
      expect(e.message).toMatch(message);
    }
  });
});

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { PushRequestSchema, PushTo } from "../../gen/fstore/v1/feature_service_pb.js";
import { decodePushRequest } from "./push-request-decoder.js";

const v = (val: unknown) => ({ val }) as never;

function library(bytes: Uint8Array): unknown {
  try {
    return fromBinary(PushRequestSchema, bytes);
  } catch {
    return "throws";
  }
}
function ours(bytes: Uint8Array): unknown {
  try {
    return decodePushRequest(bytes);
  } catch {
    return "throws";
  }
}

describe("decodePushRequest", () => {
  const rows = 8;
  const full = create(PushRequestSchema, {
    pushSourceName: "driver_push",
    to: PushTo.ONLINE_AND_OFFLINE,
    columns: {
      driver_id: {
        val: Array.from({ length: rows }, (_, i) => v({ case: "int64Val", value: BigInt(1000 + i) })),
      },
      event_ts: {
        val: Array.from({ length: rows }, (_, i) => v({ case: "unixTimestampVal", value: BigInt(i) })),
      },
      conv_rate: { val: Array.from({ length: rows }, (_, i) => v({ case: "doubleVal", value: i / 7 })) },
      acc_rate: { val: Array.from({ length: rows }, () => v({ case: "floatVal", value: 0.1 })) },
      name: {
        val: Array.from({ length: rows }, (_, i) =>
          v(i % 3 ? { case: "stringVal", value: `n${i}ü` } : undefined),
        ),
      },
      tags: {
        val: Array.from({ length: rows }, () => v({ case: "stringListVal", value: { val: ["a", "b"] } })),
      },
      "col ü": { val: [] },
    },
  });

  it("decodes exactly what fromBinary decodes", () => {
    for (const req of [create(PushRequestSchema), create(PushRequestSchema, { pushSourceName: "p" }), full]) {
      const bytes = toBinary(PushRequestSchema, req);
      expect(ours(bytes)).toEqual(library(bytes));
    }
    expect((ours(toBinary(PushRequestSchema, full)) as { columns: object }).columns).toHaveProperty("col ü");
  });

  it("keeps the last of a repeated column or field and leaves unknown fields to protobuf-es", () => {
    const a = toBinary(PushRequestSchema, full);
    const b = toBinary(
      PushRequestSchema,
      create(PushRequestSchema, {
        pushSourceName: "other",
        to: PushTo.OFFLINE,
        columns: { name: { val: [] } },
      }),
    );
    const unknown = new Uint8Array([...a, 0x20, 1]);
    for (const bytes of [new Uint8Array([...a, ...b]), unknown]) expect(ours(bytes)).toEqual(library(bytes));
  });

  it("agrees with fromBinary on seeded bit flips and truncations", () => {
    const bytes = toBinary(PushRequestSchema, full);
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 1000; i++) {
      const b = new Uint8Array(bytes);
      const at = next() % b.length;
      b[at] = (b[at] as number) ^ (1 << (next() % 8));
      const input = i % 4 === 0 ? b.subarray(0, next() % b.length) : b;
      expect(ours(input), `case ${i}`).toEqual(library(input));
    }
  });
});

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GetOnlineFeaturesRequestSchema } from "../../gen/fstore/v1/feature_service_pb.js";
import { decodeOnlineRequest } from "./online-request-decoder.js";

const v = (val: unknown) => ({ val }) as never;

describe("decodeOnlineRequest", () => {
  const requests = [
    create(GetOnlineFeaturesRequestSchema),
    create(GetOnlineFeaturesRequestSchema, { kind: { case: "featureService", value: "model_v1" } }),
    create(GetOnlineFeaturesRequestSchema, {
      kind: { case: "features", value: { val: ["a:x", "b:ü", "c:long_name"] } },
      entities: {
        id: {
          val: [
            v({ case: "int64Val", value: 1n }),
            v({ case: "int64Val", value: -(2n ** 63n) }),
            v({ case: "int64Val", value: 2n ** 62n }),
          ],
        },
        // Varint lengths around the decoder's 7-byte shortcut (2^49) and its edges.
        wide: {
          val: [
            0n,
            127n,
            128n,
            2n ** 42n - 1n,
            2n ** 49n - 1n,
            2n ** 49n,
            2n ** 56n,
            2n ** 63n - 1n,
            -1n,
          ].map((x) => v({ case: "int64Val", value: x })),
        },
        zone: {
          val: [
            v({ case: "stringVal", value: "north" }),
            v({ case: "stringVal", value: "" }),
            v({ case: "stringVal", value: "Zürich" }),
          ],
        },
        small: {
          val: [
            v({ case: "int32Val", value: -5 }),
            v({ case: "int32Val", value: 0 }),
            v({ case: "int32Val", value: 2 ** 31 - 1 }),
          ],
        },
        odd: {
          val: [
            v({ case: "doubleVal", value: 1.5 }),
            v({ case: "nullVal", value: 0 }),
            v({ case: "int64ListVal", value: { val: [1n] } }),
          ],
        },
        empty: {
          val: [
            v(undefined),
            v({ case: "boolVal", value: true }),
            v({ case: "bytesVal", value: new Uint8Array([1]) }),
          ],
        },
      },
      fullFeatureNames: true,
      requestContext: { discount: { val: [v({ case: "doubleVal", value: 0.5 })] }, tag: { val: [] } },
    }),
  ];

  it("decodes exactly what fromBinary decodes", () => {
    for (const req of requests) {
      const bytes = toBinary(GetOnlineFeaturesRequestSchema, req);
      expect(decodeOnlineRequest(bytes)).toEqual(fromBinary(GetOnlineFeaturesRequestSchema, bytes));
    }
  });

  it("returns the same feature list object for repeated bytes", () => {
    const bytes = toBinary(GetOnlineFeaturesRequestSchema, requests[2] as never);
    const a = decodeOnlineRequest(bytes);
    const b = decodeOnlineRequest(new Uint8Array(bytes));
    expect(a.kind.value).toBe(b.kind.value);
  });

  it("throws on truncated input", () => {
    const bytes = toBinary(GetOnlineFeaturesRequestSchema, requests[2] as never);
    expect(() => decodeOnlineRequest(bytes.subarray(0, bytes.length - 3))).toThrow();
  });
});

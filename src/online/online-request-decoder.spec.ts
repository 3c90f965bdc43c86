import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GetOnlineFeaturesRequestSchema } from "../../gen/fstore/v1/feature_service_pb.js";
import { decodeOnlineRequest } from "./online-request-decoder.js";

const v = (val: unknown) => ({ val }) as never;

describe("decodeOnlineRequest", () => {
  const requests = [
    create(GetOnlineFeaturesRequestSchema),
    create(GetOnlineFeaturesRequestSchema, { selection: { featureServices: ["model_v1"] } }),
    create(GetOnlineFeaturesRequestSchema, { selection: { featureServices: ["model_v1", "model_v2"] } }),
    create(GetOnlineFeaturesRequestSchema, { selection: {} }),
    create(GetOnlineFeaturesRequestSchema, {
      selection: { features: ["a:x", "b:ü", "c:long_name"], featureServices: ["both_set"] },
    }),
    create(GetOnlineFeaturesRequestSchema, {
      selection: { features: ["a:x", "b:ü", "c:long_name"] },
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

  it("returns the same selection object for repeated bytes", () => {
    const bytes = toBinary(GetOnlineFeaturesRequestSchema, requests[5] as never);
    const a = decodeOnlineRequest(bytes);
    const b = decodeOnlineRequest(new Uint8Array(bytes));
    expect(a.selection?.features).toEqual(["a:x", "b:ü", "c:long_name"]);
    expect(a.selection).toBe(b.selection);
  });

  it("decodes a selection over 64 KiB each time instead of caching it", () => {
    const huge = create(GetOnlineFeaturesRequestSchema, {
      selection: { featureServices: ["s".repeat(70_000)] },
    });
    const bytes = toBinary(GetOnlineFeaturesRequestSchema, huge);
    const a = decodeOnlineRequest(bytes);
    const b = decodeOnlineRequest(new Uint8Array(bytes));
    expect(a).toEqual(fromBinary(GetOnlineFeaturesRequestSchema, bytes));
    expect(a.selection).not.toBe(b.selection);
  });

  it("merges a selection sent twice, as protobuf does", () => {
    const first = toBinary(GetOnlineFeaturesRequestSchema, requests[1] as never);
    const second = toBinary(GetOnlineFeaturesRequestSchema, requests[5] as never);
    const bytes = new Uint8Array([...first, ...second]);
    const decoded = decodeOnlineRequest(bytes);
    expect(decoded).toEqual(fromBinary(GetOnlineFeaturesRequestSchema, bytes));
    expect(decoded.selection?.featureServices).toEqual(["model_v1"]);
    expect(decoded.selection?.features).toEqual(["a:x", "b:ü", "c:long_name"]);
  });

  it("ignores the removed feature_service and features fields like any unknown field", () => {
    // Field 1 (string "model_v1") and field 2 (FeatureList {val: ["a:x"]}) of the old request.
    const old = new Uint8Array([
      0x0a,
      8,
      ...Buffer.from("model_v1"),
      0x12,
      5,
      0x0a,
      3,
      ...Buffer.from("a:x"),
    ]);
    const decoded = decodeOnlineRequest(old);
    expect(decoded).toEqual(fromBinary(GetOnlineFeaturesRequestSchema, old));
    expect(decoded.selection).toBeUndefined();
  });

  it("throws on truncated input", () => {
    const bytes = toBinary(GetOnlineFeaturesRequestSchema, requests[5] as never);
    expect(() => decodeOnlineRequest(bytes.subarray(0, bytes.length - 3))).toThrow();
  });
});

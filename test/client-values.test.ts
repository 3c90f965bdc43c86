/**
 * The client's native-value layer, checked against hand-built protobuf
 * messages: type inference when sending, decoding of every value kind, and
 * the request/response shapes of the ergonomic methods.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  ColumnSchema,
  FieldStatus,
  GetOnlineFeaturesRequestSchema,
  GetOnlineFeaturesResponseSchema,
} from "../clients/typescript/gen/fstore/v1/feature_service_pb.js";
import { ValueSchema, ValueType } from "../clients/typescript/gen/fstore/v1/value_pb.js";
import { decodeHealthCheckResponse, encodeHealthCheckRequest } from "../clients/typescript/src/health.js";
import { columnValues, historicalRequest } from "../clients/typescript/src/historical.js";
import { fromValue, toValue, typedValue } from "../clients/typescript/src/index.js";
import { onlineRequest, onlineResult } from "../clients/typescript/src/online.js";
import { pushRequest } from "../clients/typescript/src/operations.js";

const MAX_INT64 = 9223372036854775807n;

describe("toValue (sending)", () => {
  it.each([
    ["a bigint as INT64", 5n, { case: "int64Val", value: 5n }],
    ["the largest int64 without loss", MAX_INT64, { case: "int64Val", value: MAX_INT64 }],
    ["an integral number as INT64", 42, { case: "int64Val", value: 42n }],
    ["a fractional number as DOUBLE", 1.5, { case: "doubleVal", value: 1.5 }],
    ["a string", "x", { case: "stringVal", value: "x" }],
    ["a boolean", false, { case: "boolVal", value: false }],
    [
      "a Date as UNIX_TIMESTAMP seconds",
      new Date("2026-01-01T00:00:01.900Z"),
      { case: "unixTimestampVal", value: 1767225601n },
    ],
    ["null as an explicit null", null, { case: "nullVal", value: 0 }],
  ] as const)("sends %s", (_name, input, expected) => {
    expect(toValue(input as never).val).toEqual(expected);
  });

  it("sends bytes and lists", () => {
    expect(toValue(new Uint8Array([1, 2])).val).toEqual({ case: "bytesVal", value: new Uint8Array([1, 2]) });
    expect(toValue([1n, 2n]).val.case).toBe("int64ListVal");
    expect(toValue([1, 2.5]).val).toMatchObject({ case: "doubleListVal", value: { val: [1, 2.5] } });
    expect(toValue(["a"]).val).toMatchObject({ case: "stringListVal", value: { val: ["a"] } });
    expect(toValue([true]).val).toMatchObject({ case: "boolListVal", value: { val: [true] } });
  });

  it("passes explicit Value messages through and builds typed ones", () => {
    const v = create(ValueSchema, { val: { case: "int32Val", value: 7 } });
    expect(toValue(v)).toBe(v);
    expect(typedValue(7, "INT32").val).toEqual({ case: "int32Val", value: 7 });
    expect(typedValue(0.5, "FLOAT").val).toEqual({ case: "floatVal", value: 0.5 });
    expect(typedValue(3, "DOUBLE").val).toEqual({ case: "doubleVal", value: 3 });
  });

  it("survives the wire with full int64 precision", () => {
    const bytes = toBinary(ValueSchema, toValue(MAX_INT64));
    expect(fromValue(fromBinary(ValueSchema, bytes))).toBe(MAX_INT64);
  });
});

describe("fromValue (receiving)", () => {
  const v = (val: object) => create(ValueSchema, { val } as never);
  it("decodes every kind to native JS", () => {
    expect(fromValue(v({ case: "int64Val", value: -3n }))).toBe(-3n);
    expect(fromValue(v({ case: "int32Val", value: 3 }))).toBe(3);
    expect(fromValue(v({ case: "floatVal", value: 0.5 }))).toBe(0.5);
    expect(fromValue(v({ case: "unixTimestampVal", value: 1767225600n }))).toEqual(
      new Date("2026-01-01T00:00:00Z"),
    );
    expect(fromValue(v({ case: "unixTimestampListVal", value: { val: [0n] } }))).toEqual([new Date(0)]);
    expect(fromValue(v({ case: "int64ListVal", value: { val: [1n, 2n] } }))).toEqual([1n, 2n]);
    expect(fromValue(v({ case: "nullVal", value: 0 }))).toBeNull();
    expect(fromValue(create(ValueSchema))).toBeNull();
    expect(fromValue(undefined)).toBeNull();
  });
});

describe("getOnlineFeatures shapes", () => {
  it("builds Feast's columnar request", () => {
    const req = create(
      GetOnlineFeaturesRequestSchema,
      onlineRequest({
        features: ["v:a", "v:b"],
        entities: { vehicle_id: [1n, 2n] },
        requestContext: { quoted: [1.5, 2.5] },
        fullFeatureNames: true,
      }),
    );
    expect(req.selection).toMatchObject({ features: ["v:a", "v:b"], featureServices: [] });
    expect(req.entities.vehicle_id?.val.map((x) => x.val.value)).toEqual([1n, 2n]);
    expect(req.requestContext.quoted?.val.map((x) => x.val.value)).toEqual([1.5, 2.5]);
    expect(req.fullFeatureNames).toBe(true);
    const svc = create(
      GetOnlineFeaturesRequestSchema,
      onlineRequest({ featureServices: ["s", "t"], entities: {} }),
    );
    expect(svc.selection).toMatchObject({ features: [], featureServices: ["s", "t"] });
  });

  it("refuses features and featureServices together (the server names an empty selection)", () => {
    expect(() => onlineRequest({ features: ["v:a"], featureServices: ["s"], entities: {} })).toThrow(
      "getOnlineFeatures: give `features` or `featureServices`, not both",
    );
    expect(create(GetOnlineFeaturesRequestSchema, onlineRequest({ entities: {} })).selection).toMatchObject({
      features: [],
      featureServices: [],
    });
  });

  it("decodes the response into columns and rows with statuses and Dates", () => {
    const t1 = new Date("2026-01-01T10:00:00Z");
    const res = create(GetOnlineFeaturesResponseSchema, {
      metadata: { featureNames: { val: ["vehicle_id", "num_images"] } },
      results: [
        {
          values: [toValue(1n), toValue(2n)],
          statuses: [FieldStatus.PRESENT, FieldStatus.PRESENT],
          eventTimestamps: [timestampFromDate(t1), timestampFromDate(t1)],
        },
        {
          values: [toValue(7n), create(ValueSchema)],
          statuses: [FieldStatus.OUTSIDE_MAX_AGE, FieldStatus.NOT_FOUND],
          eventTimestamps: [timestampFromDate(t1)],
        },
      ],
    });
    const out = onlineResult(res);
    expect(out.featureNames).toEqual(["vehicle_id", "num_images"]);
    expect(out.columns[1]).toEqual({
      name: "num_images",
      values: [7n, null],
      statuses: ["OUTSIDE_MAX_AGE", "NOT_FOUND"],
      eventTimestamps: [t1, null], // the server sent one timestamp only
    });
    expect(out.rows).toEqual([
      { vehicle_id: 1n, num_images: 7n },
      { vehicle_id: 2n, num_images: null },
    ]);
  });
});

describe("historical shapes", () => {
  it("decodes typed columns with nulls; timestamps become Dates", () => {
    const ints = create(ColumnSchema, {
      name: "n",
      valueType: ValueType.INT64,
      nulls: [false, true, false],
      values: { case: "int64Values", value: { val: [MAX_INT64, 0n, -1n] } },
    });
    expect(columnValues(ints)).toEqual([MAX_INT64, null, -1n]);
    const ts = create(ColumnSchema, {
      name: "event_timestamp",
      values: { case: "timestampMicrosValues", value: { val: [1_767_225_600_123_456n] } },
    });
    expect(columnValues(ts)).toEqual([new Date("2026-01-01T00:00:00.123Z")]);
    const strs = create(ColumnSchema, {
      name: "s",
      values: { case: "stringValues", value: { val: ["a", "b"] } },
    });
    expect(columnValues(strs)).toEqual(["a", "b"]);
  });

  it("builds entity rows with timestamps", () => {
    const d = new Date("2026-01-01T00:00:00Z");
    const req = historicalRequest({
      features: ["v:f"],
      entityRows: { columns: { vehicle_id: [1n] }, eventTimestamps: [d] },
      options: { strict: true },
    });
    expect(req.entities).toMatchObject({ case: "entityRows" });
    expect(() =>
      historicalRequest({
        entityRows: { columns: {}, eventTimestamps: [] },
        entitySource: { source: "labels" },
      }),
    ).toThrow(/not both/);
  });
});

describe("push and health encodings", () => {
  it("maps the destination names", () => {
    expect(pushRequest({ source: "p", columns: {}, to: "online_and_offline" }).to).toBe(3);
    expect(pushRequest({ source: "p", columns: {} }).to).toBe(1);
  });

  it("encodes HealthCheckRequest and decodes HealthCheckResponse by hand", () => {
    expect([...encodeHealthCheckRequest("")]).toEqual([]);
    expect([...encodeHealthCheckRequest("ab")]).toEqual([0x0a, 2, 0x61, 0x62]);
    expect(encodeHealthCheckRequest("x".repeat(200)).subarray(0, 3)).toEqual(Buffer.from([0x0a, 0xc8, 0x01]));
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 0x01]))).toBe("SERVING");
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 0x02]))).toBe("NOT_SERVING");
    expect(decodeHealthCheckResponse(Buffer.alloc(0))).toBe("UNKNOWN");
    // An unknown length-delimited field is skipped.
    expect(decodeHealthCheckResponse(Buffer.from([0x12, 0x01, 0x00, 0x08, 0x03]))).toBe("SERVICE_UNKNOWN");
  });
});

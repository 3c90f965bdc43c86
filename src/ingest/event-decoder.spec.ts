import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { StreamSourceDef } from "../registry/model.js";
import { createEventDecoder, timeUsOf } from "./event-decoder.js";

const field = (name: string, dtype: ValueType) => ({ name, dtype, description: "", tags: {} });
const source: StreamSourceDef = {
  kind: "stream",
  name: "s",
  stream: { kind: "redis", connection: "", stream: "s", group: "g" },
  schema: [
    field("id", ValueType.INT64),
    field("n", ValueType.INT32),
    field("x", ValueType.DOUBLE),
    field("ok", ValueType.BOOL),
    field("who", ValueType.STRING),
    field("ts", ValueType.UNIX_TIMESTAMP),
  ],
  timestampField: "ts",
  batchSource: {
    kind: "file",
    name: "raw",
    path: "raw",
    timestampField: "ts",
    createdTimestampColumn: "created",
    fieldMapping: {},
    description: "",
    tags: {},
    owner: "",
  },
  description: "",
  tags: {},
  owner: "",
};

describe("stream event decoding", () => {
  const decode = createEventDecoder(source);

  it("accepts JSON values and Redis strings alike, times in µs", () => {
    const json = decode({ id: 7, n: -3, x: 1.5, ok: true, who: "a", ts: 1767225600123.456, extra: 1 });
    const text = decode({ id: "7", n: "-3", x: "1.5", ok: "1", who: "a", ts: "2026-01-01T00:00:00.123456Z" });
    expect(json).toEqual({
      ok: true,
      values: [7n, -3, 1.5, true, "a", 1767225600123456],
      eventTimeUs: 1767225600123456,
    });
    expect(text).toEqual(json);
  });

  it("rejects what does not fit, saying which column and why", () => {
    const base = { id: 7, n: 1, x: 1, ok: true, who: "a", ts: 1 };
    expect(decode({ ...base, x: null })).toMatchObject({
      ok: false,
      reason: "missing_column",
      message: 'column "x" is missing',
    });
    expect(decode({ ...base, n: 2 ** 31 })).toMatchObject({ ok: false, reason: "wrong_type" });
    expect(decode({ ...base, n: 1.5 })).toMatchObject({ ok: false, reason: "wrong_type" });
    expect(decode({ ...base, id: "12x" })).toMatchObject({ ok: false, reason: "wrong_type" });
    expect(decode({ ...base, x: "NaN" })).toMatchObject({ ok: false, reason: "wrong_type" });
    expect(decode({ ...base, who: 5 })).toMatchObject({ ok: false, reason: "wrong_type" });
    expect(decode({ ...base, ts: "yesterday" })).toMatchObject({ ok: false, reason: "bad_time" });
    expect(decode("text")).toMatchObject({ ok: false, reason: "not_an_object" });
    // The message stays bounded whatever the value.
    const long = decode({ ...base, n: "9".repeat(500) });
    expect(long.ok === false && long.message.length < 120).toBe(true);
  });

  it("reads times as ms numbers, digit strings or RFC 3339 with an offset", () => {
    expect(timeUsOf(1000)).toBe(1_000_000);
    expect(timeUsOf("1000")).toBe(1_000_000);
    expect(timeUsOf("1767225600123.456")).toBe(1_767_225_600_123_456);
    expect(timeUsOf("1970-01-01T01:00:00+01:00")).toBe(0);
    expect(timeUsOf("1970-01-01T00:00:01.5Z")).toBe(1_500_000);
    expect(timeUsOf("1970-01-01 00:00:01.000001Z")).toBe(1_000_001);
    expect(timeUsOf("2026-13-01T00:00:00Z")).toBeUndefined();
    expect(timeUsOf(Number.NaN)).toBeUndefined();
  });
});

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FieldDef } from "../registry/model.js";
import {
  createEntityKeyEncoder,
  deserializeEntityKey,
  projectOfStoredKey,
  serializeEntityKey,
} from "./entity-key.js";
import { murmur3_32, murmur3_32String } from "./murmur3.js";

const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("entity key serialization v3", () => {
  it("matches the SPEC's worked example for driver_id=1001, project my_proj", () => {
    const enc = createEntityKeyEncoder([field("driver_id", ValueType.INT64)], "my_proj");
    const expected =
      "01000000" +
      "02000000" +
      "09000000" +
      Buffer.from("driver_id").toString("hex") +
      "04000000" +
      "08000000" +
      "e903000000000000" +
      Buffer.from("my_proj").toString("hex");
    expect(hex(enc([1001n]))).toBe(expected);
  });

  it("matches Feast's published bytes (go/internal/feast/onlinestore Test_serializeEntityKey)", () => {
    // biome-ignore format: Feast's byte list, kept as published
    const feast = [1, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 100, 114, 105, 118, 101, 114, 95, 105, 100, 4, 0, 0, 0, 8, 0, 0, 0, 233, 3, 0, 0, 0, 0, 0, 0];
    expect([...serializeEntityKey([field("driver_id", ValueType.INT64)], [1001n])]).toEqual(feast);
  });

  it("sorts join keys by name and encodes each supported type", () => {
    const cols = [
      field("zone", ValueType.STRING),
      field("a_id", ValueType.INT32),
      field("blob", ValueType.BYTES),
      field("day", ValueType.UNIX_TIMESTAMP),
    ];
    const key = serializeEntityKey(cols, ["nö", -2, new Uint8Array([7, 8]), new Date(86_400_000)]);
    const w = (n: number) =>
      Buffer.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255]).toString("hex");
    const name = (s: string) => w(2) + w(s.length) + Buffer.from(s).toString("hex");
    const expected =
      w(4) +
      name("a_id") +
      name("blob") +
      name("day") +
      name("zone") +
      w(3) +
      w(4) +
      "feffffff" +
      w(1) +
      w(2) +
      "0708" +
      w(8) +
      w(8) +
      "8051010000000000" +
      w(2) +
      w(3) +
      Buffer.from("nö").toString("hex");
    expect(hex(key)).toBe(expected);
    expect(deserializeEntityKey(cols, key)).toEqual(["nö", -2, new Uint8Array([7, 8]), new Date(86_400_000)]);
  });

  it("keeps int64 precision and rejects null keys and unsupported key types", () => {
    const cols = [field("id", ValueType.INT64)];
    const big = 2n ** 63n - 1n;
    expect(deserializeEntityKey(cols, serializeEntityKey(cols, [big]))).toEqual([big]);
    expect(() => serializeEntityKey(cols, [null])).toThrow(/join key "id" is null/);
    expect(() => createEntityKeyEncoder([field("x", ValueType.DOUBLE)])).toThrow(/cannot be an entity key/);
  });
});

describe("projectOfStoredKey", () => {
  const cols = [field("driver_id", ValueType.INT64), field("city", ValueType.STRING)];
  it("is what follows the serialized entity key, which a suffix test cannot tell apart", () => {
    expect(projectOfStoredKey(createEntityKeyEncoder(cols, "b")([7n, "ab"]))).toBe("b");
    expect(projectOfStoredKey(createEntityKeyEncoder(cols, "ab")([7n, "x"]))).toBe("ab");
    expect(projectOfStoredKey(createEntityKeyEncoder(cols, "")([7n, "x"]))).toBe("");
    expect(
      projectOfStoredKey(createEntityKeyEncoder([field("driver_id", ValueType.INT64)], "my_proj")([1001n])),
    ).toBe("my_proj");
  });
  it("is undefined for bytes that are not a serialized key", () => {
    expect(projectOfStoredKey(new Uint8Array([1, 0]))).toBeUndefined();
    const key = createEntityKeyEncoder(cols, "p")([7n, "x"]);
    expect(projectOfStoredKey(key.subarray(0, 20))).toBeUndefined();
    expect(projectOfStoredKey(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
  });
});

describe("entity key encoder's in-place form", () => {
  it("writes at an offset exactly the bytes it returns, and reports their size", () => {
    const cols = [field("zone", ValueType.STRING), field("id", ValueType.INT64)];
    const encode = createEntityKeyEncoder(cols, "prōj");
    const keys = [
      ["", 0n],
      ["nö", -1n],
      ["x".repeat(300), 2n ** 62n],
    ];
    const out = Buffer.alloc(2000, 0xee);
    let pos = 3;
    for (const k of keys) {
      expect(encode.size(k)).toBe(encode(k).length);
      const end = encode.into(k, out, pos);
      expect(hex(out.subarray(pos, end))).toBe(hex(encode(k)));
      pos = end;
    }
    expect(out[pos]).toBe(0xee);
  });
});

describe("murmur3_32", () => {
  it("matches the reference test vectors", () => {
    expect(murmur3_32(new Uint8Array(0), 0)).toBe(0);
    expect(murmur3_32(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(murmur3_32String("hello")).toBe(0x248bfa47);
    expect(murmur3_32String("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723);
  });

  it("agrees with the murmurhash3js-revisited package on every tail length", () => {
    const require = createRequire(import.meta.url);
    const ref = require("murmurhash3js-revisited") as {
      x86: { hash32(b: Uint8Array, seed?: number): number };
    };
    for (const s of ["", "a", "ab", "abc", "abcd", "driver_hourly_stats:conv_rate", "vue:ünïcode"]) {
      const b = Buffer.from(s, "utf8");
      expect(murmur3_32(b)).toBe(ref.x86.hash32(b, 0));
    }
  });
});

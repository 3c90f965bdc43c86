import { describe, expect, it } from "vitest";
import { bytesOfSize, keyPartSql, splitPartCount } from "./key-split.js";

describe("splitPartCount", () => {
  it("is 1 while the rows fit one part, then the smallest power of two whose parts fit", () => {
    expect(splitPartCount(0n, 100)).toBe(1);
    expect(splitPartCount(100n, 100)).toBe(1);
    expect(splitPartCount(101n, 100)).toBe(2);
    expect(splitPartCount(800n, 100)).toBe(8);
    expect(splitPartCount(801n, 100)).toBe(16);
  });
  it("stops at 256 parts", () => {
    expect(splitPartCount(10n ** 12n, 100)).toBe(256);
  });
});

describe("bytesOfSize", () => {
  it("reads DuckDB's memory_limit setting and configured sizes, in binary units", () => {
    expect(bytesOfSize("1.8 GiB")).toBeCloseTo(1.8 * 1024 ** 3);
    expect(bytesOfSize("512.0 MiB")).toBe(512 * 1024 ** 2);
    expect(bytesOfSize("2GB")).toBe(2 * 1024 ** 3);
    expect(bytesOfSize("unlimited")).toBeNaN();
  });
});

describe("keyPartSql", () => {
  it("hashes every split key cast to its compared type", () => {
    expect(
      keyPartSql(
        [
          { name: "a", sqlType: "BIGINT" },
          { name: 'b"c', sqlType: "VARCHAR" },
        ],
        8,
      ),
    ).toBe('CAST(hash(CAST("a" AS BIGINT), CAST("b""c" AS VARCHAR)) % 8 AS INTEGER)');
  });
});

import { describe, expect, it } from "vitest";
import { parseTtl } from "./ttl.js";

describe("parseTtl", () => {
  it("accepts seconds and duration strings", () => {
    expect(parseTtl(undefined, "x")).toBe(0);
    expect(parseTtl(0, "x")).toBe(0);
    expect(parseTtl(3600, "x")).toBe(3600);
    expect(parseTtl("90s", "x")).toBe(90);
    expect(parseTtl("15m", "x")).toBe(900);
    expect(parseTtl("2h", "x")).toBe(7200);
    expect(parseTtl("30d", "x")).toBe(30 * 86400);
    expect(parseTtl("1w", "x")).toBe(604800);
    expect(parseTtl("1d12h", "x")).toBe(86400 + 12 * 3600);
    expect(parseTtl("120", "x")).toBe(120);
  });

  it.each([[-1], [1.5], ["2 hours"], ["h2"], [""], ["1y"]])("rejects %j naming where", (ttl) => {
    expect(() => parseTtl(ttl as number | string, 'FeatureView "v": ttl')).toThrow(
      /FeatureView "v": ttl: expected/,
    );
  });
});

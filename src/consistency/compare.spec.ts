import { describe, expect, it } from "vitest";
import { classifyPair, compareValues, exactlyEqual, relativeDifference } from "./compare.js";
import { featurePasses, mismatchRate } from "./report.js";

describe("relativeDifference", () => {
  it("is |a-b| / max(|a|,|b|)", () => {
    expect(relativeDifference(100, 99)).toBeCloseTo(0.01, 15);
    expect(relativeDifference(-2, 2)).toBe(2);
    expect(relativeDifference(0, 5)).toBe(1);
    expect(relativeDifference(0, 0)).toBe(0);
    expect(relativeDifference(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)).toBe(0);
    expect(relativeDifference(Number.POSITIVE_INFINITY, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(relativeDifference(Number.NaN, 1)).toBeNaN();
  });

  it("keeps int64 precision", () => {
    const big = 2n ** 62n;
    expect(relativeDifference(big, big)).toBe(0);
    // Different by one: as doubles these two are equal, as bigints they are not.
    expect(relativeDifference(big + 1n, big)).toBeGreaterThan(0);
    expect(relativeDifference(-5n, 5n)).toBe(2);
  });
});

describe("compareValues", () => {
  it("compares numbers with the relative tolerance, inclusive at the edge", () => {
    expect(compareValues(1.0, 1.0 + 1e-7, 1e-6).equal).toBe(true);
    expect(compareValues(1.0, 1.00001, 1e-6).equal).toBe(false);
    // Exactly at the tolerance passes: relative difference of 100 vs 99 is 0.01.
    const rd = relativeDifference(100, 99);
    expect(compareValues(100, 99, rd).equal).toBe(true);
    expect(compareValues(100, 99, rd * 0.999999).equal).toBe(false);
    expect(compareValues(3, 3, 0).equal).toBe(true);
    expect(compareValues(3, 4, 0).relativeDifference).toBe(0.25);
  });

  it("compares int64 and number sides as numbers", () => {
    expect(compareValues(10n, 10n, 0).equal).toBe(true);
    expect(compareValues(10n, 11n, 0).equal).toBe(false);
    expect(compareValues(10n, 10, 0).equal).toBe(true);
  });

  it("treats NaN as equal only to NaN", () => {
    expect(compareValues(Number.NaN, Number.NaN, 0).equal).toBe(true);
    expect(compareValues(Number.NaN, 1, 1).equal).toBe(false);
  });

  it("compares strings, bytes, booleans, dates and lists exactly", () => {
    expect(compareValues("a", "a", 1).equal).toBe(true);
    expect(compareValues("a", "A", 1).equal).toBe(false);
    expect(compareValues(new Uint8Array([1, 2]), new Uint8Array([1, 2]), 0).equal).toBe(true);
    expect(compareValues(new Uint8Array([1, 2]), new Uint8Array([1, 3]), 1).equal).toBe(false);
    expect(compareValues(new Uint8Array([1]), new Uint8Array([1, 0]), 1).equal).toBe(false);
    expect(compareValues(true, true, 0).equal).toBe(true);
    expect(compareValues(true, false, 1).equal).toBe(false);
    expect(compareValues(new Date(5), new Date(5), 0).equal).toBe(true);
    expect(compareValues(new Date(5), new Date(6), 1).equal).toBe(false);
    // Lists are exact even with a tolerance: [1.0] vs [1.0000001].
    expect(compareValues([1.0, 2.0], [1.0, 2.0], 0).equal).toBe(true);
    expect(compareValues([1.0], [1.0000001], 0.1).equal).toBe(false);
    expect(compareValues([1n, 2n], [1n], 0).equal).toBe(false);
    expect(compareValues(["a"], "a", 0).equal).toBe(false);
  });

  it("treats null as equal only to null", () => {
    expect(compareValues(null, null, 0).equal).toBe(true);
    expect(compareValues(null, 0, 1).equal).toBe(false);
    expect(compareValues("", null, 1).equal).toBe(false);
    expect(exactlyEqual([], [])).toBe(true);
  });
});

describe("classifyPair", () => {
  const online = (value: number, eventUs = 1000) => ({ value, eventUs });

  it("is equal or mismatched against the offline row at the online event time", () => {
    expect(
      classifyPair({ online: online(1), offlineAtOnlineTs: { value: 1 }, latestInWindowUs: 1000 }, 0),
    ).toEqual({
      outcome: "equal",
      relativeDifference: 0,
    });
    const r = classifyPair({ online: online(1), offlineAtOnlineTs: { value: 2 }, latestInWindowUs: 1000 }, 0);
    expect(r).toEqual({ outcome: "mismatched", relativeDifference: 0.5 });
  });

  it("is stale when a newer offline row is inside the materialized window", () => {
    const r = classifyPair(
      { online: online(1, 1000), offlineAtOnlineTs: { value: 1 }, latestInWindowUs: 2000 },
      0,
    );
    expect(r.outcome).toBe("stale_online");
    // An older latest row (the online value was pushed after the window) is not stale.
    const pushed = classifyPair(
      { online: online(1, 5000), offlineAtOnlineTs: undefined, latestInWindowUs: 2000 },
      0,
    );
    expect(pushed.outcome).toBe("online_only");
  });

  it("is online-only when there is no offline row at the online event time", () => {
    expect(
      classifyPair({ online: online(1), offlineAtOnlineTs: undefined, latestInWindowUs: undefined }, 0)
        .outcome,
    ).toBe("online_only");
  });

  it("is missing online when offline has a row in the window but online has none", () => {
    expect(
      classifyPair({ online: undefined, offlineAtOnlineTs: undefined, latestInWindowUs: 10 }, 0).outcome,
    ).toBe("missing_online");
    // Neither side has anything: not compared at all.
    expect(
      classifyPair({ online: undefined, offlineAtOnlineTs: undefined, latestInWindowUs: undefined }, 0)
        .outcome,
    ).toBeUndefined();
  });
});

describe("mismatch rate and verdict", () => {
  it("counts every non-equal outcome against the compared entities", () => {
    expect(mismatchRate({ compared: 10, equal: 7 })).toBeCloseTo(0.3, 15);
    expect(mismatchRate({ compared: 0, equal: 0 })).toBe(0);
  });

  it("passes at exactly the threshold and fails above it", () => {
    expect(featurePasses(0, 0)).toBe(true);
    expect(featurePasses(0.25, 0.25)).toBe(true);
    expect(featurePasses(0.2500001, 0.25)).toBe(false);
    expect(featurePasses(1 / 1000, 0)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { jensenShannonDistance, kolmogorovSmirnov, populationStabilityIndex } from "./drift-metrics.js";

describe("populationStabilityIndex", () => {
  it("matches hand-computed values", () => {
    // shares .5/.5 -> .25/.75: (-.25)ln(.5) + (.25)ln(1.5) = .25 ln 3
    expect(populationStabilityIndex([50, 50], [25, 75])).toBeCloseTo(0.25 * Math.log(3), 12);
    expect(populationStabilityIndex([50, 50], [25, 75])).toBeCloseTo(0.274653, 6);
    // the same shares at other totals: 0
    expect(populationStabilityIndex([1, 2, 3], [10, 20, 30])).toBe(0);
  });

  it("counts an empty bin as 1e-4 of the total", () => {
    // e = [1, 1e-4], a = [.5, .5]: (.5 - 1)ln(.5) + (.5 - 1e-4)ln(.5 / 1e-4)
    const expected = 0.5 * Math.log(2) + 0.4999 * Math.log(5000);
    expect(populationStabilityIndex([10, 0], [5, 5])).toBeCloseTo(expected, 12);
    expect(populationStabilityIndex([10, 0], [5, 5])).toBeCloseTo(4.604319, 5);
  });

  it("is null when a side has no values, and refuses different bins", () => {
    expect(populationStabilityIndex([0, 0], [1, 2])).toBeNull();
    expect(() => populationStabilityIndex([1], [1, 2])).toThrow(/different bins/);
  });
});

describe("kolmogorovSmirnov", () => {
  it("is the largest gap of the cumulative shares", () => {
    // cumulative .25 .75 1 against 0 .5 1
    expect(kolmogorovSmirnov([1, 2, 1], [0, 2, 2])).toBeCloseTo(0.25, 12);
    // disjoint: everything below against everything above
    expect(kolmogorovSmirnov([5, 0, 0], [0, 0, 7])).toBe(1);
    expect(kolmogorovSmirnov([3, 3], [1, 1])).toBe(0);
    expect(kolmogorovSmirnov([0, 0], [1, 1])).toBeNull();
  });
});

describe("jensenShannonDistance", () => {
  it("matches hand-computed values (base 2)", () => {
    // P = (.5, .5), Q = (1, 0), M = (.75, .25):
    // KL(P||M) = .5 log2(2/3) + .5 log2(2) = 0.2075187; KL(Q||M) = log2(4/3) = 0.4150375
    // JSD = 0.3112781, distance = sqrt = 0.5579230
    expect(jensenShannonDistance([1, 1], [1, 0])).toBeCloseTo(0.557923, 6);
    expect(jensenShannonDistance([3, 0], [0, 4])).toBeCloseTo(1, 12);
    expect(jensenShannonDistance([2, 6], [1, 3])).toBe(0);
    expect(jensenShannonDistance([0], [1])).toBeNull();
  });
});

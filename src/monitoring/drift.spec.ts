import { describe, expect, it } from "vitest";
import { Code } from "../errors/index.js";
import { checkThresholds, compareProfiles, DEFAULT_THRESHOLDS, featureDrift, referenceOf } from "./drift.js";
import type { FeatureProfile, Profile } from "./profile.js";

const quantiles = { p1: 0, p5: 0, p25: 0, p50: 0, p75: 0, p95: 0, p99: 0 };

function numeric(
  name: string,
  counts: number[],
  extra: Partial<FeatureProfile> = {},
  below = 0,
  above = 0,
): FeatureProfile {
  const n = counts.reduce((s, c) => s + c, 0) + below + above;
  return {
    name,
    valueType: "DOUBLE",
    kind: "numeric",
    rows: n,
    nonNull: n,
    coverage: 1,
    notFound: null,
    outsideMaxAge: null,
    numeric: {
      min: 0,
      max: 4,
      mean: 2,
      stddev: 1,
      quantiles,
      histogram: { edges: [0, 1, 2, 3, 4], counts, below, above },
    },
    categorical: null,
    ...extra,
  };
}

function categorical(name: string, top: [string, number][], nonNull: number): FeatureProfile {
  return {
    name,
    valueType: "STRING",
    kind: "categorical",
    rows: nonNull,
    nonNull,
    coverage: 1,
    notFound: null,
    outsideMaxAge: null,
    numeric: null,
    categorical: { distinct: top.length, top: top.map(([value, count]) => ({ value, count })) },
  };
}

const profile = (id: number, features: FeatureProfile[]): Profile => ({
  id,
  source: { kind: "feature_service", name: "svc" },
  window: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  features,
});

describe("featureDrift", () => {
  it("passes an unchanged feature and alerts on a shifted one", () => {
    const base = numeric("v:x", [10, 20, 40, 30]);
    expect(featureDrift(base, numeric("v:x", [10, 20, 40, 30]), DEFAULT_THRESHOLDS)).toMatchObject({
      psi: 0,
      ks: 0,
      verdict: "ok",
      reasons: [],
    });
    // Everything moved one bin up (the top bin's mass above the edges).
    const shifted = featureDrift(base, numeric("v:x", [0, 10, 20, 40], {}, 0, 30), DEFAULT_THRESHOLDS);
    expect(shifted.verdict).toBe("alert");
    // cumulative shares: .1 .3 .7 1 1 against 0 .1 .3 .7 1 (with the guards: 0 first)
    expect(shifted.ks).toBeCloseTo(0.4, 12);
    expect(shifted.reasons.join("; ")).toMatch(/PSI .* >= 0.25; KS 0.400 >= 0.2/);
  });

  it("judges coverage changes either way, in points", () => {
    const base = numeric("v:x", [25, 25, 25, 25], { coverage: 0.99 });
    const warn = featureDrift(base, numeric("v:x", [25, 25, 25, 25], { coverage: 0.93 }), DEFAULT_THRESHOLDS);
    expect(warn.verdict).toBe("warn");
    expect(warn.coverageChange).toBeCloseTo(-0.06, 12);
    const alert = featureDrift(base, numeric("v:x", [25, 25, 25, 25], { coverage: 0.6 }), DEFAULT_THRESHOLDS);
    expect(alert.verdict).toBe("alert");
    expect(alert.reasons).toEqual(["coverage change 0.390 >= 0.1"]);
  });

  it("compares categories over the baseline's values plus every other value", () => {
    const base = categorical(
      "v:c",
      [
        ["a", 50],
        ["b", 50],
      ],
      100,
    );
    // "b" replaced by "z": counts [a, b, other] = [50, 0, 50] against [50, 50, 0]
    const cur = categorical(
      "v:c",
      [
        ["a", 50],
        ["z", 50],
      ],
      100,
    );
    const d = featureDrift(base, cur, DEFAULT_THRESHOLDS);
    // JS of (.5,.5,0) and (.5,0,.5): M = (.5,.25,.25); JSD = .5(.5 log2 2) + .5(.5 log2 2) = .5
    expect(d.js).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(d.ks).toBeNull();
    expect(d.verdict).toBe("alert");
  });

  it("alerts on a feature missing from the current profile or without rows", () => {
    const base = numeric("v:x", [1, 1, 1, 1]);
    expect(featureDrift(base, undefined, DEFAULT_THRESHOLDS).verdict).toBe("alert");
    const empty = numeric("v:x", [0, 0, 0, 0], { rows: 0, nonNull: 0, coverage: 0 });
    expect(featureDrift(base, empty, DEFAULT_THRESHOLDS).reasons).toEqual(["no rows in the current window"]);
  });

  it("refuses to compare numbers binned on other edges", () => {
    const base = numeric("v:x", [1, 1, 1, 1]);
    const other = numeric("v:x", [1, 1, 1, 1]);
    if (other.numeric) other.numeric.histogram.edges = [0, 2, 4, 6, 8];
    const d = featureDrift(base, other, DEFAULT_THRESHOLDS);
    expect(d.psi).toBeNull();
    expect(d.verdict).toBe("warn");
  });
});

describe("compareProfiles", () => {
  it("gives the worst verdict and the reference a current profile needs", () => {
    const base = profile(1, [numeric("v:x", [1, 1, 1, 1]), categorical("v:c", [["a", 2]], 2)]);
    const report = compareProfiles(base, profile(2, [numeric("v:x", [1, 1, 1, 1])]), DEFAULT_THRESHOLDS);
    expect(report.verdict).toBe("alert");
    expect(report.features.map((f) => f.verdict)).toEqual(["ok", "alert"]);
    expect(referenceOf(base)).toEqual(
      new Map([
        ["v:x", { edges: [0, 1, 2, 3, 4] }],
        ["v:c", { categories: ["a"] }],
      ]),
    );
  });

  it("checks thresholds", () => {
    expect(checkThresholds(DEFAULT_THRESHOLDS)).toBe(DEFAULT_THRESHOLDS);
    expect(() => checkThresholds({ ...DEFAULT_THRESHOLDS, psi: { warn: 0.3, alert: 0.2 } })).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument }),
    );
  });
});

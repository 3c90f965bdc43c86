import { describe, expect, it } from "vitest";
import { histogramQuantile, type MetricsSample, servingSeries } from "./serving-series.js";

const INF = Number.POSITIVE_INFINITY;

describe("histogramQuantile (Prometheus's histogram_quantile)", () => {
  it("interpolates linearly inside the bucket holding the rank", () => {
    // 10 observations in (0, 1], 10 in (1, 2]: the median is the top of the first bucket,
    // p75 is halfway through the second.
    expect(histogramQuantile(0.5, [1, 2, INF], [10, 20, 20])).toBe(1);
    expect(histogramQuantile(0.75, [1, 2, INF], [10, 20, 20])).toBe(1.5);
    expect(histogramQuantile(0.05, [1, 2, INF], [10, 20, 20])).toBeCloseTo(0.1, 12);
  });

  it("answers the highest finite bound when the rank falls in +Inf, and null when empty", () => {
    expect(histogramQuantile(0.99, [1, 2, INF], [1, 1, 10])).toBe(2);
    expect(histogramQuantile(0.5, [1, 2, INF], [0, 0, 0])).toBeNull();
    expect(histogramQuantile(0.5, [], [])).toBeNull();
  });
});

const sample = (at: number, ok: number, errors: number, buckets: number[]): MetricsSample => ({
  at,
  requests: { GetOnlineFeatures: ok + errors },
  errors: errors > 0 ? { GetOnlineFeatures: { NOT_FOUND: errors } } : {},
  latency: { GetOnlineFeatures: { le: [0.001, 0.01, INF], cumulative: buckets } },
});

describe("servingSeries", () => {
  it("turns cumulative counters into rates and latency quantiles per interval", () => {
    const s = servingSeries([
      sample(0, 0, 0, [0, 0, 0]),
      // 20 calls in 2 s, all under 1 ms
      sample(2000, 20, 0, [20, 20, 20]),
      // 10 more calls in 1 s (2 failed), all between 1 and 10 ms
      sample(3000, 28, 2, [20, 30, 30]),
    ]);
    expect(s.methods).toEqual(["GetOnlineFeatures"]);
    expect(s.points.map((p) => p.rate)).toEqual([10, 10]);
    expect(s.points[0]?.byMethod.GetOnlineFeatures?.p50).toBeCloseTo(0.0005, 12);
    // the second interval's calls are all in (1 ms, 10 ms]: its median is halfway, 5.5 ms
    expect(s.points[1]?.byMethod.GetOnlineFeatures?.p50).toBeCloseTo(0.0055, 12);
    expect(s.points[1]?.byMethod.GetOnlineFeatures?.p99).toBeCloseTo(0.001 + 0.009 * 0.99, 12);
    expect(s.statuses).toEqual([
      { method: "GetOnlineFeatures", status: "OK", calls: 28 },
      { method: "GetOnlineFeatures", status: "NOT_FOUND", calls: 2 },
    ]);
    expect(s.since).toBe(new Date(0).toISOString());
  });

  it("has no points before two samples", () => {
    expect(servingSeries([]).points).toEqual([]);
    expect(servingSeries([sample(0, 1, 0, [1, 1, 1])]).points).toEqual([]);
  });
});

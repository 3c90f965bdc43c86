import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { ConsistencyReport, FeatureReport } from "./report.js";
import { formatConsistencyReport } from "./report-format.js";
import { reportToProto } from "./report-proto.js";

const base: Omit<FeatureReport, "feature" | "dtype"> = {
  featureView: "drivers",
  compared: 4,
  equal: 4,
  mismatched: 0,
  staleOnline: 0,
  missingOnline: 0,
  onlineOnly: 0,
  mismatchRate: 0,
  passed: true,
  examples: [],
};

describe("formatConsistencyReport", () => {
  it("prints one row per feature, the examples of failing features and the verdict", () => {
    const report: ConsistencyReport = {
      passed: false,
      entitiesChecked: 4,
      elapsedMs: 1234,
      tolerance: 1e-6,
      maxMismatchRate: 0,
      features: [
        { ...base, feature: "rate", dtype: ValueType.DOUBLE },
        {
          ...base,
          feature: "name",
          dtype: ValueType.STRING,
          equal: 3,
          mismatched: 1,
          mismatchRate: 0.25,
          passed: false,
          examples: [
            {
              entityKey: [{ name: "driver_id", dtype: ValueType.INT64, value: 7n }],
              kind: "mismatched",
              onlineValue: "a",
              offlineValue: "b",
              onlineEventTime: new Date(Date.UTC(2025, 0, 1)),
              offlineEventTime: new Date(Date.UTC(2025, 0, 1)),
              relativeDifference: undefined,
            },
          ],
        },
      ],
    };
    const text = formatConsistencyReport(reportToProto(report));
    const lines = text.split("\n");
    expect(lines[0]).toMatch(
      /^feature\s+compared\s+equal\s+mismatched\s+stale\s+missing\s+online-only\s+rate\s+result$/,
    );
    expect(lines[1]).toMatch(/^drivers:rate\s+4\s+4\s+0\s+0\s+0\s+0\s+0\.00%\s+PASS$/);
    expect(lines[2]).toMatch(/^drivers:name\s+4\s+3\s+1\s+0\s+0\s+0\s+25\.00%\s+FAIL$/);
    expect(text).toContain("examples of drivers:name:");
    expect(text).toContain(
      'mismatched     driver_id="7"  online "a" @ 2025-01-01T00:00:00.000Z  offline "b" @ 2025-01-01T00:00:00.000Z',
    );
    expect(text).toMatch(
      /FAILED: 1 of 2 features above the threshold \(4 entities, 2 features, tolerance 0\.000001, max mismatch rate 0, 1\.23 s\)\n$/,
    );
    expect(text).not.toContain("WARNING");
  });

  it("fails when nothing was compared, saying why", () => {
    const report: ConsistencyReport = {
      passed: true,
      entitiesChecked: 0,
      elapsedMs: 5,
      tolerance: 1e-6,
      maxMismatchRate: 0,
      features: [{ ...base, feature: "rate", dtype: ValueType.DOUBLE, compared: 0, equal: 0 }],
    };
    const text = formatConsistencyReport(reportToProto(report));
    expect(text).toMatch(
      /FAILED: nothing was compared: no sampled entity has an online value .*\(0 entities, 1 features/,
    );
    expect(text).toContain("after a change of online_store the new store starts empty");
    expect(text).not.toContain("PASSED");
  });
});

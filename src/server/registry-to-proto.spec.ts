import { describe, expect, it } from "vitest";
import { featureViewFreshness } from "./freshness.js";
import { durationOfMs, matchesTags } from "./registry-to-proto.js";

describe("durationOfMs", () => {
  it.each([
    [0, 0n, 0],
    [1500, 1n, 500_000_000],
    [0.000001, 0n, 1],
    [45480.95000000012, 45n, 480_950_000],
    [999.9999999999, 0n, 999_999_999],
    [86_400_000, 86_400n, 0],
  ])("%d ms is %d s + %d ns, nanos always a valid int32 below 1e9", (ms, seconds, nanos) => {
    const d = durationOfMs(ms);
    expect(d.seconds).toBe(seconds);
    expect(d.nanos).toBe(nanos);
    expect(Number.isInteger(d.nanos)).toBe(true);
  });
});

describe("matchesTags", () => {
  it("needs every filter tag with the same value", () => {
    expect(matchesTags({ a: "1", b: "2" }, {})).toBe(true);
    expect(matchesTags({ a: "1", b: "2" }, { a: "1" })).toBe(true);
    expect(matchesTags({ a: "1", b: "2" }, { a: "1", b: "2" })).toBe(true);
    expect(matchesTags({ a: "1" }, { a: "2" })).toBe(false);
    expect(matchesTags({ a: "1" }, { c: "" })).toBe(false);
  });
});

describe("featureViewFreshness", () => {
  const iv = (start: string, end: string) => ({
    featureView: "v",
    start: new Date(start),
    end: new Date(end),
    recorded: new Date(end),
  });
  const created = new Date("2026-01-01T10:00:00Z");
  it("is undefined before any materialization when nothing is scheduled", () => {
    const base = { intervals: [], online: true, created, now: new Date("2026-01-05T00:00:00Z") };
    expect(featureViewFreshness({ ...base, schedule: null })).toBeUndefined();
    // Offline-only views are not materialized by the schedule.
    expect(featureViewFreshness({ ...base, online: false, schedule: "0 0 * * *" })).toBeUndefined();
  });
  it("is due from the creation when never materialized: overdue once that first run is missed", () => {
    const base = { intervals: [], online: true, schedule: "0 0 * * *", created };
    // Daily at midnight UTC; grace 1 h (a tenth of the day is 2.4 h, capped at 1 h).
    const due = new Date("2026-01-02T00:00:00Z");
    expect(featureViewFreshness({ ...base, now: new Date("2026-01-01T12:00:00Z") })).toEqual({
      lastMaterializedEnd: undefined,
      ageMs: undefined,
      overdue: false,
      nextDue: due,
    });
    expect(featureViewFreshness({ ...base, now: new Date("2026-01-02T01:00:00Z") })?.overdue).toBe(false);
    expect(featureViewFreshness({ ...base, now: new Date("2026-01-02T01:00:01Z") })).toEqual({
      lastMaterializedEnd: undefined,
      ageMs: undefined,
      overdue: true,
      nextDue: due,
    });
  });
  it("uses the latest interval end, whatever the order", () => {
    const now = new Date("2026-01-03T00:00:00Z");
    const f = featureViewFreshness({
      intervals: [
        iv("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        iv("2025-12-01T00:00:00Z", "2025-12-02T00:00:00Z"),
      ],
      online: true,
      schedule: "0 0 * * *",
      created,
      now,
    });
    expect(f?.lastMaterializedEnd).toEqual(new Date("2026-01-02T00:00:00Z"));
    expect(f?.ageMs).toBe(86_400_000);
    // The run after the last end (2026-01-03T00:00Z) is due right now: not yet overdue.
    expect(f?.nextDue).toEqual(new Date("2026-01-03T00:00:00Z"));
    expect(f?.overdue).toBe(false);
  });
});

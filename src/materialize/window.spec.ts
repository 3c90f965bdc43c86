import { describe, expect, it } from "vitest";
import { Code } from "../errors/index.js";
import { checkWindow, incrementalStart, UNBOUNDED_TTL_LOOKBACK_MS } from "./window.js";

const end = new Date("2025-06-01T00:00:00Z");
const interval = (s: string, e: string) => ({
  featureView: "v",
  start: new Date(s),
  end: new Date(e),
  recorded: new Date(),
});

describe("incrementalStart", () => {
  it("starts at the latest recorded interval end, whatever the order", () => {
    const intervals = [
      interval("2025-05-01T00:00:00Z", "2025-05-20T00:00:00Z"),
      interval("2025-05-20T00:00:00Z", "2025-05-25T00:00:00Z"),
      interval("2025-04-01T00:00:00Z", "2025-05-01T00:00:00Z"),
    ];
    expect(incrementalStart(3600, intervals, end).toISOString()).toBe("2025-05-25T00:00:00.000Z");
  });
  it("without intervals starts at end - ttl", () => {
    expect(incrementalStart(2 * 3600, [], end).toISOString()).toBe("2025-05-31T22:00:00.000Z");
  });
  it("without intervals and ttl 0 reaches back 365 days", () => {
    expect(incrementalStart(0, [], end).getTime()).toBe(end.getTime() - UNBOUNDED_TTL_LOOKBACK_MS);
    expect(UNBOUNDED_TTL_LOOKBACK_MS).toBe(365 * 24 * 3600 * 1000);
  });
});

describe("checkWindow", () => {
  it("accepts start <= end", () => {
    expect(() => checkWindow(end, end)).not.toThrow();
  });
  it("rejects start after end and invalid instants with INVALID_ARGUMENT", () => {
    expect(() => checkWindow(new Date(end.getTime() + 1), end)).toThrow(
      expect.objectContaining({
        code: Code.InvalidArgument,
        message: expect.stringContaining("is after end time"),
      }),
    );
    expect(() => checkWindow(new Date(Number.NaN), end)).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument }),
    );
  });
});

/**
 * A seeded slice of the fuzzer (src/fuzz/, `npm run fuzz` runs 10,000 per
 * store): 800 malformed and hostile requests per store over every RPC (about 50 each) against a
 * real server process on SQLite and on a real redis-server. Any INTERNAL or
 * UNKNOWN answer, a crash or an unhealthy server after fails the test, with
 * the reproducers in the message.
 */
import { describe, expect, it } from "vitest";
import { formatReport, runFuzz } from "../src/fuzz/index.js";

describe("fuzzing", () => {
  it("answers 1,600 malformed requests without INTERNAL, UNKNOWN or a crash, and stays healthy", async () => {
    const reports = await runFuzz({
      seed: 20261206,
      count: 800,
      stores: ["sqlite", "redis"],
      timeLimitMs: 150_000,
      concurrency: 4,
      deadlineMs: 30_000,
    });
    for (const r of reports) {
      const text = formatReport(r);
      expect(r.crashed, text).toBeUndefined();
      expect(r.faultCount, text).toBe(0);
      expect(r.healthy, text).toBe(true);
      expect(r.sent, text).toBe(800);
      // Every method was exercised.
      for (const [method, counts] of r.statuses) {
        expect(
          [...counts.values()].reduce((a, b) => a + b, 0),
          `${method}\n${text}`,
        ).toBeGreaterThan(40);
      }
    }
  }, 400_000);
});

/**
 * Freshness: the last materialized end, its age, and the overdue rule against
 * the cron schedule. The next-fire computation is checked against node-cron's
 * own scheduler (an independent implementation) on many expressions.
 */
import cron from "node-cron";
import { describe, expect, it } from "vitest";
import { computeFreshness, defaultGraceMs, nextCronFire } from "../src/materialize/freshness.js";
import { driverDefinitions, tempRepo } from "./consistency-fixtures.js";
import { createMemoryRegistry, startTestServer, testConfig } from "./support/server.js";

const at = (iso: string) => new Date(iso);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe("nextCronFire", () => {
  it("finds the next fire time strictly after the given time (UTC)", () => {
    expect(nextCronFire("0 0 * * *", at("2025-03-10T12:00:00Z"))).toEqual(at("2025-03-11T00:00:00Z"));
    expect(nextCronFire("0 0 * * *", at("2025-03-10T00:00:00Z"))).toEqual(at("2025-03-11T00:00:00Z"));
    expect(nextCronFire("0 0 * * *", at("2025-03-09T23:59:59.999Z"))).toEqual(at("2025-03-10T00:00:00Z"));
    expect(nextCronFire("*/2 * * * * *", at("2025-03-10T00:00:01.500Z"))).toEqual(at("2025-03-10T00:00:02Z"));
    // Weekdays at 09:00: from Friday evening, the next is Monday.
    expect(nextCronFire("0 9 * * 1-5", at("2025-03-14T18:00:00Z"))).toEqual(at("2025-03-17T09:00:00Z"));
    // Last day of the month, across a leap February.
    expect(nextCronFire("0 0 L * *", at("2024-02-10T00:00:00Z"))).toEqual(at("2024-02-29T00:00:00Z"));
    expect(nextCronFire("0 0 1 * *", at("2025-12-15T00:00:00Z"))).toEqual(at("2026-01-01T00:00:00Z"));
    // Sunday as 7.
    expect(nextCronFire("0 0 * * 7", at("2025-03-10T00:00:00Z"))).toEqual(at("2025-03-16T00:00:00Z"));
  });

  it("agrees with node-cron's scheduler on many expressions", () => {
    const expressions = [
      "0 0 * * *",
      "*/5 * * * *",
      "15 3 * * *",
      "0 */6 * * *",
      "30 9 * * 1-5",
      "0 0 1 * *",
      "0 0 L * *",
      "0 12 * * 0",
      "*/10 * * * * *",
      "0 0 1 1 *",
      "0 0 * * 5L",
      "0 0 * * 1#2",
      "0 0 15W * *",
    ];
    for (const expression of expressions) {
      const task = cron.createTask(expression, () => {}, { timezone: "UTC" });
      task.start();
      try {
        // The clock may tick between our reading and node-cron's: either side must agree.
        const before = new Date();
        const expected = task.getNextRun();
        const after = new Date();
        expect(expected, expression).not.toBeNull();
        expect(
          [nextCronFire(expression, before), nextCronFire(expression, after)],
          expression,
        ).toContainEqual(expected);
      } finally {
        void task.destroy();
      }
    }
  });
});

describe("computeFreshness", () => {
  const intervalEnds = [at("2025-03-09T00:00:00Z"), at("2025-03-10T00:00:00Z"), at("2025-03-08T00:00:00Z")];

  it("reports the last end and its age", () => {
    const f = computeFreshness({ intervalEnds, schedule: null, now: at("2025-03-10T06:00:00Z") });
    expect(f).toEqual({
      lastMaterializedEnd: at("2025-03-10T00:00:00Z"),
      ageMs: 6 * HOUR,
      overdue: false,
      dueAt: undefined,
    });
  });

  it("is overdue only after the next scheduled run plus the grace", () => {
    // Daily at 00:00: the run after the 10th's end is due on the 11th at 00:00; grace is one hour (capped).
    expect(defaultGraceMs("0 0 * * *")).toBe(HOUR);
    const base = { intervalEnds, schedule: "0 0 * * *" };
    const due = at("2025-03-11T00:00:00Z").getTime();
    expect(computeFreshness({ ...base, now: new Date(due + HOUR) })).toMatchObject({
      overdue: false,
      dueAt: new Date(due),
    });
    expect(computeFreshness({ ...base, now: new Date(due + HOUR + 1) }).overdue).toBe(true);
    // An explicit grace.
    expect(computeFreshness({ ...base, now: new Date(due + 1), graceMs: 0 }).overdue).toBe(true);
    expect(computeFreshness({ ...base, now: new Date(due), graceMs: 0 }).overdue).toBe(false);
  });

  it("uses a tenth of the period as grace, at least a minute", () => {
    expect(defaultGraceMs("0 */6 * * *")).toBe(36 * MIN);
    expect(defaultGraceMs("*/2 * * * * *")).toBe(MIN);
  });

  it("is never overdue without a schedule, and not age-based without intervals", () => {
    expect(computeFreshness({ intervalEnds, schedule: null, now: at("2030-01-01T00:00:00Z") }).overdue).toBe(
      false,
    );
    const never = computeFreshness({
      intervalEnds: [],
      schedule: "0 0 * * *",
      now: at("2025-03-10T06:00:00Z"),
    });
    expect(never).toEqual({
      lastMaterializedEnd: undefined,
      ageMs: undefined,
      overdue: false,
      dueAt: undefined,
    });
  });

  it("calls a never-materialized view overdue once the first run after it was applied is missed", () => {
    const since = at("2025-03-10T06:00:00Z");
    const options = { intervalEnds: [], schedule: "0 0 * * *", since };
    expect(computeFreshness({ ...options, now: at("2025-03-11T00:30:00Z") }).overdue).toBe(false);
    expect(computeFreshness({ ...options, now: at("2025-03-11T01:00:01Z") }).overdue).toBe(true);
  });

  it("never reports a negative age (an interval ending in the future)", () => {
    const f = computeFreshness({
      intervalEnds: [at("2025-03-12T00:00:00Z")],
      schedule: null,
      now: at("2025-03-10T00:00:00Z"),
    });
    expect(f.ageMs).toBe(0);
  });
});

describe("GetFeatureView freshness", () => {
  it("reports the last end, its age and overdue against the schedule through the registry RPC", async () => {
    const repo = tempRepo("fstore-freshness-");
    const defs = driverDefinitions("data/none.parquet");
    const registry = createMemoryRegistry("fresh", defs);
    const hourly = testConfig(repo, { materialization: { schedule: "0 * * * *" } });
    const now = Date.now();
    // Materialized up to a minute ago: the hourly run after that is due at most a minute ago (at the
    // top of the hour), well inside the 6-minute grace, whatever the time of the hour.
    await registry.recordMaterializationInterval(
      "driver_stats",
      new Date(now - 2 * 3_600_000),
      new Date(now - MIN),
    );
    const t = await startTestServer({ config: hourly, registry });
    try {
      const fresh = (await t.client.getFeatureView("driver_stats")).freshness;
      expect(fresh?.lastMaterializedEnd).toEqual(new Date(now - MIN));
      expect(Math.abs((fresh?.ageMs ?? 0) - MIN)).toBeLessThan(30_000);
      expect(fresh?.overdue).toBe(false);
      // Last end 3 hours ago: two hourly runs were missed.
      const stale = createMemoryRegistry("fresh", defs);
      await stale.recordMaterializationInterval(
        "driver_stats",
        new Date(now - 5 * HOUR),
        new Date(now - 3 * HOUR),
      );
      const t2 = await startTestServer({ config: hourly, registry: stale });
      try {
        const late = (await t2.client.getFeatureView("driver_stats")).freshness;
        expect(late?.overdue).toBe(true);
        expect(Math.abs((late?.ageMs ?? 0) - 3 * HOUR)).toBeLessThan(30_000);
      } finally {
        await t2.shutdown();
      }
    } finally {
      await t.shutdown();
    }
  });
});

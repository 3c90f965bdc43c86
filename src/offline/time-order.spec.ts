import { describe, expect, it } from "vitest";
import type { TimeStats } from "./time-order.js";
import { packedBoundSql, packedOrderSql, timePacking, timeStatsOf } from "./time-order.js";

const S = 1_000_000n;
const stats = (over: Partial<TimeStats>): TimeStats => ({
  rows: 10n,
  minEvent: 1_700_000_000n * S,
  maxEvent: 1_700_086_400n * S,
  eventSeconds: true,
  eventMillis: true,
  minCreated: 1_700_000_000n * S,
  maxCreated: 1_700_090_000n * S,
  createdSeconds: true,
  createdMillis: true,
  ...over,
});

describe("timePacking", () => {
  it("packs whole seconds: event steps from the minimum, created codes 1.. above NULL's 0", () => {
    expect(timePacking(stats({}))).toEqual({
      minEvent: 1_700_000_000n * S,
      eventUnit: S,
      maxStep: 86_400n,
      minCreated: 1_700_000_000n * S,
      createdUnit: S,
      // codes 0..90_001 need 17 bits
      createdBits: 17,
    });
  });

  it("uses milliseconds or microseconds when the times are not whole seconds", () => {
    expect(timePacking(stats({ eventSeconds: false }))?.eventUnit).toBe(1_000n);
    expect(timePacking(stats({ eventSeconds: false, eventMillis: false }))?.eventUnit).toBe(1n);
    expect(timePacking(stats({ createdSeconds: false, createdMillis: false }))?.createdUnit).toBe(1n);
  });

  it("gives the created part no bits when every created time is NULL", () => {
    const p = timePacking(stats({ minCreated: null, maxCreated: null }));
    expect(p?.createdBits).toBe(0);
  });

  it("refuses what does not fit in 62 bits, and sources without rows", () => {
    // Microseconds over ~30 years on both sides: ~50 + ~50 bits.
    const wide = stats({
      minEvent: 0n,
      eventSeconds: false,
      eventMillis: false,
      minCreated: 0n,
      createdSeconds: false,
      createdMillis: false,
    });
    expect(timePacking(wide)).toBeNull();
    expect(timePacking(stats({ rows: 0n, minEvent: null, maxEvent: null }))).toBeNull();
    // Bounds of the entity side would overflow a BIGINT.
    expect(timePacking(stats({ minEvent: -(1n << 63n) + 5n, maxEvent: -(1n << 63n) + 5n }))).toBeNull();
  });

  it("reads the statistics row", () => {
    expect(timeStatsOf([3n, 1n, 2n, true, true, null, null, true, false])).toEqual({
      rows: 3n,
      minEvent: 1n,
      maxEvent: 2n,
      eventSeconds: true,
      eventMillis: true,
      minCreated: null,
      maxCreated: null,
      createdSeconds: true,
      createdMillis: false,
    });
  });
});

describe("packed SQL", () => {
  const p = timePacking(stats({})) ?? undefined;
  it("builds the row order and the entity bounds from integer literals only", () => {
    if (!p) throw new Error("no packing");
    expect(packedOrderSql(p, "ts", "cr")).toBe(
      "(((ts - CAST(1700000000000000 AS BIGINT)) // CAST(1000000 AS BIGINT)) * CAST(131072 AS BIGINT)" +
        " + coalesce((cr - CAST(1700000000000000 AS BIGINT)) // CAST(1000000 AS BIGINT) + 1, 0))",
    );
    const x =
      "(least(greatest(epoch_us(t), CAST(1699999999000000 AS BIGINT)), CAST(1700086401000000 AS BIGINT)) - CAST(1699999999000000 AS BIGINT))";
    expect(packedBoundSql(p, "t", false)).toBe(
      `((${x} // CAST(1000000 AS BIGINT) - 1) * CAST(131072 AS BIGINT) + CAST(131071 AS BIGINT))`,
    );
    expect(packedBoundSql(p, "t", true)).toBe(
      `(((${x} + CAST(999999 AS BIGINT)) // CAST(1000000 AS BIGINT) - 1) * CAST(131072 AS BIGINT))`,
    );
  });
});

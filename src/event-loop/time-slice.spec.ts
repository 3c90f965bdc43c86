import { describe, expect, it } from "vitest";
import { TimeSlice, yieldToLoop } from "./time-slice.js";

describe("TimeSlice", () => {
  it("lets a pending I/O callback run when the work yields", async () => {
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    await yieldToLoop();
    expect(ran).toBe(true);
  });

  it("is due once its budget is used, and starts afresh after yielding", async () => {
    const slice = new TimeSlice(1);
    const until = performance.now() + 2;
    while (performance.now() < until) {
      // busy for 2 ms
    }
    expect(slice.due()).toBe(true);
    await slice.yield();
    expect(slice.due()).toBe(false);
  });

  it("lets timers interleave with long work done in slices", async () => {
    const slice = new TimeSlice(1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const until = performance.now() + 30;
    while (performance.now() < until) await slice.maybeYield();
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});

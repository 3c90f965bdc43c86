import { describe, expect, it } from "vitest";
import { decideLease, type LeaseRow } from "./lease.js";

const req = (holder: string, slotMs: number) => ({ name: "schedule", holder, slotMs, ttlMs: 30_000 });
const row = (o: Partial<LeaseRow>): LeaseRow => ({
  holder: "a",
  slotMs: 1000,
  acquiredMs: 1000,
  expiresMs: 31_000,
  releasedMs: null,
  ...o,
});

describe("decideLease", () => {
  it("grants a free lease with an expiry of now + ttl", () => {
    expect(decideLease(undefined, req("b", 1000), 5000)).toEqual({
      kind: "grant",
      row: { holder: "b", slotMs: 1000, acquiredMs: 5000, expiresMs: 35_000, releasedMs: null },
    });
  });
  it("refuses while another holder's lease is alive, for its slot or a later one", () => {
    expect(decideLease(row({}), req("b", 1000), 30_999)).toMatchObject({ kind: "held", holder: "a" });
    expect(decideLease(row({}), req("b", 9000), 30_999)).toMatchObject({ kind: "held", holder: "a" });
  });
  it("says done for an earlier slot while another holder runs a later one (the earlier one is over)", () => {
    expect(decideLease(row({ slotMs: 5000 }), req("b", 1000), 30_999)).toEqual({ kind: "done", holder: "a" });
    // Expired: taken over as before.
    expect(decideLease(row({ slotMs: 5000 }), req("b", 1000), 31_000).kind).toBe("grant");
  });
  it("says done when the slot (or a later one) was released, and grants a later slot", () => {
    expect(decideLease(row({ releasedMs: 2000 }), req("b", 1000), 3000)).toEqual({
      kind: "done",
      holder: "a",
    });
    expect(decideLease(row({ releasedMs: 2000, slotMs: 5000 }), req("b", 1000), 3000).kind).toBe("done");
    expect(decideLease(row({ releasedMs: 2000 }), req("b", 2000), 3000).kind).toBe("grant");
  });
  it("takes over an expired, unreleased lease and reports the run as abandoned", () => {
    const d = decideLease(row({}), req("b", 1000), 31_000);
    expect(d).toMatchObject({
      kind: "grant",
      row: { holder: "b", slotMs: 1000 },
      abandoned: { holder: "a", slot: new Date(1000), acquired: new Date(1000), expired: new Date(31_000) },
    });
  });
});

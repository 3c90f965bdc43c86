import { describe, expect, it } from "vitest";
import { createAuthThrottle, peerAddress } from "./auth-throttle.js";

describe("auth throttle", () => {
  it("refuses a peer after maxFailures failures until its minute is over", () => {
    const t = createAuthThrottle({ maxFailures: 3 });
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfterMs("a", 1000 + i)).toBe(0);
      t.recordFailure("a", 1000 + i);
    }
    expect(t.retryAfterMs("a", 1010)).toBe(60_000 - 10);
    expect(t.retryAfterMs("b", 1010)).toBe(0);
    expect(t.retryAfterMs("a", 61_000)).toBe(0);
    t.recordFailure("a", 61_000);
    expect(t.retryAfterMs("a", 61_001)).toBe(0);
  });
  it("remembers a bounded number of peers, forgetting the oldest", () => {
    const t = createAuthThrottle({ maxFailures: 1, maxPeers: 2 });
    t.recordFailure("a", 0);
    t.recordFailure("b", 1);
    t.recordFailure("c", 2);
    expect(t.retryAfterMs("a", 3)).toBe(0);
    expect(t.retryAfterMs("b", 3)).toBeGreaterThan(0);
    expect(t.retryAfterMs("c", 3)).toBeGreaterThan(0);
  });
  it("keys peers by address, not port", () => {
    expect(peerAddress("ipv4:10.0.0.1:5123")).toBe("10.0.0.1");
    expect(peerAddress("ipv6:[::1]:5123")).toBe("::1");
    expect(peerAddress("127.0.0.1:80")).toBe("127.0.0.1");
    expect(peerAddress("unix:/tmp/s")).toBe("unix:/tmp/s");
  });
});

import { describe, expect, it } from "vitest";
import { firstDenied, isAllowed } from "./decide.js";
import type { Identity, PermissionDef, ProtectedObject } from "./model.js";

const piiReaders: PermissionDef = {
  name: "pii_readers",
  types: ["FeatureView", "OnDemandFeatureView"],
  namePatterns: [],
  requiredTags: { pii: "true" },
  actions: ["READ_ONLINE", "READ_OFFLINE"],
  policy: { kind: "role_based", roles: ["pii-reader"] },
};
const publicReaders: PermissionDef = {
  name: "public_readers",
  types: ["FeatureView"],
  namePatterns: ["driver_.*", ".*_stats"],
  requiredTags: {},
  actions: ["READ_ONLINE"],
  policy: { kind: "role_based", roles: ["reader", "pii-reader"] },
};

const alice: Identity = { name: "alice", roles: ["pii-reader"] };
const bob: Identity = { name: "bob", roles: ["reader"] };
const nobody: Identity = { name: "nobody", roles: [] };
const view = (name: string, tags: Record<string, string> = {}): ProtectedObject => ({
  type: "FeatureView",
  name,
  tags,
});

describe("isAllowed", () => {
  it("allows any authenticated caller when no permission is defined", () => {
    expect(isAllowed([], nobody, view("x"), "WRITE_ONLINE")).toBe(true);
  });

  it("grants through a matching permission whose policy holds one of the caller's roles", () => {
    expect(isAllowed([piiReaders], alice, view("p", { pii: "true" }), "READ_ONLINE")).toBe(true);
    expect(isAllowed([piiReaders], bob, view("p", { pii: "true" }), "READ_ONLINE")).toBe(false);
  });

  it("denies when permissions exist but none applies", () => {
    // Tag value differs, action not governed, type not listed: each leaves nothing applying.
    expect(isAllowed([piiReaders], alice, view("p", { pii: "false" }), "READ_ONLINE")).toBe(false);
    expect(isAllowed([piiReaders], alice, view("p", { pii: "true" }), "WRITE_ONLINE")).toBe(false);
    expect(
      isAllowed(
        [piiReaders],
        alice,
        { type: "FeatureService", name: "p", tags: { pii: "true" } },
        "READ_ONLINE",
      ),
    ).toBe(false);
  });

  it("needs every name pattern to match the whole name", () => {
    expect(isAllowed([publicReaders], bob, view("driver_stats"), "READ_ONLINE")).toBe(true);
    // matches ".*_stats" but not "driver_.*"
    expect(isAllowed([publicReaders], bob, view("car_stats"), "READ_ONLINE")).toBe(false);
    // "driver_.*" matches a prefix of the name only when anchored at both ends
    expect(isAllowed([publicReaders], bob, view("xdriver_stats"), "READ_ONLINE")).toBe(false);
  });

  it("is affirmative: one granting permission is enough", () => {
    const both = [piiReaders, publicReaders];
    expect(isAllowed(both, alice, view("driver_stats", { pii: "true" }), "READ_ONLINE")).toBe(true);
    expect(isAllowed(both, bob, view("driver_stats", { pii: "true" }), "READ_ONLINE")).toBe(true);
    expect(isAllowed(both, bob, view("driver_stats", { pii: "true" }), "READ_OFFLINE")).toBe(false);
  });
});

describe("firstDenied", () => {
  it("returns the first failing check in order", () => {
    const checks = [
      { object: view("driver_stats"), action: "READ_ONLINE" as const },
      { object: view("rider_profile", { pii: "true" }), action: "READ_ONLINE" as const },
    ];
    expect(firstDenied([piiReaders, publicReaders], alice, checks)).toBeUndefined();
    expect(firstDenied([piiReaders, publicReaders], bob, checks)).toBe(checks[1]);
  });
});

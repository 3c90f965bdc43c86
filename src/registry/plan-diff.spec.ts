import { describe, expect, it } from "vitest";
import { changedProperties, diffObjects, type NamedDef, type ObjectTable } from "./plan-diff.js";

const table = (entries: Partial<Record<string, (NamedDef & Record<string, unknown>)[]>>): ObjectTable =>
  new Map(
    Object.entries(entries).map(([k, v]) => [k, new Map((v ?? []).map((d) => [d.name, d]))]),
  ) as ObjectTable;

describe("diffObjects", () => {
  it("lists adds and changes in dependency order, removes in reverse", () => {
    const stored = table({
      entity: [{ name: "e", joinKeys: ["id"] }],
      feature_view: [
        { name: "kept", ttlSeconds: 60, tags: { a: "1", b: "2" } },
        { name: "gone", ttlSeconds: 1 },
      ],
      feature_service: [{ name: "old" }],
    });
    const next = table({
      entity: [{ name: "e", joinKeys: ["id"] }],
      feature_view: [
        { name: "kept", ttlSeconds: 120, tags: { b: "2", a: "1" } },
        { name: "new", ttlSeconds: 1 },
      ],
      feature_service: [{ name: "svc" }],
    });
    expect(diffObjects(stored, next)).toEqual([
      { kind: "change", objectType: "feature_view", name: "kept", details: ["ttl"] },
      { kind: "add", objectType: "feature_view", name: "new", details: [] },
      { kind: "add", objectType: "feature_service", name: "svc", details: [] },
      { kind: "remove", objectType: "feature_service", name: "old", details: [] },
      { kind: "remove", objectType: "feature_view", name: "gone", details: [] },
    ]);
  });

  it("reports nothing for equal tables", () => {
    const t = table({ entity: [{ name: "e" }] });
    expect(diffObjects(t, t)).toEqual([]);
  });
});

describe("changedProperties", () => {
  it("names changed properties in plan form, sorted", () => {
    expect(
      changedProperties(
        { name: "v", ttlSeconds: 1, features: [{ name: "a" }], udfSource: "x", description: "" },
        { name: "v", ttlSeconds: 2, features: [{ name: "b" }], udfSource: "y", description: "" },
      ),
    ).toEqual(["features", "ttl", "udf"]);
    expect(changedProperties({ name: "v" }, { name: "v", owner: "me" })).toEqual(["owner"]);
  });
});

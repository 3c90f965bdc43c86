import { describe, expect, it } from "vitest";
import type { RegistrySnapshot } from "../registry/registry.js";
import { storedProfileChecks } from "./object-checks.js";

const tagged = (name: string, tags: Record<string, string> = {}) => ({ name, tags });
// Only the fields the checks read: names, tags, a service's projections, an on-demand view's sources.
const snapshot = {
  featureViews: new Map([
    ["profile", tagged("profile", { pii: "true" })],
    ["activity", tagged("activity")],
  ]),
  onDemandFeatureViews: new Map([
    ["age_bucket", { ...tagged("age_bucket"), sources: [{ featureView: "profile" }] }],
  ]),
  featureServices: new Map([
    [
      "mixed",
      {
        ...tagged("mixed"),
        projections: [{ featureView: "profile" }, { featureView: "activity" }],
      },
    ],
  ]),
} as unknown as RegistrySnapshot;

const objects = (checks: { object: { type: string; name: string }; action: string }[]) =>
  checks.map((c) => `${c.action} ${c.object.type} ${c.object.name}`);

describe("storedProfileChecks", () => {
  it("checks a view's profile on the view, an on-demand view's on its inputs too", () => {
    const profile = (name: string) => ({
      source: { kind: "feature_view" as const, name },
      features: [{ name: `${name}:f` }],
    });
    expect(objects(storedProfileChecks(snapshot, profile("activity"), ["READ_OFFLINE"]))).toEqual([
      "READ_OFFLINE FeatureView activity",
    ]);
    expect(objects(storedProfileChecks(snapshot, profile("age_bucket"), ["READ_OFFLINE"]))).toEqual([
      "READ_OFFLINE OnDemandFeatureView age_bucket",
      "READ_OFFLINE FeatureView profile",
    ]);
  });

  it("checks a service's (or its serving logs') profile on the service and its views, once each", () => {
    for (const kind of ["feature_service", "serving_log"] as const) {
      const checks = storedProfileChecks(
        snapshot,
        { source: { kind, name: "mixed" }, features: [{ name: "profile:age" }, { name: "activity:clicks" }] },
        ["READ_OFFLINE"],
      );
      expect(objects(checks)).toEqual([
        "READ_OFFLINE FeatureService mixed",
        "READ_OFFLINE FeatureView profile",
        "READ_OFFLINE FeatureView activity",
      ]);
    }
  });

  it("checks a training set's profile on the views its features name, in either naming", () => {
    const checks = storedProfileChecks(
      snapshot,
      {
        source: { kind: "training_set", name: "/out/t.parquet" },
        // "view:feature" (profiled for a service), "view__feature" columns, and plain columns.
        features: [
          { name: "activity:clicks" },
          { name: "profile__age" },
          { name: "label" },
          { name: "x__y" },
        ],
      },
      ["READ_OFFLINE"],
    );
    expect(objects(checks)).toEqual([
      "READ_OFFLINE FeatureView activity",
      "READ_OFFLINE FeatureView profile",
    ]);
  });

  it("leaves out what the registry no longer holds", () => {
    expect(
      storedProfileChecks(
        snapshot,
        { source: { kind: "feature_view", name: "gone" }, features: [{ name: "gone:f" }] },
        ["READ_OFFLINE"],
      ),
    ).toEqual([]);
  });
});

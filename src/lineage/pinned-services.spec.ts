import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { pinnedIncompatibilities } from "./pinned-services.js";

const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });
const snapshot = (views: Pick<FeatureViewDef, "name" | "features">[]): RegistrySnapshot =>
  ({
    project: "p",
    version: 1,
    featureViews: new Map(views.map((v) => [v.name, v])),
    onDemandFeatureViews: new Map(),
  }) as unknown as RegistrySnapshot;

const pinned = {
  service: "s",
  version: 1,
  features: [
    { view: "a", feature: field("x", ValueType.INT64) },
    { view: "a", feature: field("y", ValueType.DOUBLE) },
    { view: "b", feature: field("z", ValueType.STRING) },
    { view: "b", feature: field("w", ValueType.STRING) },
  ],
};

describe("pinnedIncompatibilities", () => {
  it("is empty when every feature is still there with its type (extra features are fine)", () => {
    const snap = snapshot([
      {
        name: "a",
        features: [field("x", ValueType.INT64), field("y", ValueType.DOUBLE), field("new", ValueType.BOOL)],
      },
      { name: "b", features: [field("z", ValueType.STRING), field("w", ValueType.STRING)] },
    ]);
    expect(pinnedIncompatibilities(pinned, snap)).toEqual([]);
  });

  it("names removed features, retyped features and removed views (once)", () => {
    const snap = snapshot([{ name: "a", features: [field("y", ValueType.INT64)] }]);
    expect(pinnedIncompatibilities(pinned, snap)).toEqual([
      'feature "a:x" was removed',
      'feature "a:y" was retyped from DOUBLE to INT64',
      'feature view "b" was removed',
    ]);
  });
});

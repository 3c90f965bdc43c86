import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { Code, FstoreError } from "../errors/index.js";
import type { FeatureSelection } from "../registry/feature-selection.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { checkUniqueColumns, planFeatures } from "./feature-plan.js";

const f = (name: string, dtype = ValueType.DOUBLE) => ({ name, dtype, description: "", tags: {} });
const described = { description: "", tags: {}, owner: "" };
const view = (name: string, keys: string[], features: string[]): FeatureViewDef => ({
  name,
  entities: keys,
  entityColumns: keys.map((k) => f(k, ValueType.INT64)),
  features: features.map((x) => f(x)),
  ttlSeconds: 0,
  source: {
    kind: "file",
    name: `${name}_src`,
    path: "x",
    timestampField: "ts",
    createdTimestampColumn: "",
    fieldMapping: {},
    ...described,
  },
  online: true,
  ...described,
});
const snapshot: RegistrySnapshot = {
  project: "p",
  version: 1,
  entities: new Map(),
  dataSources: new Map(),
  featureViews: new Map([
    ["a", view("a", ["id"], ["x", "y"])],
    ["b", view("b", ["id", "zone"], ["x", "z"])],
  ]),
  featureServices: new Map([
    ["svc", { name: "svc", projections: [{ featureView: "b", features: [] }], ...described }],
    [
      "svc2",
      {
        name: "svc2",
        projections: [
          { featureView: "a", features: ["x"] },
          { featureView: "b", features: ["z"] },
        ],
        ...described,
      },
    ],
    ["odfv_svc", { name: "odfv_svc", projections: [{ featureView: "odfv", features: [] }], ...described }],
  ]),
  onDemandFeatureViews: new Map([
    ["odfv", { name: "odfv", sources: [], requestSchema: [], features: [], udfSource: "", ...described }],
    [
      "diff",
      {
        name: "diff",
        sources: [{ featureView: "a", features: ["x", "y"] }],
        requestSchema: [f("r")],
        features: [f("d")],
        udfSource: "",
        ...described,
      },
    ],
  ]),
  meta: new Map(),
};

function codeOf(fn: () => unknown): Code | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof FstoreError ? e.code : undefined;
  }
  return undefined;
}

const refs = (...r: string[]): FeatureSelection => ({ kind: "features", refs: r });
const services = (...names: string[]): FeatureSelection => ({ kind: "services", names });

describe("feature plan", () => {
  it("groups references by view, reads each feature once, unions join keys", () => {
    const plan = planFeatures(snapshot, refs("b:z", "a:y", "b:x", "b:z"), true);
    expect(plan.views.map((v) => [v.view.name, v.outputNames])).toEqual([
      ["b", ["b__z", "b__x"]],
      ["a", ["a__y"]],
    ]);
    expect(plan.joinKeys.map((k) => k.name)).toEqual(["id", "zone"]);
  });

  it("expands several services in order, a feature in two of them once", () => {
    const plan = planFeatures(snapshot, services("svc2", "svc"), true);
    expect(plan.views.map((v) => [v.view.name, v.outputNames])).toEqual([
      ["a", ["a__x"]],
      ["b", ["b__z", "b__x"]],
    ]);
  });

  it("reads an on-demand view's inputs as hidden columns unless requested, and puts its outputs last", () => {
    const plan = planFeatures(snapshot, refs("diff:d", "a:x"), true);
    expect(plan.views.map((v) => [v.view.name, v.outputNames, v.hidden])).toEqual([
      ["a", ["a__x", "__in0_1"], [false, true]],
    ]);
    expect(plan.odfvs.map((o) => [o.odfv.name, o.outputNames, o.requestFields.map((r) => r.name)])).toEqual([
      ["diff", ["diff__d"], ["r"]],
    ]);
    expect(plan.odfvs[0]?.inputs.map((i) => i.name)).toEqual(["x", "a__x", "y", "a__y"]);
    expect(plan.joinKeys.map((k) => k.name)).toEqual(["id"]);
  });

  it("names unknown views, features and services (NOT_FOUND), also of on-demand views", () => {
    expect(codeOf(() => planFeatures(snapshot, refs("nope:x"), false))).toBe(Code.NotFound);
    expect(codeOf(() => planFeatures(snapshot, refs("a:nope"), false))).toBe(Code.NotFound);
    expect(codeOf(() => planFeatures(snapshot, services("nope"), false))).toBe(Code.NotFound);
    expect(codeOf(() => planFeatures(snapshot, services("svc", "nope"), false))).toBe(Code.NotFound);
    expect(codeOf(() => planFeatures(snapshot, refs("odfv:x"), false))).toBe(Code.NotFound);
    // The on-demand view of odfv_svc has no features: nothing is requested.
    expect(codeOf(() => planFeatures(snapshot, services("odfv_svc"), false))).toBe(Code.InvalidArgument);
    expect(codeOf(() => planFeatures(snapshot, refs(), false))).toBe(Code.InvalidArgument);
  });

  it("refuses clashing output columns with the fix in the message", () => {
    expect(() =>
      checkUniqueColumns([
        { name: "x", from: 'feature "a:x"' },
        { name: "x", from: 'feature "b:x"' },
      ]),
    ).toThrow(/set full_feature_names/);
  });
});

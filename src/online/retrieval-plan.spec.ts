import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FieldDef, OnDemandFeatureViewDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { planRetrieval, selectedRefs } from "./retrieval-plan.js";

const described = { description: "", tags: {}, owner: "" };
const field = (name: string, dtype = ValueType.DOUBLE): FieldDef => ({ name, dtype, ...described });
const view = (name: string, keys: FieldDef[], features: string[], online = true): FeatureViewDef => ({
  ...described,
  name,
  entities: keys.map((k) => k.name),
  entityColumns: keys,
  features: features.map((f) => field(f)),
  ttlSeconds: 0,
  source: {
    ...described,
    kind: "file",
    name: "s",
    path: "x",
    timestampField: "ts",
    createdTimestampColumn: "",
    fieldMapping: {},
  },
  online,
});
const id = field("id", ValueType.INT64);
const zone = field("zone", ValueType.STRING);
const a = view("a", [id], ["x", "y", "shared"]);
const b = view("b", [id, zone], ["z", "shared"]);
const offline = view("off", [id], ["q"], false);
const odfv: OnDemandFeatureViewDef = {
  ...described,
  name: "od",
  sources: [{ featureView: "a", features: ["y"] }],
  requestSchema: [field("r")],
  features: [field("out")],
  udfSource: "(i) => ({ out: i.y })",
};
const snapshot: RegistrySnapshot = {
  project: "p",
  version: 1,
  entities: new Map(),
  dataSources: new Map(),
  featureViews: new Map([a, b, offline].map((v) => [v.name, v])),
  featureServices: new Map([
    [
      "svc",
      {
        ...described,
        name: "svc",
        projections: [
          { featureView: "a", features: [] },
          { featureView: "od", features: ["out"] },
        ],
      },
    ],
    [
      "svc_b",
      {
        ...described,
        name: "svc_b",
        projections: [
          { featureView: "b", features: ["z"] },
          { featureView: "a", features: ["x"] },
        ],
      },
    ],
  ]),
  onDemandFeatureViews: new Map([["od", odfv]]),
  meta: new Map(),
};

describe("planRetrieval", () => {
  it("orders join keys by first use and outputs by request; ODFV sources fetched but not output", () => {
    const plan = planRetrieval(snapshot, { kind: "features", refs: ["od:out", "b:z", "a:x"] }, false);
    expect(plan.joinKeys.map((k) => k.name)).toEqual(["id", "zone"]);
    expect(plan.outputs.map((o) => o.name)).toEqual(["out", "z", "x"]);
    expect(plan.reads.map((r) => [r.view.name, r.features])).toEqual([
      ["a", ["y", "x"]],
      ["b", ["z"]],
    ]);
    expect(plan.requestFields.map((f) => f.name)).toEqual(["r"]);
    expect(plan.odfvs[0]?.inputs.map((i) => i.name)).toEqual(["y", "a__y", "r"]);
  });

  it("expands a feature service (empty projection = all features) and deduplicates", () => {
    expect(selectedRefs(snapshot, { kind: "services", names: ["svc"] })).toEqual([
      "a:x",
      "a:y",
      "a:shared",
      "od:out",
    ]);
    expect(selectedRefs(snapshot, { kind: "features", refs: ["a:x", "a:x"] })).toEqual(["a:x"]);
  });

  it("expands several services in order, a feature in two of them once", () => {
    expect(selectedRefs(snapshot, { kind: "services", names: ["svc_b", "svc"] })).toEqual([
      "b:z",
      "a:x",
      "a:y",
      "a:shared",
      "od:out",
    ]);
    expect(() => selectedRefs(snapshot, { kind: "services", names: ["svc", "nope"] })).toThrow(
      'feature service "nope" not found in project "p"',
    );
  });

  it("names every unknown view and feature in one NOT_FOUND", () => {
    expect(() =>
      planRetrieval(snapshot, { kind: "features", refs: ["a:nope", "ghost:x", "a:x"] }, false),
    ).toThrow('not found in project "p": feature "nope" in view "a", feature view "ghost"');
    expect(() => planRetrieval(snapshot, { kind: "services", names: ["missing"] }, false)).toThrow(
      'feature service "missing" not found in project "p"',
    );
  });

  it("rejects ambiguous output names unless full feature names are used", () => {
    expect(() =>
      planRetrieval(snapshot, { kind: "features", refs: ["a:shared", "b:shared"] }, false),
    ).toThrow(/"shared" is ambiguous.*full_feature_names/);
    const plan = planRetrieval(snapshot, { kind: "features", refs: ["a:shared", "b:shared"] }, true);
    expect(plan.outputs.map((o) => o.name)).toEqual(["a__shared", "b__shared"]);
  });

  it("refuses a view that is not served online", () => {
    expect(() => planRetrieval(snapshot, { kind: "features", refs: ["off:q"] }, false)).toThrow(
      /not served online/,
    );
  });
});

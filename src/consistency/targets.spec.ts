import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { Code, FstoreError } from "../errors/index.js";
import type { FeatureSelection } from "../registry/feature-selection.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { resolveTargets } from "./targets.js";

const described = { description: "", tags: {}, owner: "" };
const field = (name: string): FieldDef => ({ name, dtype: ValueType.DOUBLE, description: "", tags: {} });
const view = (name: string, features: string[], online = true): FeatureViewDef => ({
  name,
  entities: ["e"],
  entityColumns: [{ ...field("id"), dtype: ValueType.INT64 }],
  features: features.map(field),
  ttlSeconds: 0,
  source: {
    kind: "file",
    name: `${name}_src`,
    path: "x.parquet",
    timestampField: "ts",
    createdTimestampColumn: "",
    fieldMapping: {},
    ...described,
  },
  online,
  ...described,
});

const snapshot: RegistrySnapshot = {
  project: "p",
  version: 1,
  entities: new Map(),
  dataSources: new Map(),
  featureViews: new Map([
    ["b", view("b", ["x", "y", "z"])],
    ["a", view("a", ["p", "q"])],
    ["off", view("off", ["r"], false)],
  ]),
  featureServices: new Map([
    [
      "svc",
      {
        name: "svc",
        projections: [
          { featureView: "b", features: ["z", "x"] },
          { featureView: "odfv", features: ["diff"] },
        ],
        ...described,
      },
    ],
    ["svc_off", { name: "svc_off", projections: [{ featureView: "off", features: ["r"] }], ...described }],
    // An empty projection stands for every feature of the view.
    ["svc_all_a", { name: "svc_all_a", projections: [{ featureView: "a", features: [] }], ...described }],
  ]),
  onDemandFeatureViews: new Map([
    [
      "odfv",
      {
        name: "odfv",
        sources: [],
        requestSchema: [],
        features: [field("diff")],
        udfSource: "",
        ...described,
      },
    ],
  ]),
  meta: new Map(),
};

const names = (t: ReturnType<typeof resolveTargets>) =>
  t.map((x) => `${x.view.name}[${x.features.join(",")}]`);

function code(f: () => unknown): Code | undefined {
  try {
    f();
  } catch (err) {
    return (err as FstoreError).code;
  }
  return undefined;
}

const services = (...names: string[]): FeatureSelection => ({ kind: "services", names });
const refs = (...r: string[]): FeatureSelection => ({ kind: "features", refs: r });

describe("resolveTargets", () => {
  it("defaults to every online view, sorted, with all features", () => {
    expect(names(resolveTargets(snapshot, { featureViews: [], features: undefined }))).toEqual([
      "a[p,q]",
      "b[x,y,z]",
    ]);
  });

  it("takes a service's projections in view order, skipping on-demand views", () => {
    expect(names(resolveTargets(snapshot, { featureViews: [], features: services("svc") }))).toEqual([
      "b[x,z]",
    ]);
  });

  it("unions named views and a service", () => {
    expect(names(resolveTargets(snapshot, { featureViews: ["a"], features: services("svc") }))).toEqual([
      "a[p,q]",
      "b[x,z]",
    ]);
  });

  it("takes feature references, and several services, feature by feature", () => {
    expect(
      names(resolveTargets(snapshot, { featureViews: [], features: refs("b:z", "a:q", "b:x", "b:z") })),
    ).toEqual(["a[q]", "b[x,z]"]);
    expect(
      names(resolveTargets(snapshot, { featureViews: [], features: services("svc", "svc_all_a") })),
    ).toEqual(["a[p,q]", "b[x,z]"]);
  });

  it("rejects a reference to an on-demand view, unknown features and malformed references", () => {
    expect(code(() => resolveTargets(snapshot, { featureViews: [], features: refs("odfv:diff") }))).toBe(
      Code.InvalidArgument,
    );
    expect(code(() => resolveTargets(snapshot, { featureViews: [], features: refs("a:nope") }))).toBe(
      Code.NotFound,
    );
    expect(code(() => resolveTargets(snapshot, { featureViews: [], features: refs("nope:x") }))).toBe(
      Code.NotFound,
    );
    expect(code(() => resolveTargets(snapshot, { featureViews: [], features: refs("off:r") }))).toBe(
      Code.FailedPrecondition,
    );
    expect(code(() => resolveTargets(snapshot, { featureViews: [], features: refs("a") }))).toBe(
      Code.InvalidArgument,
    );
  });

  it("rejects unknown names and offline-only views precisely", () => {
    expect(code(() => resolveTargets(snapshot, { featureViews: ["nope"], features: undefined }))).toBe(
      Code.NotFound,
    );
    expect(code(() => resolveTargets(snapshot, { featureViews: [], features: services("nope") }))).toBe(
      Code.NotFound,
    );
    expect(code(() => resolveTargets(snapshot, { featureViews: ["off"], features: undefined }))).toBe(
      Code.FailedPrecondition,
    );
    expect(code(() => resolveTargets(snapshot, { featureViews: [], features: services("svc_off") }))).toBe(
      Code.FailedPrecondition,
    );
    expect(code(() => resolveTargets(snapshot, { featureViews: [""], features: undefined }))).toBe(
      Code.InvalidArgument,
    );
    try {
      resolveTargets(snapshot, { featureViews: ["nope"], features: undefined });
    } catch (err) {
      expect(err).toBeInstanceOf(FstoreError);
      expect((err as Error).message).toBe('feature view "nope" not found (known views: a, b, off)');
    }
  });
});

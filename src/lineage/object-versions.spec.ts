import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureServiceDef, FeatureViewDef, FileSourceDef, RepoDefinitions } from "../registry/model.js";
import { contentHash, parseVersionedName, versionsToCreate } from "./object-versions.js";

const described = { description: "", tags: {}, owner: "" };
const source: FileSourceDef = {
  kind: "file",
  name: "src",
  path: "data/x.parquet",
  timestampField: "ts",
  createdTimestampColumn: "",
  fieldMapping: {},
  ...described,
};
const view = (ttlSeconds: number): FeatureViewDef => ({
  name: "v",
  entities: [],
  entityColumns: [],
  features: [{ name: "f", dtype: ValueType.INT64, description: "", tags: {} }],
  ttlSeconds,
  source,
  online: true,
  ...described,
});
const service: FeatureServiceDef = {
  name: "s",
  projections: [{ featureView: "v", features: ["f"] }],
  ...described,
};
const defs = (ttl: number): RepoDefinitions => ({
  entities: [],
  dataSources: [source],
  featureViews: [view(ttl)],
  featureServices: [service],
  onDemandFeatureViews: [],
});
const provenance = { appliedAt: new Date(0), appliedBy: "alice", gitCommit: "abc", gitDirty: true };

describe("contentHash", () => {
  it("ignores key order and changes with any value", () => {
    expect(contentHash({ a: 1, b: [1, 2] })).toBe(contentHash({ b: [1, 2], a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash({ a: 1 })).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("versionsToCreate", () => {
  it("creates version 1 of everything first, with provenance and the service's view version", () => {
    const created = versionsToCreate(defs(60), new Map(), provenance);
    expect(created.map((v) => `${v.kind}/${v.name}@${v.version}`)).toEqual([
      "data_source/src@1",
      "feature_view/v@1",
      "feature_service/s@1",
    ]);
    expect(created[2]).toMatchObject({ appliedBy: "alice", gitCommit: "abc", gitDirty: true });
    expect(created[2]?.dependencies).toEqual({ "feature_view/v": 1 });
  });

  it("creates versions only for changed objects; dependencies point at new versions", () => {
    const first = versionsToCreate(defs(60), new Map(), provenance);
    const latest = new Map(
      first.map((v) => [`${v.kind}/${v.name}`, { version: v.version, contentHash: v.contentHash }]),
    );
    expect(versionsToCreate(defs(60), latest, provenance)).toEqual([]);
    const changed = versionsToCreate(defs(120), latest, provenance);
    expect(changed.map((v) => `${v.kind}/${v.name}@${v.version}`)).toEqual(["feature_view/v@2"]);
    // A service changed in the same apply depends on the view's new version.
    const both = versionsToCreate(
      { ...defs(120), featureServices: [{ ...service, description: "new" }] },
      latest,
      provenance,
    );
    expect(both.find((v) => v.kind === "feature_service")?.dependencies).toEqual({ "feature_view/v": 2 });
  });
});

describe("parseVersionedName", () => {
  it("splits name@N and leaves anything else a plain name", () => {
    expect(parseVersionedName("model_v1@3")).toEqual({ name: "model_v1", version: 3 });
    expect(parseVersionedName("model_v1")).toEqual({ name: "model_v1" });
    expect(parseVersionedName("model@0")).toEqual({ name: "model@0" });
    expect(parseVersionedName("model@x")).toEqual({ name: "model@x" });
  });
});

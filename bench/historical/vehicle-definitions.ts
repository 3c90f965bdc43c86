/**
 * The vehicle-rental example's two feature views over the generated data
 * (feature_repo/_generate_data.ts), as plain definitions: the historical,
 * lineage and scale benchmarks query the same repository shape.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FieldDef, FileSourceDef, RepoDefinitions } from "../../src/registry/model.js";
import type { RegistrySnapshot } from "../../src/registry/registry.js";

export const DAILY_FEATURES = [
  "technology",
  "num_images",
  "street_parked",
  "description",
  "actual_price",
  "recommended_price",
];
export const HOURLY_FEATURES = ["recent_reservations", "current_price"];
/** Every feature of both views, as "view:feature" references. */
export const VEHICLE_FEATURE_REFS = [
  ...DAILY_FEATURES.map((f) => `vehicle_features:${f}`),
  ...HOURLY_FEATURES.map((f) => `vehicle_hourly_stats:${f}`),
];

const described = { description: "", tags: {}, owner: "" };
const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });
const source = (name: string, path: string, created: string): FileSourceDef => ({
  kind: "file",
  name,
  path,
  timestampField: "event_timestamp",
  createdTimestampColumn: created,
  fieldMapping: {},
  ...described,
});

/** The entity, both views (ttl 30 days and 2 hours) and the labels source. */
export function vehicleDefinitions(): RepoDefinitions {
  const view = (
    name: string,
    features: FieldDef[],
    src: FileSourceDef,
    ttlSeconds: number,
  ): FeatureViewDef => ({
    name,
    entities: ["vehicle"],
    entityColumns: [field("vehicle_id", ValueType.INT64)],
    features,
    ttlSeconds,
    source: src,
    online: true,
    ...described,
  });
  const daily = view(
    "vehicle_features",
    [
      field("technology", ValueType.STRING),
      field("num_images", ValueType.INT64),
      field("street_parked", ValueType.BOOL),
      field("description", ValueType.INT64),
      field("actual_price", ValueType.DOUBLE),
      field("recommended_price", ValueType.DOUBLE),
    ],
    source("vehicle_features_source", "data/vehicle_features.parquet", "created"),
    30 * 86_400,
  );
  const hourly = view(
    "vehicle_hourly_stats",
    [field("recent_reservations", ValueType.INT64), field("current_price", ValueType.DOUBLE)],
    source("vehicle_hourly_source", "data/vehicle_hourly", "created"),
    2 * 3600,
  );
  return {
    entities: [{ name: "vehicle", joinKeys: ["vehicle_id"], valueType: ValueType.INT64, ...described }],
    dataSources: [daily.source, hourly.source, source("vehicle_labels", "data/vehicle_labels.parquet", "")],
    featureViews: [daily, hourly],
    featureServices: [],
    onDemandFeatureViews: [],
  };
}

/** The snapshot a registry would serve after applying `defs` (project "bench"). */
export function snapshotOf(defs: RepoDefinitions): RegistrySnapshot {
  const byName = <T extends { name: string }>(xs: T[]) => new Map(xs.map((x) => [x.name, x]));
  return {
    project: "bench",
    version: 1,
    entities: byName(defs.entities),
    dataSources: byName(defs.dataSources),
    featureViews: byName(defs.featureViews),
    featureServices: byName(defs.featureServices),
    onDemandFeatureViews: byName(defs.onDemandFeatureViews),
    permissions: new Map(),
    meta: new Map(),
  };
}

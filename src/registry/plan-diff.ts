import { canonicalJson } from "../definitions/canonical-json.js";
import type { RepoDefinitions } from "./model.js";
import type { PlannedChange } from "./registry.js";

/** Registry object kinds, in dependency order (what others reference comes first). */
export const OBJECT_TYPES = [
  "entity",
  "data_source",
  "feature_view",
  "on_demand_feature_view",
  "feature_service",
  "permission",
] as const;

export type ObjectType = (typeof OBJECT_TYPES)[number];

/** A named definition of any kind. */
export type NamedDef = { name: string } & object;

/** All objects of a repository as kind -> name -> definition. */
export type ObjectTable = Map<ObjectType, Map<string, NamedDef>>;

/** Indexes repository definitions by kind and name. */
export function objectTableOf(defs: RepoDefinitions): ObjectTable {
  const lists: Record<ObjectType, NamedDef[]> = {
    entity: defs.entities,
    data_source: defs.dataSources,
    feature_view: defs.featureViews,
    on_demand_feature_view: defs.onDemandFeatureViews,
    feature_service: defs.featureServices,
    permission: defs.permissions ?? [],
  };
  return new Map(OBJECT_TYPES.map((type) => [type, new Map(lists[type].map((d) => [d.name, d]))]));
}

/** Model property -> the name shown in plans (Feast's snake_case where it has one). */
const PROPERTY_NAMES: Record<string, string> = {
  ttlSeconds: "ttl",
  udfSource: "udf",
  joinKeys: "join_keys",
  valueType: "value_type",
  entityColumns: "entity_columns",
  requestSchema: "request_schema",
  timestampField: "timestamp_field",
  createdTimestampColumn: "created_timestamp_column",
  fieldMapping: "field_mapping",
  batchSource: "batch_source",
  namePatterns: "name_patterns",
  requiredTags: "required_tags",
};

/** Which properties of two versions of one object differ, by their plan names, sorted. */
export function changedProperties(before: object, after: object): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed: string[] = [];
  for (const key of keys) {
    const a = (before as Record<string, unknown>)[key];
    const b = (after as Record<string, unknown>)[key];
    if (canonicalJson(a) !== canonicalJson(b)) changed.push(PROPERTY_NAMES[key] ?? key);
  }
  return changed.sort();
}

/**
 * What replacing `stored` with `next` adds, changes (with the changed
 * properties) and removes. Adds and changes come in dependency order, removes
 * in reverse, names sorted within a kind.
 */
export function diffObjects(stored: ObjectTable, next: ObjectTable): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const objectType of OBJECT_TYPES) {
    const before = stored.get(objectType) ?? new Map<string, NamedDef>();
    const after = next.get(objectType) ?? new Map<string, NamedDef>();
    for (const name of [...after.keys()].sort()) {
      const old = before.get(name);
      const def = after.get(name) as NamedDef;
      if (!old) changes.push({ kind: "add", objectType, name, details: [] });
      else {
        const details = changedProperties(old, def);
        if (details.length > 0) changes.push({ kind: "change", objectType, name, details });
      }
    }
  }
  for (const objectType of [...OBJECT_TYPES].reverse()) {
    const before = stored.get(objectType) ?? new Map<string, NamedDef>();
    const after = next.get(objectType) ?? new Map<string, NamedDef>();
    for (const name of [...before.keys()].sort()) {
      if (!after.has(name)) changes.push({ kind: "remove", objectType, name, details: [] });
    }
  }
  return changes;
}

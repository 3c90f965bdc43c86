/**
 * The registry's object rows (kind, name, JSON spec, timestamps), as every
 * backend stores them, and what is built from them: the snapshot servers
 * read and the table `diffObjects` compares. Pure.
 */
import type { PermissionDef } from "../permissions/model.js";
import type {
  DataSourceDef,
  EntityDef,
  FeatureServiceDef,
  FeatureViewDef,
  OnDemandFeatureViewDef,
} from "./model.js";
import { type NamedDef, OBJECT_TYPES, type ObjectTable, type ObjectType } from "./plan-diff.js";
import type { RegistrySnapshot } from "./registry.js";

export interface ObjectRow {
  kind: string;
  name: string;
  spec: string;
  created_ms: number;
  updated_ms: number;
}

export function tableOfRows(rows: readonly ObjectRow[]): ObjectTable {
  const table: ObjectTable = new Map(OBJECT_TYPES.map((t) => [t, new Map<string, NamedDef>()]));
  for (const row of rows) table.get(row.kind as ObjectType)?.set(row.name, JSON.parse(row.spec));
  return table;
}

export function snapshotOfRows(
  project: string,
  version: number,
  rows: readonly ObjectRow[],
): RegistrySnapshot {
  const of = <T>(kind: ObjectType) =>
    new Map<string, T>(rows.filter((r) => r.kind === kind).map((r) => [r.name, JSON.parse(r.spec) as T]));
  return {
    project,
    version,
    entities: of<EntityDef>("entity"),
    dataSources: of<DataSourceDef>("data_source"),
    featureViews: of<FeatureViewDef>("feature_view"),
    featureServices: of<FeatureServiceDef>("feature_service"),
    onDemandFeatureViews: of<OnDemandFeatureViewDef>("on_demand_feature_view"),
    permissions: of<PermissionDef>("permission"),
    meta: new Map(
      rows.map((r) => [
        `${r.kind}/${r.name}`,
        { created: new Date(Number(r.created_ms)), updated: new Date(Number(r.updated_ms)) },
      ]),
    ),
  };
}

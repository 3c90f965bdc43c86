/**
 * The registry contract that servers, materialization and validation use.
 * Implemented over one SQLite file by `sqlite-registry.ts`.
 */
import type {
  DataSourceDef,
  EntityDef,
  FeatureServiceDef,
  FeatureViewDef,
  OnDemandFeatureViewDef,
  RepoDefinitions,
} from "./model.js";

/** An immutable view of everything applied, indexed by name. */
export interface RegistrySnapshot {
  project: string;
  /** Increases with every apply that changed something. */
  version: number;
  entities: ReadonlyMap<string, EntityDef>;
  dataSources: ReadonlyMap<string, DataSourceDef>;
  featureViews: ReadonlyMap<string, FeatureViewDef>;
  featureServices: ReadonlyMap<string, FeatureServiceDef>;
  onDemandFeatureViews: ReadonlyMap<string, OnDemandFeatureViewDef>;
  /** When each object was first applied and last changed, by kind and name ("feature_view/x"). */
  meta: ReadonlyMap<string, { created: Date; updated: Date }>;
}

export interface MaterializationIntervalRecord {
  featureView: string;
  start: Date;
  end: Date;
  recorded: Date;
}

export interface MaterializationRunRecord {
  featureView: string;
  start: Date;
  end: Date;
  outcome: "succeeded" | "failed" | "skipped";
  rowsRead: number;
  entitiesWritten: number;
  error: string;
  scheduled: boolean;
}

export type ChangeKind = "add" | "change" | "remove";

export interface PlannedChange {
  kind: ChangeKind;
  /** "entity" | "data_source" | "feature_view" | "feature_service" | "on_demand_feature_view" */
  objectType: string;
  name: string;
  /** For "change": which properties differ, e.g. ["ttl", "features"]. */
  details: string[];
}

export interface Registry {
  /**
   * The applied definitions. Cheap: served from memory and re-read only when
   * another process applied a change (checked at most every cache_ttl_seconds).
   */
  snapshot(): RegistrySnapshot;
  /** What `apply(defs)` would add, change and remove. */
  plan(defs: RepoDefinitions): PlannedChange[];
  /** Writes `defs` in one transaction (all or nothing) and returns what changed. */
  apply(defs: RepoDefinitions): PlannedChange[];

  /** Intervals and runs are those of the configured online store (the registry is opened for it). */
  materializationIntervals(featureView: string): MaterializationIntervalRecord[];
  /** Call only after the interval's rows are durably written online. */
  recordMaterializationInterval(featureView: string, start: Date, end: Date): void;
  recordMaterializationRun(run: MaterializationRunRecord): void;
  lastMaterializationRun(featureView: string): MaterializationRunRecord | undefined;
  /**
   * Other online stores this view was materialized into (their identities):
   * after a store change the view has values there and none here.
   */
  otherOnlineStores(featureView: string): string[];

  close(): void;
}

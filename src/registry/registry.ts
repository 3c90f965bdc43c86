/**
 * The registry contract that servers, materialization and validation use.
 * Every method but `snapshot()` is asynchronous, so that a networked database
 * (PostgreSQL) implements it as well as one SQLite file (`sqlite-registry.ts`).
 */

import type { PermissionDef } from "../permissions/model.js";
import type { AbandonedLease, LeaseRequest } from "./lease.js";
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
  permissions: ReadonlyMap<string, PermissionDef>;
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
  /** "abandoned": a scheduled run whose server stopped renewing its lease (see lease.ts). */
  outcome: "succeeded" | "failed" | "skipped" | "abandoned";
  rowsRead: number;
  entitiesWritten: number;
  error: string;
  scheduled: boolean;
}

/** The answer to a lease request (lease.ts). */
export type LeaseOutcome =
  /**
   * Granted; `abandoned` is the dead holder's run it took over, and
   * `abandonedRuns` the materialization run records written for it (none
   * for a lease with `materializationRuns: false`).
   */
  | { kind: "grant"; abandonedRuns: MaterializationRunRecord[]; abandoned?: AbandonedLease }
  | { kind: "held"; holder: string; slotMs: number; expiresMs: number }
  | { kind: "done"; holder: string };

export type ChangeKind = "add" | "change" | "remove";

export interface PlannedChange {
  kind: ChangeKind;
  /** "entity" | "data_source" | "feature_view" | "feature_service" | "on_demand_feature_view" */
  objectType: string;
  name: string;
  /** For "change": which properties differ, e.g. ["ttl", "features"]. */
  details: string[];
  /** For "add" and "change": the object version the change creates (lineage/object-versions.ts). */
  version?: number;
}

export interface Registry {
  /**
   * The applied definitions. Synchronous and cheap: served from memory, never
   * waiting on the database. SQLite re-reads when another process applied a
   * change (checked at most every cache_ttl_seconds); PostgreSQL refreshes it
   * in the background (every cache_ttl_seconds and on LISTEN/NOTIFY). An
   * apply through this registry is seen by its next snapshot at once.
   */
  snapshot(): RegistrySnapshot;
  /** What `apply(defs)` would add, change and remove. */
  plan(defs: RepoDefinitions): Promise<PlannedChange[]>;
  /** Writes `defs` in one transaction (all or nothing) and returns what changed. */
  apply(defs: RepoDefinitions): Promise<PlannedChange[]>;

  /** Intervals and runs are those of the configured online store (the registry is opened for it). */
  materializationIntervals(featureView: string): Promise<MaterializationIntervalRecord[]>;
  /** Call only after the interval's rows are durably written online. */
  recordMaterializationInterval(featureView: string, start: Date, end: Date): Promise<void>;
  recordMaterializationRun(run: MaterializationRunRecord): Promise<void>;
  lastMaterializationRun(featureView: string): Promise<MaterializationRunRecord | undefined>;
  /**
   * Other online stores this view was materialized into (their identities):
   * after a store change the view has values there and none here.
   */
  otherOnlineStores(featureView: string): Promise<string[]>;

  /**
   * Asks for the lease `req.name` to run slot `req.slotMs` (lease.ts). Taking
   * over a dead holder's run records that run as abandoned, for every online
   * view it had not finished, in the same transaction (unless
   * `req.materializationRuns` is false: other work records nothing).
   */
  acquireLease(req: LeaseRequest): Promise<LeaseOutcome>;
  /** Extends a held lease to now + ttl; false when `holder` no longer holds it. */
  renewLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /**
   * Ends `holder`'s lease. `finished`: its slot counts as done; otherwise
   * (stopped by a shutdown) another server may run the slot at once.
   */
  releaseLease(name: string, holder: string, finished: boolean): Promise<void>;

  /** Releases connections; the registry is unusable afterwards. */
  close(): Promise<void>;
}

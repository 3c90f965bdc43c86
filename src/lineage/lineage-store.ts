/**
 * Where versions and lineage are kept: a small asynchronous contract, so the
 * SQLite implementation (in the registry's file) can be joined by a
 * PostgreSQL one beside it.
 */
import type { DatasetManifest, UsedDefinition } from "./dataset-manifest.js";
import type { FileFingerprint } from "./file-fingerprint.js";
import type { LatestVersions, ObjectVersion } from "./object-versions.js";

/** What one materialization run of one view read and wrote. */
export interface MaterializationLineage {
  /** "mat-" + 16 hex digits. */
  runId: string;
  featureView: string;
  view: UsedDefinition;
  /** The materialized window, ISO times (inclusive). */
  windowStart: string;
  windowEnd: string;
  startedAt: string;
  finishedAt: string;
  outcome: "succeeded" | "failed" | "skipped";
  rowsRead: number;
  entitiesWritten: number;
  files: FileFingerprint[];
  scheduled: boolean;
  error: string;
}

export interface LineageStore {
  /** The latest version and hash of every object of the project. */
  latestVersions(): Promise<LatestVersions>;
  /** Stores new versions (all or nothing). A version that already exists is a conflict (FAILED_PRECONDITION). */
  recordVersions(versions: readonly ObjectVersion[]): Promise<void>;
  /** Every version of the objects named `name` (of one kind, or of any), oldest first. */
  history(name: string, kind?: string): Promise<ObjectVersion[]>;
  /** One version, or undefined. */
  version(kind: string, name: string, version: number): Promise<ObjectVersion | undefined>;
  /** The version of `kind/name` whose content hash is `hash` (the latest such), or undefined. */
  versionByHash(kind: string, name: string, hash: string): Promise<ObjectVersion | undefined>;

  recordDataset(manifest: DatasetManifest): Promise<void>;
  dataset(id: string): Promise<DatasetManifest | undefined>;
  /** The newest datasets first. */
  listDatasets(limit: number): Promise<{ id: string; createdAt: string; rowCount: number }[]>;

  /** `onlineStore`: the identity of the store the run wrote to. */
  recordMaterialization(onlineStore: string, run: MaterializationLineage): Promise<void>;
  /**
   * The runs into `onlineStore` that could have written a row of `featureView`
   * with event time `eventTime`: succeeded runs whose window holds it, newest first.
   */
  materializationsCovering(
    onlineStore: string,
    featureView: string,
    eventTime: Date,
  ): Promise<MaterializationLineage[]>;
  materialization(runId: string): Promise<MaterializationLineage | undefined>;
  /** The last `limit` runs of `featureView` into `onlineStore`, whatever their outcome, newest first. */
  recentMaterializations(
    onlineStore: string,
    featureView: string,
    limit: number,
  ): Promise<MaterializationLineage[]>;

  close(): Promise<void>;
}

// Versions and lineage: object versions written by apply, pinned feature
// services, training-set manifests, materialization lineage, OpenLineage events.

export type { ApplyRun } from "./apply-lineage.js";
export { startApplyRun } from "./apply-lineage.js";
// For the server, the CLI and the console: reading versions and lineage.
export type {
  DatasetManifest,
  EntityInputRecord,
  ManifestDifference,
  UsedDefinition,
} from "./dataset-manifest.js";
export { diffManifests } from "./dataset-manifest.js";
export type { FileFingerprint } from "./file-fingerprint.js";
export { fingerprintFile, fingerprintFiles } from "./file-fingerprint.js";
// For apply, retrieval and materialization: recording lineage as they run.
export type { HistoricalRun } from "./historical-lineage.js";
export { startHistoricalRun } from "./historical-lineage.js";
export type { LineageStore, MaterializationLineage } from "./lineage-store.js";
export type { MaterializationRunLineage } from "./materialization-lineage.js";
export { startMaterializationLineage } from "./materialization-lineage.js";
export type { ApplyProvenance, LatestVersions, ObjectVersion } from "./object-versions.js";
export { contentHash, objectKey, parseVersionedName, versionsToCreate } from "./object-versions.js";
export type { OnlineRowLineage } from "./online-row-lineage.js";
export { onlineRowLineage } from "./online-row-lineage.js";
export type { OpenLineageEmitter } from "./openlineage-emitter.js";
export { createOpenLineageEmitter } from "./openlineage-emitter.js";
export type { OpenLineageDataset, RunEvent, RunEventType } from "./openlineage-events.js";
export { OPENLINEAGE_SCHEMA_URL, runEvent } from "./openlineage-events.js";
export type { PinnedFeatures, PinnedSelectionResolver } from "./pinned-services.js";
export {
  createPinnedSelectionResolver,
  hasPinnedService,
  pinnedFeatures,
  pinnedIncompatibilities,
} from "./pinned-services.js";
export { PostgresLineageStore } from "./postgres-lineage-store.js";
export { recordAppliedVersions, withVersions } from "./record-versions.js";
export type { Lineage } from "./shared-lineage.js";
export { closeLineage, LINEAGE_RESOURCE, openLineage, sharedLineage } from "./shared-lineage.js";
export { openLineageStore, SqliteLineageStore } from "./sqlite-lineage-store.js";
export type { TrainingSetFacts } from "./training-set-lineage.js";
export {
  buildDatasetManifest,
  manifestKvMetadata,
  newDatasetId,
  PARQUET_DATASET_ID_KEY,
  PARQUET_MANIFEST_KEY,
} from "./training-set-lineage.js";
export { objectHistory, objectVersion } from "./version-lookup.js";

// For the server, the CLI and other modules.
export type { AppliedRepo, RepoPlan } from "./apply-repo.js";
export { applyRepo, planRepo } from "./apply-repo.js";
export { expectedColumnTypes, isCompatibleColumn, isTimestampColumn } from "./column-compat.js";
export type { FeatureSelection } from "./feature-selection.js";
export { parseFeatureRef, readFeatureSelection, requireFeatureSelection } from "./feature-selection.js";
export type { AbandonedLease, LeaseRequest, LeaseRow } from "./lease.js";
export { abandonedMessage, decideLease } from "./lease.js";
export type { LeasedSlotOptions, LeasedSlotOutcome } from "./leased-slot.js";
export { runLeasedSlot } from "./leased-slot.js";
export type {
  DataSourceDef,
  EntityDef,
  FeatureServiceDef,
  FeatureViewDef,
  FeatureViewProjectionDef,
  FieldDef,
  FileSourceDef,
  OnDemandFeatureViewDef,
  PushSourceDef,
  RepoDefinitions,
  Tags,
} from "./model.js";
export { batchSourceOf } from "./model.js";
export { openRegistry } from "./open-registry.js";
export type { ObjectType } from "./plan-diff.js";
export { changedProperties, diffObjects, OBJECT_TYPES, objectTableOf } from "./plan-diff.js";
export type { PostgresRegistryOptions } from "./postgres-registry.js";
export { PostgresRegistry } from "./postgres-registry.js";
export { isPostgresUrl, redactedUrl } from "./postgres-url.js";
export type {
  ChangeKind,
  LeaseOutcome,
  MaterializationIntervalRecord,
  MaterializationRunRecord,
  PlannedChange,
  Registry,
  RegistrySnapshot,
} from "./registry.js";
export { abandonedRunRecords } from "./sqlite-lease.js";
export type { SqliteRegistryOptions } from "./sqlite-registry.js";
export { SqliteRegistry } from "./sqlite-registry.js";
export type { RegistryTeardown } from "./teardown-registry.js";
export { teardownRegistry } from "./teardown-registry.js";
export { validateSources } from "./validate-sources.js";

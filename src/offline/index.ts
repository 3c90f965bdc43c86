// The offline store: point-in-time joins over Parquet with DuckDB.

// For other modules (materialization, validation) that read the same sources.
export { fromDuckDbError } from "./duckdb-errors.js";
export type { DuckDbOptions } from "./duckdb-instance.js";
export { duckDbTempDirectory, openDuckDb, withConnection } from "./duckdb-instance.js";
export { sqlTypeOf, valueTypeOfDuckType } from "./duckdb-types.js";
export type { EntityInput, InlineEntities, SourceEntities } from "./entity-input.js";
export { timestampMicros } from "./entity-timestamps.js";
export { EVENT_TIMESTAMP, featureTimestampColumn, planFeatures } from "./feature-plan.js";
export type { HistoricalInputs, HistoricalQuery, RegisteredEntities } from "./historical-plan.js";
export { planHistorical } from "./historical-plan.js";
export { partFilesOf, splitPartCount } from "./key-split.js";
export { auditMatches, countLeakage, leakageAuditSql } from "./leakage-audit.js";
export { computeOdfvTable, dropOdfvTable, odfvTableName, resultSelectSql } from "./odfv-columns.js";
export type {
  HistoricalEvent,
  HistoricalResult,
  OfflineStore,
  OfflineStoreOptions,
  WriteHistoricalOptions,
} from "./offline-store.js";
export { createOfflineStore, DEFAULT_BATCH_ROWS, MAX_BATCH_ROWS } from "./offline-store.js";
export type { PitOptions } from "./pit-query-sql.js";
export type { OutputColumn } from "./record-batch-encoder.js";
export type { ResourcePool } from "./shared-duckdb.js";
export { DUCKDB_RESOURCE, sharedDuckDb } from "./shared-duckdb.js";
export type { SourceColumns } from "./source-scan.js";
export { describeParquet, parquetScanSql, sourceLocation, storedColumnOf } from "./source-scan.js";
export { quoteIdent, quoteString, timestampLiteral } from "./sql-text.js";
export type { ViewSourceSpec } from "./view-source-sql.js";
export { featureSlot, utcTimestampExpr, viewSourceSql } from "./view-source-sql.js";

/**
 * Feature logging: what GetOnlineFeatures served for feature services with
 * `logging`, written off the serving path to Parquet in the offline store's
 * `log_dir` (a folder per service, a file per rotation, Feast's layout).
 */

// For the server: the logger on the serving path.
export type { FeatureLogCounts, FeatureLogger, FeatureLoggerOptions } from "./feature-logger.js";
export { createFeatureLogger } from "./feature-logger.js";
// For monitoring and tests: the log's columns and the response decoder.
export type { LogColumn, LogSchema } from "./log-schema.js";
export { logColumnsOf, serviceVersionOf } from "./log-schema.js";
export type { ParquetColumn } from "./parquet-file.js";
export { parquetFile } from "./parquet-file.js";
export type { StagedColumn } from "./response-log-decoder.js";
export { decodeResponseRows, responseRowCount, StagedRows, stagedValue } from "./response-log-decoder.js";

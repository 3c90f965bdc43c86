// The ergonomic client: plain objects, native JS values.

export type { StatusCodeName } from "./errors.js";
export { FstoreClientError } from "./errors.js";
export type { FeatureSelectionInput } from "./feature-selection.js";
export type { FstoreClient, HistoricalFeaturesResult, TagFilter } from "./fstore-client.js";
export { createFstoreClient } from "./fstore-client.js";
export type { ServingStatus } from "./health.js";
export type {
  HistoricalColumnsEvent,
  HistoricalEvent,
  HistoricalFeaturesRequest,
  HistoricalSummaryInfo,
} from "./historical.js";
export type { InputValue, NativeScalar, NativeValue } from "./native-values.js";
export { fromValue, toValue, typedValue } from "./native-values.js";
export type { FieldStatusName, OnlineColumn, OnlineFeaturesRequest, OnlineFeaturesResult } from "./online.js";
export type {
  ConsistencyExampleInfo,
  ConsistencyReport,
  FeatureConsistencyInfo,
  MaterializeEvent,
  MaterializeOptions,
  MaterializeProgressInfo,
  PushDestination,
  PushOptions,
  PushResult,
  ValidateConsistencyOptions,
} from "./operations.js";
export type { CallOptions, ConnectOptions, RawFeatureServiceClient } from "./raw-client.js";
// The protobuf-level client, for callers who want the generated messages.
export { createRawClient } from "./raw-client.js";
export type { ColumnValues, DecodedBatch, DecodedColumn } from "./record-batch-decoder.js";
export { decodeRecordBatch } from "./record-batch-decoder.js";
export type {
  AggregationInfo,
  DataSourceInfo,
  EntityInfo,
  FeatureServiceInfo,
  FeatureViewInfo,
  FieldInfo,
  FreshnessInfo,
  MaterializationIntervalInfo,
  MaterializationRunInfo,
  ObjectTimes,
  OnDemandFeatureViewInfo,
  ProjectionInfo,
  ValueTypeName,
} from "./registry-objects.js";
export type { RetryPolicy } from "./replicas.js";
export { IDEMPOTENT_METHODS } from "./replicas.js";

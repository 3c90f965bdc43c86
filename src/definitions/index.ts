// For repository authors (re-exported by the package entry point, src/index.ts).

// For other modules: loading a repository, udf evaluation, helpers.
export { canonicalJson } from "./canonical-json.js";
export type { FileSourceOptions, PushSourceOptions, RequestSourceOptions } from "./data-sources.js";
export { FileSource, PushSource, RequestSource } from "./data-sources.js";
export {
  ArrayOf as Array,
  BoolType as Bool,
  BytesType as Bytes,
  DType,
  Float32Type as Float32,
  Float64Type as Float64,
  Int32Type as Int32,
  Int64Type as Int64,
  StringType as String,
  UnixTimestampType as UnixTimestamp,
  valueTypeName,
} from "./dtypes.js";
export type { EntityOptions } from "./entity.js";
export { Entity } from "./entity.js";
export type { FeatureServiceOptions } from "./feature-service.js";
export { FeatureService } from "./feature-service.js";
export type { FeatureViewOptions } from "./feature-view.js";
export { FeatureView } from "./feature-view.js";
export type { FieldOptions } from "./field.js";
export { Field } from "./field.js";
export { definitionFiles, loadRepoDefinitions } from "./load-repo-definitions.js";
export type { OnDemandFeatureViewOptions } from "./on-demand-feature-view.js";
export { OnDemandFeatureView } from "./on-demand-feature-view.js";
export type { PermissionOptions, PermissionTypeOption, RoleBasedPolicyOptions } from "./permission.js";
export { Permission, RoleBasedPolicy } from "./permission.js";
export type { FeatureViewProjection } from "./projection.js";
export type {
  AggregationOptions,
  StreamConnectionOptions,
  StreamFeatureViewOptions,
  StreamSourceOptions,
} from "./stream.js";
export { Aggregation, STREAM_CREATED_COLUMN, StreamFeatureView, StreamSource } from "./stream.js";
export type { FoundDefinition } from "./to-model.js";
export { toRepoDefinitions } from "./to-model.js";
export { parseTtl } from "./ttl.js";
export type { OnDemandUdf } from "./udf.js";
export { compileUdf } from "./udf.js";

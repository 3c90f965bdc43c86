/**
 * fstore's public API for feature repository authors:
 * `import { Entity, FeatureView, Field, Int64 } from "fstore"`.
 */

export { ValueType } from "../gen/fstore/v1/value_pb.js";
export type {
  AggregationOptions,
  EntityOptions,
  FeatureServiceOptions,
  FeatureViewOptions,
  FeatureViewProjection,
  FieldOptions,
  FileSourceOptions,
  OnDemandFeatureViewOptions,
  OnDemandUdf,
  PermissionOptions,
  PermissionTypeOption,
  PushSourceOptions,
  RequestSourceOptions,
  RoleBasedPolicyOptions,
  StreamConnectionOptions,
  StreamFeatureViewOptions,
  StreamSourceOptions,
} from "./definitions/index.js";
export {
  Aggregation,
  Array,
  Bool,
  Bytes,
  DType,
  Entity,
  FeatureService,
  FeatureView,
  Field,
  FileSource,
  Float32,
  Float64,
  Int32,
  Int64,
  OnDemandFeatureView,
  Permission,
  PushSource,
  RequestSource,
  RoleBasedPolicy,
  StreamFeatureView,
  StreamSource,
  String,
  UnixTimestamp,
} from "./definitions/index.js";
export type { WriteParquetOptions } from "./init/write-parquet.js";
export { writeParquet } from "./init/write-parquet.js";

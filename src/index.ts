/**
 * fstore's public API for feature repository authors:
 * `import { Entity, FeatureView, Field, Int64 } from "fstore"`.
 */

export { ValueType } from "../gen/fstore/v1/value_pb.js";
export type {
  EntityOptions,
  FeatureServiceOptions,
  FeatureViewOptions,
  FeatureViewProjection,
  FieldOptions,
  FileSourceOptions,
  OnDemandFeatureViewOptions,
  OnDemandUdf,
  PushSourceOptions,
  RequestSourceOptions,
} from "./definitions/index.js";
export {
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
  PushSource,
  RequestSource,
  String,
  UnixTimestamp,
} from "./definitions/index.js";
export type { WriteParquetOptions } from "./init/write-parquet.js";
export { writeParquet } from "./init/write-parquet.js";

/**
 * The registry's domain model: what a feature repository defines, in the
 * plain form the rest of fstore works with. `definitions/` builds these from
 * user code; `registry/` stores them; the server maps them to protobuf.
 */
import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { PermissionDef } from "../permissions/model.js";

export type Tags = Record<string, string>;

interface Described {
  description: string;
  tags: Tags;
  owner: string;
}

export interface FieldDef {
  name: string;
  dtype: ValueType;
  description: string;
  tags: Tags;
}

export interface EntityDef extends Described {
  name: string;
  /** One or more join-key columns. */
  joinKeys: string[];
  valueType: ValueType;
}

export interface FileSourceDef extends Described {
  kind: "file";
  name: string;
  /** Parquet file, folder or glob, as written in the definition (relative to the repo). */
  path: string;
  timestampField: string;
  /** Empty string when the source has none. */
  createdTimestampColumn: string;
  /** Source column -> feature/join-key name. */
  fieldMapping: Record<string, string>;
}

export interface PushSourceDef extends Described {
  kind: "push";
  name: string;
  batchSource: FileSourceDef;
}

/** Where a stream source's events come from: a durable stream the consumer reads with a group. */
export type StreamConnectionDef =
  | {
      kind: "redis";
      /** `redis://host:port` (or the online store's Redis when empty). */
      connection: string;
      /** The Redis stream key. */
      stream: string;
      /** Consumer group (created at the stream's start when missing). */
      group: string;
    }
  | {
      kind: "nats";
      /** `nats://host:port`. */
      connection: string;
      /** The JetStream stream name. */
      stream: string;
      /** Subject the events are published on (the stream must capture it). */
      subject: string;
      /** Durable consumer name. */
      group: string;
    };

/**
 * A durable stream of events (Redis Streams or NATS JetStream) with a typed
 * event schema, whose raw events are also kept as Parquet in `batchSource`
 * (with an ingestion-time `created` column). See `src/streaming/semantics.ts`.
 */
export interface StreamSourceDef extends Described {
  kind: "stream";
  name: string;
  stream: StreamConnectionDef;
  /** Every column of an event, join keys included; all are required (non-null). */
  schema: FieldDef[];
  /** The event-time column (a UnixTimestamp field of `schema`). */
  timestampField: string;
  /** Where raw events are appended (its createdTimestampColumn is "created"). */
  batchSource: FileSourceDef;
}

export type DataSourceDef = FileSourceDef | PushSourceDef | StreamSourceDef;

export type AggregationFunction = "count" | "sum" | "mean" | "min" | "max" | "last";

/** One windowed aggregate of a stream feature view (Feast's `Aggregation`). */
export interface AggregationDef {
  /** The output feature name (default `<column>_<function>_<window>`). */
  name: string;
  column: string;
  function: AggregationFunction;
  /** Window length in seconds (a multiple of `slideSeconds`). */
  windowSeconds: number;
  /** Tile size in seconds: values are exact at any time, tiles are `slide` wide. */
  slideSeconds: number;
}

export interface FeatureViewDef extends Described {
  name: string;
  entities: string[];
  /** Typed join-key columns, in the entities' order. */
  entityColumns: FieldDef[];
  features: FieldDef[];
  /** 0 means unbounded. */
  ttlSeconds: number;
  /** A FileSource, or a PushSource or StreamSource (whose batch source holds the history). */
  source: DataSourceDef;
  online: boolean;
  /**
   * Present for a stream feature view: its features are these aggregates of
   * the stream source's events, in the same order as `features`.
   */
  aggregations?: AggregationDef[];
  /** Stream views: events older than the entity's newest minus this are late (not applied online). */
  allowedLatenessSeconds?: number;
}

/** True for a stream feature view (windowed aggregates over a stream source). */
export function isStreamView(view: FeatureViewDef): view is FeatureViewDef & {
  aggregations: AggregationDef[];
  allowedLatenessSeconds: number;
  source: StreamSourceDef;
} {
  return view.aggregations !== undefined && view.source.kind === "stream";
}

export interface FeatureViewProjectionDef {
  featureView: string;
  /** Selected feature names, in order. */
  features: string[];
}

export interface FeatureServiceDef extends Described {
  name: string;
  projections: FeatureViewProjectionDef[];
  /** Log what GetOnlineFeatures serves for this service (absent: no logging). */
  logging?: FeatureLoggingDef;
}

/** Feature logging of a service (Feast's `LoggingConfig`): a sample of served rows, to Parquet. */
export interface FeatureLoggingDef {
  /** Share of requests logged, in (0, 1]. */
  sampleRate: number;
  /** Folder under the offline store's `log_dir` (default: the service's name). */
  destination: { path: string };
}

export interface OnDemandFeatureViewDef extends Described {
  name: string;
  sources: FeatureViewProjectionDef[];
  requestSchema: FieldDef[];
  features: FieldDef[];
  /**
   * Source text of a function `(inputs) => outputs` over columnar inputs:
   * `inputs[featureOrRequestName]` is an array of values (one per row) and it
   * returns `{ [feature]: values[] }`. Stored as text so a running server picks
   * up an applied change without a restart.
   */
  udfSource: string;
}

/** Everything one feature repository defines. */
export interface RepoDefinitions {
  entities: EntityDef[];
  dataSources: DataSourceDef[];
  featureViews: FeatureViewDef[];
  featureServices: FeatureServiceDef[];
  onDemandFeatureViews: OnDemandFeatureViewDef[];
  /** Access-control permissions; absent or empty: every authenticated caller may do anything. */
  permissions?: PermissionDef[];
}

/** The batch (Parquet) source behind a view, whether it is fed by a FileSource or a PushSource. */
export function batchSourceOf(view: FeatureViewDef): FileSourceDef {
  return view.source.kind === "file" ? view.source : view.source.batchSource;
}

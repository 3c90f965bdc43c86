/**
 * Streaming definitions: a `StreamSource` (a durable event stream with a
 * typed schema and a Parquet batch source for its raw events) and a
 * `StreamFeatureView` of windowed `Aggregation`s over it. The semantics are
 * written in `src/streaming/semantics.ts`.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type {
  AggregationDef,
  AggregationFunction,
  FieldDef,
  StreamConnectionDef,
  StreamSourceDef,
  Tags,
} from "../registry/model.js";
import { defaultSlideSeconds, parseWindow } from "../streaming/window.js";
import type { FileSource } from "./data-sources.js";
import {
  checkIdentifier,
  DEFINITION_KIND,
  type DescribedOptions,
  kindOf,
  readDescribed,
  readName,
} from "./definition-kind.js";
import type { Entity } from "./entity.js";
import { type Field, readSchema } from "./field.js";
import { checkKnownOptions } from "./known-options.js";
import { type FeatureViewProjection, projectionOf } from "./projection.js";

/** The column the raw events' ingestion time is written to in the batch source. */
export const STREAM_CREATED_COLUMN = "created";

export type StreamConnectionOptions =
  | { kind: "redis"; connection?: string; stream: string; group?: string }
  | { kind: "nats"; connection: string; stream: string; subject: string; group?: string };

export interface StreamSourceOptions extends DescribedOptions {
  name: string;
  /**
   * The durable stream: Redis Streams (`{ kind: "redis", connection, stream, group }`,
   * read with a consumer group) or NATS JetStream (`{ kind: "nats", connection,
   * stream, subject, group }`, read with a durable consumer). `group` defaults to "fstore".
   */
  stream: StreamConnectionOptions;
  /** Every column of an event, join keys and the event time included. */
  schema: Field[];
  /** The event-time column, a UnixTimestamp field of `schema`. */
  timestampField: string;
  /**
   * Where raw events are appended as Parquet (a folder), with an
   * ingestion-time `created` column; its timestampField must match.
   */
  batchSource: FileSource;
}

/** A durable stream of events that feeds stream feature views (Feast's `KafkaSource`, for Redis and NATS). */
export class StreamSource {
  readonly [DEFINITION_KIND] = "stream_source" as const;
  readonly def: StreamSourceDef;

  constructor(options: StreamSourceOptions) {
    const { name, label } = readName("stream_source", options);
    checkKnownOptions(label, options, [
      "name",
      "stream",
      "schema",
      "timestampField",
      "batchSource",
      "description",
      "tags",
      "owner",
    ]);
    const stream = readConnection(label, options.stream);
    const schema = readSchema(label, "schema", options.schema);
    const timestampField = checkIdentifier(label, "timestampField", options.timestampField);
    const ts = schema.find((f) => f.name === timestampField);
    if (!ts || ts.dtype !== ValueType.UNIX_TIMESTAMP) {
      throw invalidArgument(
        `${label}: timestampField: "${timestampField}" must be a UnixTimestamp field of schema`,
      );
    }
    if (schema.some((f) => f.name === STREAM_CREATED_COLUMN)) {
      throw invalidArgument(
        `${label}: schema: "${STREAM_CREATED_COLUMN}" is reserved for the ingestion time fstore adds to the raw events`,
      );
    }
    for (const f of schema) {
      if (f.dtype > ValueType.UNIX_TIMESTAMP || f.dtype === ValueType.UNSPECIFIED) {
        throw invalidArgument(`${label}: field "${f.name}": events hold scalars only (no lists)`);
      }
    }
    if (kindOf(options.batchSource) !== "file_source") {
      throw invalidArgument(`${label}: batchSource: expected a FileSource (a folder for the raw events)`);
    }
    const batch = (options.batchSource as FileSource).def;
    if (batch.timestampField !== timestampField) {
      throw invalidArgument(
        `${label}: batchSource: its timestampField "${batch.timestampField}" must be the stream's "${timestampField}"`,
      );
    }
    if (batch.createdTimestampColumn !== "" && batch.createdTimestampColumn !== STREAM_CREATED_COLUMN) {
      throw invalidArgument(
        `${label}: batchSource: createdTimestampColumn must be "${STREAM_CREATED_COLUMN}" (or absent): fstore writes the ingestion time there`,
      );
    }
    if (Object.keys(batch.fieldMapping).length > 0) {
      throw invalidArgument(`${label}: batchSource: fieldMapping is not supported for raw events`);
    }
    this.def = {
      kind: "stream",
      name,
      stream,
      schema,
      timestampField,
      batchSource: { ...batch, createdTimestampColumn: STREAM_CREATED_COLUMN },
      ...readDescribed(label, options),
    };
  }

  get name(): string {
    return this.def.name;
  }
}

function readConnection(label: string, options: unknown): StreamConnectionDef {
  const where = `${label}: stream`;
  if (typeof options !== "object" || options === null) {
    throw invalidArgument(
      `${where}: expected { kind: "redis", stream } or { kind: "nats", connection, stream, subject }`,
    );
  }
  const o = options as Record<string, unknown>;
  const text = (key: string, required: boolean, fallback = ""): string => {
    const v = o[key] ?? fallback;
    if (typeof v !== "string" || (required && v.trim() === "")) {
      throw invalidArgument(`${where}.${key}: expected a non-empty string`);
    }
    return v;
  };
  if (o.kind === "redis") {
    checkKnownOptions(where, o, ["kind", "connection", "stream", "group"]);
    return {
      kind: "redis",
      connection: text("connection", false),
      stream: text("stream", true),
      group: text("group", true, "fstore"),
    };
  }
  if (o.kind === "nats") {
    checkKnownOptions(where, o, ["kind", "connection", "stream", "subject", "group"]);
    const group = text("group", true, "fstore");
    if (!/^[A-Za-z0-9_-]+$/.test(group)) {
      throw invalidArgument(`${where}.group: a NATS durable name holds letters, digits, "_" and "-" only`);
    }
    return {
      kind: "nats",
      connection: text("connection", true),
      stream: text("stream", true),
      subject: text("subject", true),
      group,
    };
  }
  throw invalidArgument(`${where}.kind: expected "redis" or "nats", got ${JSON.stringify(o.kind)}`);
}

const FUNCTIONS: readonly AggregationFunction[] = ["count", "sum", "mean", "min", "max", "last"];
const NUMERIC = new Set([ValueType.INT32, ValueType.INT64, ValueType.FLOAT, ValueType.DOUBLE]);

export interface AggregationOptions {
  /** The event column aggregated (any column for count; a numeric one otherwise). */
  column: string;
  function: AggregationFunction;
  /** Window length: "1h", "24h", "7d", "1d12h" or whole seconds. */
  window: string | number;
  /** Tile size (default a sixtieth of the window, at least 1s, dividing it). */
  slide?: string | number;
  /** Feature name (default `<column>_<function>_<window>`). */
  name?: string;
}

/** One windowed aggregate (Feast's `Aggregation`). */
export class Aggregation {
  readonly [DEFINITION_KIND] = "aggregation" as const;
  readonly column: string;
  readonly function: AggregationFunction;
  readonly windowSeconds: number;
  readonly slideSeconds: number;
  readonly name: string;

  constructor(options: AggregationOptions) {
    const label = `Aggregation ${JSON.stringify(options?.name ?? `${options?.column}_${options?.function}`)}`;
    if (typeof options !== "object" || options === null) {
      throw invalidArgument("Aggregation: expected { column, function, window }");
    }
    checkKnownOptions(label, options, ["column", "function", "window", "slide", "name"]);
    this.column = checkIdentifier(label, "column", options.column);
    if (!FUNCTIONS.includes(options.function)) {
      throw invalidArgument(
        `${label}: function: expected one of ${FUNCTIONS.join(", ")}, got ${JSON.stringify(options.function)}`,
      );
    }
    this.function = options.function;
    const window = parseWindow(options.window, `${label}: window`);
    this.windowSeconds = window.seconds;
    if (options.slide === undefined) this.slideSeconds = defaultSlideSeconds(window.seconds);
    else {
      this.slideSeconds = parseWindow(options.slide, `${label}: slide`).seconds;
      if (window.seconds % this.slideSeconds !== 0) {
        throw invalidArgument(
          `${label}: slide: ${this.slideSeconds}s must divide the window (${window.seconds}s) so windows are whole tiles`,
        );
      }
    }
    this.name = checkIdentifier(
      label,
      "name",
      options.name ?? `${this.column}_${this.function}_${window.label}`,
    );
  }
}

export interface StreamFeatureViewOptions extends DescribedOptions {
  name: string;
  /** Entities whose join keys (columns of the source's schema) key the aggregates. */
  entities: (Entity | string)[];
  source: StreamSource;
  aggregations: Aggregation[];
  /**
   * Events older than the entity's newest event minus this are late: counted,
   * kept offline, not applied online. Default: the view's largest window.
   */
  allowedLateness?: string | number;
  /** Serve this view online (ingest into online tiles). Default true. */
  online?: boolean;
}

/** Windowed aggregates of a stream's events, identical online and offline (Feast's `StreamFeatureView`). */
export class StreamFeatureView {
  readonly [DEFINITION_KIND] = "stream_feature_view" as const;
  readonly name: string;
  readonly entities: (Entity | string)[];
  readonly source: StreamSourceDef;
  readonly aggregations: AggregationDef[];
  readonly allowedLatenessSeconds: number;
  /** The aggregates as features, in `aggregations` order (types from the functions and columns). */
  readonly features: FieldDef[];
  readonly online: boolean;
  readonly description: string;
  readonly tags: Tags;
  readonly owner: string;

  constructor(options: StreamFeatureViewOptions) {
    const { name, label } = readName("stream_feature_view", options);
    checkKnownOptions(label, options, [
      "name",
      "entities",
      "source",
      "aggregations",
      "allowedLateness",
      "online",
      "description",
      "tags",
      "owner",
    ]);
    this.name = name;
    const entities = options.entities ?? [];
    if (!Array.isArray(entities) || entities.length === 0) {
      throw invalidArgument(`${label}: entities: expected a non-empty list of Entity objects`);
    }
    entities.forEach((entity, i) => {
      if (typeof entity !== "string" && kindOf(entity) !== "entity") {
        throw invalidArgument(`${label}: entities[${i}]: expected an Entity or an entity name`);
      }
    });
    this.entities = [...entities];
    if (kindOf(options.source) !== "stream_source") {
      throw invalidArgument(`${label}: source: expected a StreamSource`);
    }
    this.source = (options.source as StreamSource).def;
    const aggregations = options.aggregations;
    if (!Array.isArray(aggregations) || aggregations.length === 0) {
      throw invalidArgument(
        `${label}: aggregations: expected a non-empty list of Aggregation({ column, function, window })`,
      );
    }
    const names = new Set<string>();
    this.aggregations = aggregations.map((a, i) => {
      if (kindOf(a) !== "aggregation") {
        throw invalidArgument(`${label}: aggregations[${i}]: expected an Aggregation`);
      }
      if (names.has(a.name)) {
        throw invalidArgument(
          `${label}: aggregations[${i}]: feature name "${a.name}" is used twice; give one a name`,
        );
      }
      names.add(a.name);
      return {
        name: a.name,
        column: a.column,
        function: a.function,
        windowSeconds: a.windowSeconds,
        slideSeconds: a.slideSeconds,
      };
    });
    this.features = this.aggregations.map((a, i) => ({
      name: a.name,
      dtype: outputTypeOf(`${label}: aggregations[${i}]`, a, this.source),
      description: "",
      tags: {},
    }));
    const maxWindow = Math.max(...this.aggregations.map((a) => a.windowSeconds));
    this.allowedLatenessSeconds =
      options.allowedLateness === undefined
        ? maxWindow
        : parseLateness(`${label}: allowedLateness`, options.allowedLateness);
    if (options.online !== undefined && typeof options.online !== "boolean") {
      throw invalidArgument(`${label}: online: expected true or false`);
    }
    this.online = options.online ?? true;
    const described = readDescribed(label, options);
    this.description = described.description;
    this.tags = described.tags;
    this.owner = described.owner;
  }

  /** A projection of some aggregates, for a FeatureService or an OnDemandFeatureView. */
  select(features: string[]): FeatureViewProjection {
    return projectionOf(`StreamFeatureView "${this.name}"`, this.name, this.features, features);
  }
}

function parseLateness(where: string, value: string | number): number {
  if (value === 0 || value === "0") return 0;
  return parseWindow(value, where).seconds;
}

/**
 * The feature type of an aggregate: count INT64; sum INT64 over integer
 * columns, DOUBLE over float ones; mean DOUBLE; min, max and last the
 * column's type. Non-count functions need a numeric column.
 */
function outputTypeOf(where: string, a: AggregationDef, source: StreamSourceDef): ValueType {
  const column = source.schema.find((f) => f.name === a.column);
  if (!column) {
    const known = source.schema.map((f) => f.name).join(", ");
    throw invalidArgument(
      `${where}: column "${a.column}" is not in the schema of stream source "${source.name}" (${known})`,
    );
  }
  if (a.function === "count") return ValueType.INT64;
  if (!NUMERIC.has(column.dtype)) {
    throw invalidArgument(
      `${where}: ${a.function} needs a numeric column (Int32, Int64, Float32, Float64); "${a.column}" is not`,
    );
  }
  const integer = column.dtype === ValueType.INT32 || column.dtype === ValueType.INT64;
  switch (a.function) {
    case "sum":
      return integer ? ValueType.INT64 : ValueType.DOUBLE;
    case "mean":
      return ValueType.DOUBLE;
    default:
      return column.dtype;
  }
}

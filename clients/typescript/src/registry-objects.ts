/**
 * Registry objects as plain JS: names and arrays, `Date`s for timestamps,
 * seconds and milliseconds as numbers, type names as strings ("INT64").
 */
import { type Duration, type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import {
  type DataSource,
  type Entity,
  type FeatureServiceSpec,
  type FeatureView,
  type FeatureViewProjection,
  type Field,
  MaterializationOutcome,
  type MaterializationRun,
  type ObjectMeta,
  type OnDemandFeatureView,
} from "../gen/fstore/v1/registry_pb.js";
import type { ValueType } from "../gen/fstore/v1/value_pb.js";
import { valueTypeName } from "./native-values.js";

export type ValueTypeName = keyof typeof ValueType;
type Tags = Record<string, string>;

export interface FieldInfo {
  name: string;
  valueType: ValueTypeName;
  description: string;
  tags: Tags;
}

export interface ObjectTimes {
  /** When `fstore apply` first wrote the object. */
  createdAt: Date | null;
  /** When `fstore apply` last changed it. */
  updatedAt: Date | null;
}

export interface EntityInfo extends ObjectTimes {
  name: string;
  joinKeys: string[];
  valueType: ValueTypeName;
  description: string;
  tags: Tags;
  owner: string;
}

export interface DataSourceInfo {
  name: string;
  kind: "file" | "push";
  /** For file sources: the Parquet file, folder or glob. */
  path: string | null;
  /** For push sources: the batch source holding their history. */
  batchSource: DataSourceInfo | null;
  timestampField: string;
  createdTimestampColumn: string;
  fieldMapping: Record<string, string>;
  description: string;
  tags: Tags;
  owner: string;
}

export interface MaterializationIntervalInfo {
  start: Date | null;
  end: Date | null;
  recorded: Date | null;
}

export interface MaterializationRunInfo {
  start: Date | null;
  end: Date | null;
  outcome: "unspecified" | "succeeded" | "failed" | "skipped" | "abandoned";
  rowsRead: number;
  entitiesWritten: number;
  error: string;
  scheduled: boolean;
}

export interface FreshnessInfo {
  /** End of the last materialized interval; null when never materialized. */
  lastMaterializedEnd: Date | null;
  /** Now minus `lastMaterializedEnd` on the server, in milliseconds; null when never materialized. */
  ageMs: number | null;
  /** The scheduled run at `nextDue` was missed (past it by more than the grace). */
  overdue: boolean;
  /** When the next scheduled run after the last end (or the view's creation) was or is due; null unscheduled. */
  nextDue: Date | null;
}

export interface FeatureViewInfo extends ObjectTimes {
  name: string;
  entities: string[];
  entityColumns: FieldInfo[];
  features: FieldInfo[];
  /** 0 means values never expire. */
  ttlSeconds: number;
  batchSource: DataSourceInfo | null;
  streamSource: DataSourceInfo | null;
  online: boolean;
  description: string;
  tags: Tags;
  owner: string;
  /** Filled by getFeatureView; empty in listings. */
  materializationIntervals: MaterializationIntervalInfo[];
  freshness: FreshnessInfo | null;
  lastRun: MaterializationRunInfo | null;
  /** A stream feature view's windowed aggregates (its features, in order); empty for other views. */
  aggregations: AggregationInfo[];
  /** A stream view's allowed lateness in seconds; null for other views. */
  allowedLatenessSeconds: number | null;
}

/** One windowed aggregate of a stream feature view. */
export interface AggregationInfo {
  name: string;
  column: string;
  /** count, sum, mean, min, max or last. */
  function: string;
  windowSeconds: number;
  slideSeconds: number;
}

export interface ProjectionInfo {
  featureView: string;
  features: FieldInfo[];
}

export interface OnDemandFeatureViewInfo extends ObjectTimes {
  name: string;
  sources: ProjectionInfo[];
  requestSchema: FieldInfo[];
  features: FieldInfo[];
  udfSource: string;
  description: string;
  tags: Tags;
  owner: string;
}

export interface FeatureServiceInfo extends ObjectTimes {
  name: string;
  features: ProjectionInfo[];
  description: string;
  tags: Tags;
  owner: string;
}

/** A Timestamp as a Date (null when unset). */
export function dateOf(t: Timestamp | undefined): Date | null {
  return t ? timestampDate(t) : null;
}

/** A Duration in milliseconds (0 when unset). */
export function msOf(d: Duration | undefined): number {
  return d ? Number(d.seconds) * 1000 + d.nanos / 1e6 : 0;
}

function times(meta: ObjectMeta | undefined): ObjectTimes {
  return { createdAt: dateOf(meta?.createdTimestamp), updatedAt: dateOf(meta?.lastUpdatedTimestamp) };
}

export function fieldInfo(f: Field): FieldInfo {
  return {
    name: f.name,
    valueType: valueTypeName(f.valueType),
    description: f.description,
    tags: { ...f.tags },
  };
}

export function entityInfo(e: Entity): EntityInfo {
  return {
    name: e.name,
    joinKeys: [...e.joinKeys],
    valueType: valueTypeName(e.valueType),
    description: e.description,
    tags: { ...e.tags },
    owner: e.owner,
    ...times(e.meta),
  };
}

export function dataSourceInfo(s: DataSource | undefined): DataSourceInfo | null {
  if (!s) return null;
  const o = s.options;
  return {
    name: s.name,
    kind: o.case === "pushOptions" ? "push" : "file",
    path: o.case === "fileOptions" ? o.value.path : null,
    batchSource: o.case === "pushOptions" ? dataSourceInfo(o.value.batchSource) : null,
    timestampField: s.timestampField,
    createdTimestampColumn: s.createdTimestampColumn,
    fieldMapping: { ...s.fieldMapping },
    description: s.description,
    tags: { ...s.tags },
    owner: s.owner,
  };
}

const outcomes: Record<MaterializationOutcome, MaterializationRunInfo["outcome"]> = {
  [MaterializationOutcome.UNSPECIFIED]: "unspecified",
  [MaterializationOutcome.SUCCEEDED]: "succeeded",
  [MaterializationOutcome.FAILED]: "failed",
  [MaterializationOutcome.SKIPPED]: "skipped",
  [MaterializationOutcome.ABANDONED]: "abandoned",
};

export function materializationRunInfo(r: MaterializationRun | undefined): MaterializationRunInfo | null {
  if (!r) return null;
  return {
    start: dateOf(r.startTime),
    end: dateOf(r.endTime),
    outcome: outcomes[r.outcome] ?? "unspecified",
    rowsRead: Number(r.rowsRead),
    entitiesWritten: Number(r.entitiesWritten),
    error: r.error,
    scheduled: r.scheduled,
  };
}

export function featureViewInfo(v: FeatureView): FeatureViewInfo {
  const m = v.meta;
  const f = m?.freshness;
  return {
    name: v.name,
    entities: [...v.entities],
    entityColumns: v.entityColumns.map(fieldInfo),
    features: v.features.map(fieldInfo),
    ttlSeconds: msOf(v.ttl) / 1000,
    batchSource: dataSourceInfo(v.batchSource),
    streamSource: dataSourceInfo(v.streamSource),
    online: v.online,
    description: v.description,
    tags: { ...v.tags },
    owner: v.owner,
    createdAt: dateOf(m?.createdTimestamp),
    updatedAt: dateOf(m?.lastUpdatedTimestamp),
    materializationIntervals: (m?.materializationIntervals ?? []).map((i) => ({
      start: dateOf(i.startTime),
      end: dateOf(i.endTime),
      recorded: dateOf(i.recordedTime),
    })),
    freshness: f
      ? {
          lastMaterializedEnd: dateOf(f.lastMaterializedEnd),
          ageMs: f.age ? msOf(f.age) : null,
          overdue: f.overdue,
          nextDue: dateOf(f.nextDue),
        }
      : null,
    lastRun: materializationRunInfo(m?.lastRun),
    aggregations: v.aggregations.map((a) => ({
      name: a.name,
      column: a.column,
      function: a.function,
      windowSeconds: msOf(a.window) / 1000,
      slideSeconds: msOf(a.slide) / 1000,
    })),
    allowedLatenessSeconds: v.allowedLateness ? msOf(v.allowedLateness) / 1000 : null,
  };
}

export function projectionInfo(p: FeatureViewProjection): ProjectionInfo {
  return { featureView: p.featureViewName, features: p.features.map(fieldInfo) };
}

export function onDemandFeatureViewInfo(v: OnDemandFeatureView): OnDemandFeatureViewInfo {
  return {
    name: v.name,
    sources: v.sources.map(projectionInfo),
    requestSchema: v.requestSchema.map(fieldInfo),
    features: v.features.map(fieldInfo),
    udfSource: v.udfSource,
    description: v.description,
    tags: { ...v.tags },
    owner: v.owner,
    ...times(v.meta),
  };
}

export function featureServiceInfo(s: FeatureServiceSpec): FeatureServiceInfo {
  return {
    name: s.name,
    features: s.features.map(projectionInfo),
    description: s.description,
    tags: { ...s.tags },
    owner: s.owner,
    ...times(s.meta),
  };
}

/**
 * The one mapping from the registry's domain model to the protobuf messages
 * of the registry RPCs. Pure functions: no registry access, no clock.
 */
import { create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema, type Timestamp, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AggregationSchema,
  type DataSource,
  DataSourceSchema,
  type Entity,
  EntitySchema,
  type FeatureServiceSpec,
  FeatureServiceSpecSchema,
  type FeatureView,
  type FeatureViewMeta,
  FeatureViewMetaSchema,
  type FeatureViewProjection,
  FeatureViewProjectionSchema,
  FeatureViewSchema,
  type Field,
  FieldSchema,
  FreshnessSchema,
  MaterializationIntervalSchema,
  MaterializationOutcome,
  type MaterializationRun,
  MaterializationRunSchema,
  type ObjectMeta,
  ObjectMetaSchema,
  type OnDemandFeatureView,
  OnDemandFeatureViewSchema,
  type Permission,
  PermissionSchema,
} from "../../gen/fstore/v1/registry_pb.js";
import type { PermissionDef } from "../permissions/index.js";
import {
  batchSourceOf,
  type DataSourceDef,
  type EntityDef,
  type FeatureServiceDef,
  type FeatureViewDef,
  type FeatureViewProjectionDef,
  type FieldDef,
  type OnDemandFeatureViewDef,
  type Tags,
} from "../registry/model.js";
import type {
  MaterializationIntervalRecord,
  MaterializationRunRecord,
  RegistrySnapshot,
} from "../registry/registry.js";
import type { FreshnessInfo } from "./freshness.js";

/** Creation and update times of an object, as the snapshot records them. */
export type MetaTimes = { created: Date; updated: Date } | undefined;

/** The key under which the snapshot records an object's times, e.g. "feature_view/x". */
export function metaKey(
  kind: "entity" | "feature_view" | "feature_service" | "on_demand_feature_view" | "permission",
  name: string,
) {
  return `${kind}/${name}`;
}

/** True when `tags` holds every key/value of `filter` (an empty filter matches everything). */
export function matchesTags(tags: Tags, filter: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(filter)) if (tags[k] !== v) return false;
  return true;
}

function ts(d: Date | undefined): Timestamp | undefined {
  return d ? timestampFromDate(d) : undefined;
}

/** A Duration for `ms` (non-negative); nanos clamped so rounding can never reach a full second. */
export function durationOfMs(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.max(0, Math.round((ms - seconds * 1000) * 1e6)));
  return create(DurationSchema, { seconds: BigInt(seconds), nanos });
}

function objectMeta(times: MetaTimes): ObjectMeta | undefined {
  if (!times) return undefined;
  return create(ObjectMetaSchema, {
    createdTimestamp: ts(times.created),
    lastUpdatedTimestamp: ts(times.updated),
  });
}

export function fieldToProto(f: FieldDef): Field {
  return create(FieldSchema, {
    name: f.name,
    valueType: f.dtype,
    description: f.description,
    tags: { ...f.tags },
  });
}

export function entityToProto(e: EntityDef, times: MetaTimes): Entity {
  return create(EntitySchema, {
    name: e.name,
    joinKeys: [...e.joinKeys],
    valueType: e.valueType,
    description: e.description,
    tags: { ...e.tags },
    owner: e.owner,
    meta: objectMeta(times),
  });
}

export function dataSourceToProto(s: DataSourceDef): DataSource {
  const common = {
    name: s.name,
    description: s.description,
    tags: { ...s.tags },
    owner: s.owner,
  };
  if (s.kind === "stream") {
    return create(DataSourceSchema, {
      ...common,
      timestampField: s.timestampField,
      createdTimestampColumn: s.batchSource.createdTimestampColumn,
      options: {
        case: "streamOptions",
        value: {
          kind: s.stream.kind,
          connection: s.stream.connection,
          stream: s.stream.stream,
          subject: s.stream.kind === "nats" ? s.stream.subject : "",
          group: s.stream.group,
          schema: s.schema.map(fieldToProto),
          batchSource: dataSourceToProto(s.batchSource),
        },
      },
    });
  }
  if (s.kind === "push") {
    return create(DataSourceSchema, {
      ...common,
      // A push source's own columns are those of its batch source.
      timestampField: s.batchSource.timestampField,
      createdTimestampColumn: s.batchSource.createdTimestampColumn,
      fieldMapping: { ...s.batchSource.fieldMapping },
      options: { case: "pushOptions", value: { batchSource: dataSourceToProto(s.batchSource) } },
    });
  }
  return create(DataSourceSchema, {
    ...common,
    timestampField: s.timestampField,
    createdTimestampColumn: s.createdTimestampColumn,
    fieldMapping: { ...s.fieldMapping },
    options: { case: "fileOptions", value: { path: s.path } },
  });
}

const outcomeOf: Record<MaterializationRunRecord["outcome"], MaterializationOutcome> = {
  succeeded: MaterializationOutcome.SUCCEEDED,
  failed: MaterializationOutcome.FAILED,
  skipped: MaterializationOutcome.SKIPPED,
  abandoned: MaterializationOutcome.ABANDONED,
};

export function materializationRunToProto(run: MaterializationRunRecord): MaterializationRun {
  return create(MaterializationRunSchema, {
    startTime: ts(run.start),
    endTime: ts(run.end),
    outcome: outcomeOf[run.outcome],
    rowsRead: BigInt(run.rowsRead),
    entitiesWritten: BigInt(run.entitiesWritten),
    error: run.error,
    scheduled: run.scheduled,
  });
}

/** Registry state of a view; the intervals, run and freshness are given only for GetFeatureView. */
export interface FeatureViewState {
  times: MetaTimes;
  intervals?: readonly MaterializationIntervalRecord[];
  lastRun?: MaterializationRunRecord | undefined;
  freshness?: FreshnessInfo | undefined;
}

function featureViewMeta(state: FeatureViewState): FeatureViewMeta {
  const f = state.freshness;
  return create(FeatureViewMetaSchema, {
    createdTimestamp: ts(state.times?.created),
    lastUpdatedTimestamp: ts(state.times?.updated),
    materializationIntervals: (state.intervals ?? []).map((i) =>
      create(MaterializationIntervalSchema, {
        startTime: ts(i.start),
        endTime: ts(i.end),
        recordedTime: ts(i.recorded),
      }),
    ),
    freshness: f
      ? create(FreshnessSchema, {
          lastMaterializedEnd: ts(f.lastMaterializedEnd),
          age: f.ageMs === undefined ? undefined : durationOfMs(f.ageMs),
          overdue: f.overdue,
          nextDue: ts(f.nextDue),
        })
      : undefined,
    lastRun: state.lastRun ? materializationRunToProto(state.lastRun) : undefined,
  });
}

export function featureViewToProto(v: FeatureViewDef, state: FeatureViewState): FeatureView {
  return create(FeatureViewSchema, {
    name: v.name,
    entities: [...v.entities],
    entityColumns: v.entityColumns.map(fieldToProto),
    features: v.features.map(fieldToProto),
    ttl: create(DurationSchema, { seconds: BigInt(v.ttlSeconds) }),
    batchSource: dataSourceToProto(batchSourceOf(v)),
    streamSource: v.source.kind === "file" ? undefined : dataSourceToProto(v.source),
    online: v.online,
    description: v.description,
    tags: { ...v.tags },
    owner: v.owner,
    meta: featureViewMeta(state),
    aggregations: (v.aggregations ?? []).map((a) =>
      create(AggregationSchema, {
        name: a.name,
        column: a.column,
        function: a.function,
        window: create(DurationSchema, { seconds: BigInt(a.windowSeconds) }),
        slide: create(DurationSchema, { seconds: BigInt(a.slideSeconds) }),
      }),
    ),
    allowedLateness:
      v.allowedLatenessSeconds === undefined
        ? undefined
        : create(DurationSchema, { seconds: BigInt(v.allowedLatenessSeconds) }),
  });
}

/**
 * A projection with typed fields, looked up in the snapshot's views (and
 * on-demand views). A feature the snapshot does not know keeps its name with
 * an unspecified type rather than failing the whole listing.
 */
export function projectionToProto(
  p: FeatureViewProjectionDef,
  snapshot: RegistrySnapshot,
): FeatureViewProjection {
  const view = snapshot.featureViews.get(p.featureView) ?? snapshot.onDemandFeatureViews.get(p.featureView);
  const byName = new Map((view?.features ?? []).map((f) => [f.name, f]));
  return create(FeatureViewProjectionSchema, {
    featureViewName: p.featureView,
    features: p.features.map((name) => {
      const f = byName.get(name);
      return f ? fieldToProto(f) : create(FieldSchema, { name });
    }),
  });
}

export function featureServiceToProto(
  s: FeatureServiceDef,
  snapshot: RegistrySnapshot,
  times: MetaTimes,
): FeatureServiceSpec {
  return create(FeatureServiceSpecSchema, {
    name: s.name,
    features: s.projections.map((p) => projectionToProto(p, snapshot)),
    description: s.description,
    tags: { ...s.tags },
    owner: s.owner,
    meta: objectMeta(times),
    ...(s.logging
      ? { logging: { sampleRate: s.logging.sampleRate, destinationPath: s.logging.destination.path } }
      : {}),
  });
}

export function permissionToProto(p: PermissionDef, times: MetaTimes): Permission {
  return create(PermissionSchema, {
    name: p.name,
    types: [...p.types],
    namePatterns: [...p.namePatterns],
    requiredTags: { ...p.requiredTags },
    actions: [...p.actions],
    roles: [...p.policy.roles],
    meta: objectMeta(times),
  });
}

export function onDemandFeatureViewToProto(
  v: OnDemandFeatureViewDef,
  snapshot: RegistrySnapshot,
  times: MetaTimes,
): OnDemandFeatureView {
  return create(OnDemandFeatureViewSchema, {
    name: v.name,
    sources: v.sources.map((p) => projectionToProto(p, snapshot)),
    requestSchema: v.requestSchema.map(fieldToProto),
    features: v.features.map(fieldToProto),
    udfSource: v.udfSource,
    description: v.description,
    tags: { ...v.tags },
    owner: v.owner,
    meta: objectMeta(times),
  });
}

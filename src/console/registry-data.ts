/**
 * The console's registry data: the JSON behind the overview, the lists and
 * the object pages (`/api/...`), built from the registry snapshot and its
 * materialization records, and limited to what the caller may DESCRIBE.
 * Pages render these models; tests read them from the API.
 */
import { onlineStoreIdentity } from "../config/index.js";
import { featureViewFreshness } from "../materialize/freshness.js";
import type {
  DataSourceDef,
  EntityDef,
  FeatureServiceDef,
  FeatureViewDef,
  FieldDef,
  OnDemandFeatureViewDef,
  RegistrySnapshot,
} from "../registry/index.js";
import { redactedUrl } from "../registry/postgres-url.js";
import { valueTypeName } from "../values/index.js";
import type { ConsoleSources, MayDescribe } from "./console-sources.js";
import { type ListFilter, matchesFilter, type Searchable, tagCounts } from "./list-filter.js";

export interface FieldModel {
  name: string;
  type: string;
  description: string;
  tags: Record<string, string>;
}

export interface FreshnessModel {
  lastMaterializedEnd: string | null;
  ageSeconds: number | null;
  overdue: boolean;
  nextDue: string | null;
}

export interface RunModel {
  outcome: string;
  start: string;
  end: string;
  rowsRead: number;
  entitiesWritten: number;
  error: string;
  scheduled: boolean;
}

export interface ViewStatusModel {
  name: string;
  online: boolean;
  freshness: FreshnessModel;
  lastRun: RunModel | null;
}

export interface OverviewModel {
  project: string;
  registryVersion: number;
  registry: string;
  onlineStore: { type: string; identity: string };
  offlineStore: { type: string; outputDir: string };
  schedule: string | null;
  /** The earliest next due run among the views shown. */
  nextDue: { view: string; at: string } | null;
  counts: {
    entities: number;
    featureViews: number;
    streamFeatureViews: number;
    onDemandFeatureViews: number;
    featureServices: number;
    dataSources: number;
  };
  views: ViewStatusModel[];
}

export interface ListModel<T> {
  filter: ListFilter;
  /** Tags of every visible item (before filtering), for the tag filter. */
  tags: { tag: string; count: number }[];
  /** Items visible to the caller before filtering. */
  total: number;
  items: T[];
}

export interface EntitySummary {
  name: string;
  joinKeys: string[];
  valueType: string;
  description: string;
  owner: string;
  tags: Record<string, string>;
}

export interface EntityModel extends EntitySummary {
  created: string | null;
  updated: string | null;
  featureViews: string[];
}

export interface ViewSummary {
  name: string;
  /** "stream": windowed aggregates of a stream source. */
  kind: "batch" | "stream";
  entities: string[];
  features: number;
  ttlSeconds: number;
  online: boolean;
  source: string;
  description: string;
  owner: string;
  tags: Record<string, string>;
}

export interface SourceModel {
  name: string;
  kind: "file" | "push" | "stream";
  path: string;
  timestampField: string;
  createdTimestampColumn: string;
  fieldMapping: Record<string, string>;
  /** A push or stream source's batch source (a stream's raw events are kept there as Parquet). */
  batchSource: string | null;
  /** A stream source's broker and stream (credentials removed from the connection). */
  stream: {
    kind: "redis" | "nats";
    connection: string;
    stream: string;
    group: string;
    subject: string;
  } | null;
}

export interface AggregationModel {
  name: string;
  column: string;
  function: string;
  windowSeconds: number;
  slideSeconds: number;
}

export interface IntervalModel {
  start: string;
  end: string;
  recorded: string;
}

export interface ViewModel extends ViewSummary {
  entityColumns: FieldModel[];
  schema: FieldModel[];
  sourceDetail: SourceModel;
  created: string | null;
  updated: string | null;
  intervals: IntervalModel[];
  freshness: FreshnessModel;
  lastRun: RunModel | null;
  /** Online stores other than the configured one that hold this view's values. */
  otherOnlineStores: string[];
  usedBy: { featureServices: string[]; onDemandFeatureViews: string[] };
  /** A stream feature view's aggregates; null for a batch view. */
  stream: { aggregations: AggregationModel[]; allowedLatenessSeconds: number } | null;
}

export interface OnDemandSummary {
  name: string;
  sources: string[];
  features: number;
  description: string;
  owner: string;
  tags: Record<string, string>;
}

export interface OnDemandModel extends OnDemandSummary {
  inputs: { featureView: string; features: string[] }[];
  requestSchema: FieldModel[];
  schema: FieldModel[];
  udfSource: string;
  created: string | null;
  updated: string | null;
  usedBy: { featureServices: string[] };
}

export interface ServiceSummary {
  name: string;
  views: string[];
  features: number;
  description: string;
  owner: string;
  tags: Record<string, string>;
}

export interface ServiceModel extends ServiceSummary {
  projections: { featureView: string; kind: "feature_view" | "on_demand_feature_view"; features: string[] }[];
  created: string | null;
  updated: string | null;
}

export interface SearchHit {
  kind:
    | "entity"
    | "feature_view"
    | "stream_feature_view"
    | "on_demand_feature_view"
    | "feature_service"
    | "feature";
  name: string;
  path: string;
  description: string;
}

const iso = (d: Date | undefined) => d?.toISOString() ?? null;

function fieldModel(f: FieldDef): FieldModel {
  return { name: f.name, type: valueTypeName(f.dtype), description: f.description, tags: { ...f.tags } };
}

function metaOf(snapshot: RegistrySnapshot, kind: string, name: string) {
  const m = snapshot.meta.get(`${kind}/${name}`);
  return { created: iso(m?.created), updated: iso(m?.updated) };
}

/** The objects of the snapshot the caller may DESCRIBE. */
export function visibleObjects(snapshot: RegistrySnapshot, may: MayDescribe) {
  return {
    entities: [...snapshot.entities.values()].filter((e) => may("Entity", e)),
    featureViews: [...snapshot.featureViews.values()].filter((v) => may("FeatureView", v)),
    onDemandFeatureViews: [...snapshot.onDemandFeatureViews.values()].filter((v) =>
      may("OnDemandFeatureView", v),
    ),
    featureServices: [...snapshot.featureServices.values()].filter((s) => may("FeatureService", s)),
    dataSources: [...snapshot.dataSources.values()].filter((s) => may("DataSource", s)),
  };
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

function runModel(
  run: Awaited<ReturnType<ConsoleSources["registry"]["lastMaterializationRun"]>>,
): RunModel | null {
  if (!run) return null;
  return {
    outcome: run.outcome,
    start: run.start.toISOString(),
    end: run.end.toISOString(),
    rowsRead: run.rowsRead,
    entitiesWritten: run.entitiesWritten,
    error: run.error,
    scheduled: run.scheduled,
  };
}

async function viewStatus(
  src: ConsoleSources,
  snapshot: RegistrySnapshot,
  view: FeatureViewDef,
): Promise<{ status: ViewStatusModel; intervals: IntervalModel[]; otherStores: string[] }> {
  const intervals = await src.registry.materializationIntervals(view.name);
  const otherStores = await src.registry.otherOnlineStores(view.name);
  const f = featureViewFreshness({
    online: view.online,
    intervalEnds: intervals.map((i) => i.end),
    schedule: src.config.materialization.schedule,
    created: snapshot.meta.get(`feature_view/${view.name}`)?.created,
    now: src.now(),
    materializedElsewhere: otherStores.length > 0,
  });
  return {
    status: {
      name: view.name,
      online: view.online,
      freshness: {
        lastMaterializedEnd: iso(f.lastMaterializedEnd),
        ageSeconds: f.ageMs === undefined ? null : Math.round(f.ageMs / 1000),
        overdue: f.overdue,
        nextDue: iso(f.dueAt),
      },
      lastRun: runModel(await src.registry.lastMaterializationRun(view.name)),
    },
    intervals: intervals
      .map((i) => ({
        start: i.start.toISOString(),
        end: i.end.toISOString(),
        recorded: i.recorded.toISOString(),
      }))
      .sort((a, b) => a.start.localeCompare(b.start)),
    otherStores,
  };
}

export async function overviewModel(src: ConsoleSources, may: MayDescribe): Promise<OverviewModel> {
  const snapshot = src.registry.snapshot();
  const visible = visibleObjects(snapshot, may);
  const views = await Promise.all(
    visible.featureViews.sort(byName).map(async (v) => (await viewStatus(src, snapshot, v)).status),
  );
  let nextDue: OverviewModel["nextDue"] = null;
  const now = src.now().toISOString();
  for (const v of views) {
    const at = v.freshness.nextDue;
    if (at && v.online && (nextDue === null || at < nextDue.at) && (at >= now || v.freshness.overdue)) {
      nextDue = { view: v.name, at };
    }
  }
  const { config } = src;
  return {
    project: snapshot.project,
    registryVersion: snapshot.version,
    registry: redactedUrl(config.registry.path),
    onlineStore: { type: config.onlineStore.type, identity: onlineStoreIdentity(config.onlineStore) },
    offlineStore: { type: config.offlineStore.type, outputDir: config.offlineStore.outputDir },
    schedule: config.materialization.schedule,
    nextDue,
    counts: {
      entities: visible.entities.length,
      featureViews: visible.featureViews.filter((v) => !isStreamFeatureView(v)).length,
      streamFeatureViews: visible.featureViews.filter(isStreamFeatureView).length,
      onDemandFeatureViews: visible.onDemandFeatureViews.length,
      featureServices: visible.featureServices.length,
      dataSources: visible.dataSources.length,
    },
    views,
  };
}

function listOf<D extends Searchable, T>(defs: D[], filter: ListFilter, summary: (d: D) => T): ListModel<T> {
  const sorted = [...defs].sort(byName);
  return {
    filter,
    tags: tagCounts(sorted),
    total: sorted.length,
    items: sorted.filter((d) => matchesFilter(d, filter)).map(summary),
  };
}

function entitySummary(e: EntityDef): EntitySummary {
  return {
    name: e.name,
    joinKeys: [...e.joinKeys],
    valueType: valueTypeName(e.valueType),
    description: e.description,
    owner: e.owner,
    tags: { ...e.tags },
  };
}

const searchableEntity = (e: EntityDef): EntityDef & Searchable => ({ ...e, words: e.joinKeys });
const searchableView = (v: FeatureViewDef): FeatureViewDef & Searchable => ({
  ...v,
  words: [...v.features.map((f) => f.name), ...v.entities, v.source.name],
});
const searchableOdfv = (v: OnDemandFeatureViewDef): OnDemandFeatureViewDef & Searchable => ({
  ...v,
  words: [...v.features.map((f) => f.name), ...v.sources.map((s) => s.featureView)],
});
const searchableService = (s: FeatureServiceDef): FeatureServiceDef & Searchable => ({
  ...s,
  words: s.projections.flatMap((p) => [p.featureView, ...p.features]),
});

export function entityList(
  src: ConsoleSources,
  may: MayDescribe,
  filter: ListFilter,
): ListModel<EntitySummary> {
  const visible = visibleObjects(src.registry.snapshot(), may);
  return listOf(visible.entities.map(searchableEntity), filter, entitySummary);
}

export function entityModel(src: ConsoleSources, may: MayDescribe, name: string): EntityModel | undefined {
  const snapshot = src.registry.snapshot();
  const e = snapshot.entities.get(name);
  if (!e || !may("Entity", e)) return undefined;
  const views = visibleObjects(snapshot, may).featureViews.filter((v) => v.entities.includes(name));
  return {
    ...entitySummary(e),
    ...metaOf(snapshot, "entity", name),
    featureViews: views.map((v) => v.name).sort(),
  };
}

function viewSummary(v: FeatureViewDef): ViewSummary {
  return {
    name: v.name,
    kind: isStreamFeatureView(v) ? "stream" : "batch",
    entities: [...v.entities],
    features: v.features.length,
    ttlSeconds: v.ttlSeconds,
    online: v.online,
    source: v.source.name,
    description: v.description,
    owner: v.owner,
    tags: { ...v.tags },
  };
}

/** A connection string without user information (a password may sit there). */
function withoutCredentials(connection: string): string {
  return connection.replace(/\/\/[^@/]*@/, "//");
}

function sourceModel(s: DataSourceDef): SourceModel {
  const file = s.kind === "file" ? s : s.batchSource;
  return {
    name: s.name,
    kind: s.kind,
    path: file.path,
    timestampField: s.kind === "stream" ? s.timestampField : file.timestampField,
    createdTimestampColumn: file.createdTimestampColumn,
    fieldMapping: { ...file.fieldMapping },
    batchSource: s.kind === "file" ? null : s.batchSource.name,
    stream:
      s.kind === "stream"
        ? {
            kind: s.stream.kind,
            connection: withoutCredentials(s.stream.connection),
            stream: s.stream.stream,
            group: s.stream.group,
            subject: s.stream.kind === "nats" ? s.stream.subject : "",
          }
        : null,
  };
}

/** A stream feature view: windowed aggregates of a stream source (src/streaming). */
export function isStreamFeatureView(v: FeatureViewDef): boolean {
  return v.aggregations !== undefined && v.source.kind === "stream";
}

/** Batch feature views (`stream` false) or stream feature views (`stream` true). */
export function viewList(
  src: ConsoleSources,
  may: MayDescribe,
  filter: ListFilter,
  stream = false,
): ListModel<ViewSummary> {
  const visible = visibleObjects(src.registry.snapshot(), may);
  const views = visible.featureViews.filter((v) => isStreamFeatureView(v) === stream);
  return listOf(views.map(searchableView), filter, viewSummary);
}

export async function viewModel(
  src: ConsoleSources,
  may: MayDescribe,
  name: string,
): Promise<ViewModel | undefined> {
  const snapshot = src.registry.snapshot();
  const v = snapshot.featureViews.get(name);
  if (!v || !may("FeatureView", v)) return undefined;
  const visible = visibleObjects(snapshot, may);
  const { status, intervals, otherStores } = await viewStatus(src, snapshot, v);
  return {
    ...viewSummary(v),
    entityColumns: v.entityColumns.map(fieldModel),
    schema: v.features.map(fieldModel),
    sourceDetail: sourceModel(v.source),
    ...metaOf(snapshot, "feature_view", name),
    intervals,
    freshness: status.freshness,
    lastRun: status.lastRun,
    otherOnlineStores: otherStores,
    stream: v.aggregations
      ? {
          aggregations: v.aggregations.map((a) => ({ ...a })),
          allowedLatenessSeconds: v.allowedLatenessSeconds ?? 0,
        }
      : null,
    usedBy: {
      featureServices: visible.featureServices
        .filter((s) => s.projections.some((p) => p.featureView === name))
        .map((s) => s.name)
        .sort(),
      onDemandFeatureViews: visible.onDemandFeatureViews
        .filter((o) => o.sources.some((p) => p.featureView === name))
        .map((o) => o.name)
        .sort(),
    },
  };
}

function odfvSummary(v: OnDemandFeatureViewDef): OnDemandSummary {
  return {
    name: v.name,
    sources: v.sources.map((s) => s.featureView),
    features: v.features.length,
    description: v.description,
    owner: v.owner,
    tags: { ...v.tags },
  };
}

export function onDemandList(
  src: ConsoleSources,
  may: MayDescribe,
  filter: ListFilter,
): ListModel<OnDemandSummary> {
  const visible = visibleObjects(src.registry.snapshot(), may);
  return listOf(visible.onDemandFeatureViews.map(searchableOdfv), filter, odfvSummary);
}

export function onDemandModel(
  src: ConsoleSources,
  may: MayDescribe,
  name: string,
): OnDemandModel | undefined {
  const snapshot = src.registry.snapshot();
  const v = snapshot.onDemandFeatureViews.get(name);
  if (!v || !may("OnDemandFeatureView", v)) return undefined;
  return {
    ...odfvSummary(v),
    inputs: v.sources.map((s) => ({ featureView: s.featureView, features: [...s.features] })),
    requestSchema: v.requestSchema.map(fieldModel),
    schema: v.features.map(fieldModel),
    udfSource: v.udfSource,
    ...metaOf(snapshot, "on_demand_feature_view", name),
    usedBy: {
      featureServices: visibleObjects(snapshot, may)
        .featureServices.filter((s) => s.projections.some((p) => p.featureView === name))
        .map((s) => s.name)
        .sort(),
    },
  };
}

function serviceSummary(s: FeatureServiceDef): ServiceSummary {
  return {
    name: s.name,
    views: s.projections.map((p) => p.featureView),
    features: s.projections.reduce((n, p) => n + p.features.length, 0),
    description: s.description,
    owner: s.owner,
    tags: { ...s.tags },
  };
}

export function serviceList(
  src: ConsoleSources,
  may: MayDescribe,
  filter: ListFilter,
): ListModel<ServiceSummary> {
  const visible = visibleObjects(src.registry.snapshot(), may);
  return listOf(visible.featureServices.map(searchableService), filter, serviceSummary);
}

export function serviceModel(src: ConsoleSources, may: MayDescribe, name: string): ServiceModel | undefined {
  const snapshot = src.registry.snapshot();
  const s = snapshot.featureServices.get(name);
  if (!s || !may("FeatureService", s)) return undefined;
  return {
    ...serviceSummary(s),
    projections: s.projections.map((p) => ({
      featureView: p.featureView,
      kind: snapshot.onDemandFeatureViews.has(p.featureView) ? "on_demand_feature_view" : "feature_view",
      features: [...p.features],
    })),
    ...metaOf(snapshot, "feature_service", name),
  };
}

/** Paths of the console's pages, one per object (deep links). */
export const pagePaths = {
  entity: (name: string) => `/entities/${encodeURIComponent(name)}`,
  featureView: (name: string) => `/views/${encodeURIComponent(name)}`,
  streamFeatureView: (name: string) => `/stream-views/${encodeURIComponent(name)}`,
  onDemandFeatureView: (name: string) => `/on-demand-views/${encodeURIComponent(name)}`,
  featureService: (name: string) => `/services/${encodeURIComponent(name)}`,
  feature: (view: string, feature: string) =>
    `/views/${encodeURIComponent(view)}/features/${encodeURIComponent(feature)}`,
  dataset: (id: string) => `/datasets/${encodeURIComponent(id)}`,
};

/** Every visible object (and feature) matching `filter`, entities first, at most `limit`. */
export function searchModel(
  src: ConsoleSources,
  may: MayDescribe,
  filter: ListFilter,
  limit = 200,
): SearchHit[] {
  const visible = visibleObjects(src.registry.snapshot(), may);
  const hits: SearchHit[] = [];
  const add = (hit: SearchHit) => {
    if (hits.length < limit) hits.push(hit);
  };
  for (const e of visible.entities.sort(byName)) {
    if (matchesFilter(searchableEntity(e), filter))
      add({ kind: "entity", name: e.name, path: pagePaths.entity(e.name), description: e.description });
  }
  for (const v of visible.featureViews.sort(byName)) {
    if (!matchesFilter(searchableView(v), filter)) continue;
    const stream = isStreamFeatureView(v);
    add({
      kind: stream ? "stream_feature_view" : "feature_view",
      name: v.name,
      path: stream ? pagePaths.streamFeatureView(v.name) : pagePaths.featureView(v.name),
      description: v.description,
    });
  }
  for (const v of visible.onDemandFeatureViews.sort(byName)) {
    if (matchesFilter(searchableOdfv(v), filter)) {
      add({
        kind: "on_demand_feature_view",
        name: v.name,
        path: pagePaths.onDemandFeatureView(v.name),
        description: v.description,
      });
    }
  }
  for (const s of visible.featureServices.sort(byName)) {
    if (matchesFilter(searchableService(s), filter)) {
      add({
        kind: "feature_service",
        name: s.name,
        path: pagePaths.featureService(s.name),
        description: s.description,
      });
    }
  }
  // Features by their own name, description and tags (their view's tags count: a tag filter finds them).
  for (const v of visible.featureViews) {
    for (const f of v.features) {
      const item = {
        name: `${v.name}:${f.name}`,
        description: f.description,
        tags: { ...v.tags, ...f.tags },
      };
      if (matchesFilter(item, filter))
        add({
          kind: "feature",
          name: item.name,
          path: pagePaths.feature(v.name, f.name),
          description: f.description,
        });
    }
  }
  return hits;
}

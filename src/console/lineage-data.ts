/**
 * The console's versions and lineage data, read through src/lineage's store:
 * the versions of an object with what changed between each and the one
 * before, the training sets recorded by GetHistoricalFeatures and `fstore
 * historical`, and one training set's manifest as a layered graph (source
 * files → views → services → training set). A training set is shown only to
 * a caller who may DESCRIBE every definition it used.
 */
import { canonicalJson } from "../definitions/index.js";
import type { DatasetManifest, LineageStore, ObjectVersion } from "../lineage/index.js";
import type { ProtectedType } from "../permissions/index.js";
import type { RegistrySnapshot } from "../registry/index.js";
import type { MayDescribe } from "./console-sources.js";
import { pagePaths } from "./registry-data.js";

/** Training sets looked at for a list (newest first). */
const DATASETS_LISTED = 200;
/** Longest JSON shown for one changed property of a version. */
const MAX_VALUE_CHARS = 4000;

export interface VersionModel {
  version: number;
  createdAt: string;
  appliedBy: string;
  gitCommit: string;
  gitDirty: boolean;
  contentHash: string;
  /** What differs from the version before (none for the first). */
  changes: { property: string; before: string; after: string }[];
}

export interface DatasetSummary {
  id: string;
  createdAt: string;
  rowCount: number;
  featureServices: string[];
  features: string[];
  leakageViolations: number;
}

export interface LineageNode {
  id: string;
  label: string;
  detail: string;
  /** The console page of the node, when it has one the caller may see. */
  path: string | null;
  /** Ids of the nodes this one feeds. */
  feeds: string[];
}

export interface LineageGraph {
  columns: { title: string; nodes: LineageNode[] }[];
}

export interface DatasetModel {
  manifest: DatasetManifest;
  graph: LineageGraph;
}

const KIND_TYPES: Record<string, ProtectedType> = {
  feature_view: "FeatureView",
  on_demand_feature_view: "OnDemandFeatureView",
  feature_service: "FeatureService",
  entity: "Entity",
  data_source: "DataSource",
  permission: "Permission",
};

function tagsOf(snapshot: RegistrySnapshot, kind: string, name: string): Record<string, string> {
  const def =
    kind === "feature_view"
      ? snapshot.featureViews.get(name)
      : kind === "on_demand_feature_view"
        ? snapshot.onDemandFeatureViews.get(name)
        : kind === "feature_service"
          ? snapshot.featureServices.get(name)
          : kind === "entity"
            ? snapshot.entities.get(name)
            : kind === "data_source"
              ? snapshot.dataSources.get(name)
              : undefined;
  return { ...(def?.tags ?? {}) };
}

/** Whether the caller may see a training set: DESCRIBE on every definition it used (removed ones untagged). */
export function mayDescribeDataset(
  snapshot: RegistrySnapshot,
  may: MayDescribe,
  m: DatasetManifest,
): boolean {
  return m.definitions.every((d) => {
    const type = KIND_TYPES[d.kind];
    return type !== undefined && may(type, { name: d.name, tags: tagsOf(snapshot, d.kind, d.name) });
  });
}

function shown(value: unknown): string {
  const text = value === undefined ? "(none)" : canonicalJson(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

/** The top-level properties that differ between two definitions, with both values. */
export function definitionChanges(before: object, after: object): VersionModel["changes"] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: VersionModel["changes"] = [];
  for (const key of keys) {
    const a = (before as Record<string, unknown>)[key];
    const b = (after as Record<string, unknown>)[key];
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null))
      changes.push({ property: key, before: shown(a), after: shown(b) });
  }
  return changes;
}

/** Versions of `kind/name`, newest first, each with its changes from the one before. */
export async function versionsModel(
  store: LineageStore,
  kind: string,
  name: string,
): Promise<VersionModel[]> {
  const history: ObjectVersion[] = await store.history(name, kind);
  const sorted = [...history].sort((a, b) => a.version - b.version);
  return sorted
    .map((v, i) => {
      const prev = sorted[i - 1];
      return {
        version: v.version,
        createdAt: new Date(v.createdAt).toISOString(),
        appliedBy: v.appliedBy,
        gitCommit: v.gitCommit,
        gitDirty: v.gitDirty,
        contentHash: v.contentHash,
        changes: prev ? definitionChanges(prev.definition, v.definition) : [],
      };
    })
    .reverse();
}

function summaryOf(m: DatasetManifest): DatasetSummary {
  return {
    id: m.id,
    createdAt: m.createdAt,
    rowCount: m.rowCount,
    featureServices: [...m.request.featureServices],
    features: [...m.request.features],
    leakageViolations: m.leakageAudit.violations,
  };
}

/** The training sets the caller may see, newest first (only those of `featureService` when given). */
export async function datasetList(
  store: LineageStore,
  snapshot: RegistrySnapshot,
  may: MayDescribe,
  featureService?: string,
): Promise<DatasetSummary[]> {
  const listed = await store.listDatasets(DATASETS_LISTED);
  const out: DatasetSummary[] = [];
  for (const { id } of listed) {
    const m = await store.dataset(id);
    if (!m || !mayDescribeDataset(snapshot, may, m)) continue;
    if (featureService && !m.request.featureServices.some((s) => s.split("@")[0] === featureService))
      continue;
    out.push(summaryOf(m));
  }
  return out;
}

/** The manifest as a graph: files → views (and on-demand views) → services → the training set. */
export function lineageGraph(m: DatasetManifest, snapshot: RegistrySnapshot, may: MayDescribe): LineageGraph {
  const datasetId = `dataset:${m.id}`;
  const services = m.definitions.filter((d) => d.kind === "feature_service");
  const views = m.definitions.filter((d) => d.kind !== "feature_service");
  const serviceViews = new Map<string, Set<string>>();
  for (const s of services) {
    const def = snapshot.featureServices.get(s.name);
    serviceViews.set(s.name, new Set(def?.projections.map((p) => p.featureView) ?? []));
  }
  const visible = (kind: string, name: string) => {
    const type = KIND_TYPES[kind];
    return type !== undefined && may(type, { name, tags: tagsOf(snapshot, kind, name) });
  };
  const viewNodes: LineageNode[] = views.map((v) => {
    const into = services
      .filter((s) => serviceViews.get(s.name)?.has(v.name))
      .map((s) => `service:${s.name}`);
    const exists =
      v.kind === "feature_view"
        ? snapshot.featureViews.has(v.name)
        : snapshot.onDemandFeatureViews.has(v.name);
    return {
      id: `view:${v.name}`,
      label: v.name,
      detail: `${v.kind === "feature_view" ? "feature view" : "on-demand view"} v${v.version}`,
      path:
        exists && visible(v.kind, v.name)
          ? v.kind === "feature_view"
            ? pagePaths.featureView(v.name)
            : pagePaths.onDemandFeatureView(v.name)
          : null,
      feeds: into.length > 0 ? into : [datasetId],
    };
  });
  const fileNodes: LineageNode[] = [];
  const seen = new Map<string, LineageNode>();
  const addFile = (path: string, size: number, fingerprint: string, feeds: string) => {
    let node = seen.get(path);
    if (!node) {
      node = {
        id: `file:${path}`,
        // The file and its folder: enough to tell files apart; the table beside has the whole path.
        label: path.split("/").slice(-2).join("/"),
        detail: `${size.toLocaleString("en-US")} bytes, ${fingerprint.slice(0, fingerprint.indexOf(":") + 13)}…`,
        path: null,
        feeds: [],
      };
      seen.set(path, node);
      fileNodes.push(node);
    }
    if (!node.feeds.includes(feeds)) node.feeds.push(feeds);
  };
  for (const s of m.sources)
    for (const f of s.files) addFile(f.path, f.size, f.fingerprint, `view:${s.featureView}`);
  for (const f of m.entities.files ?? []) addFile(f.path, f.size, f.fingerprint, datasetId);
  const serviceNodes: LineageNode[] = services.map((s) => ({
    id: `service:${s.name}`,
    label: s.name,
    detail: `feature service v${s.version}`,
    path:
      snapshot.featureServices.has(s.name) && visible(s.kind, s.name)
        ? pagePaths.featureService(s.name)
        : null,
    feeds: [datasetId],
  }));
  return {
    columns: [
      { title: "Source files", nodes: fileNodes },
      { title: "Views", nodes: viewNodes },
      ...(serviceNodes.length > 0 ? [{ title: "Feature services", nodes: serviceNodes }] : []),
      {
        title: "Training set",
        nodes: [
          {
            id: datasetId,
            label: m.id,
            detail: `${m.rowCount.toLocaleString("en-US")} rows${m.outputPath ? `, ${m.outputPath}` : ""}`,
            path: null,
            feeds: [],
          },
        ],
      },
    ],
  };
}

export async function datasetModel(
  store: LineageStore,
  snapshot: RegistrySnapshot,
  may: MayDescribe,
  id: string,
): Promise<DatasetModel | undefined> {
  const m = await store.dataset(id);
  if (!m || !mayDescribeDataset(snapshot, may, m)) return undefined;
  return { manifest: m, graph: lineageGraph(m, snapshot, may) };
}

/** One materialization run of a view, as the view page lists them. */
export interface RecentRunModel {
  runId: string;
  outcome: string;
  windowStart: string;
  windowEnd: string;
  finishedAt: string;
  rowsRead: number;
  entitiesWritten: number;
  scheduled: boolean;
  viewVersion: number | null;
  files: number;
  error: string;
}

/** The last `limit` runs of `featureView` into `onlineStore` (the lineage store keeps every run). */
export async function recentRunsModel(
  store: LineageStore,
  onlineStore: string,
  featureView: string,
  limit = 10,
): Promise<RecentRunModel[]> {
  const runs = await store.recentMaterializations(onlineStore, featureView, limit);
  return runs.map((r) => ({
    runId: r.runId,
    outcome: r.outcome,
    windowStart: r.windowStart,
    windowEnd: r.windowEnd,
    finishedAt: r.finishedAt,
    rowsRead: r.rowsRead,
    entitiesWritten: r.entitiesWritten,
    scheduled: r.scheduled,
    viewVersion: r.view.version === 0 ? null : r.view.version,
    files: r.files.length,
    error: r.error,
  }));
}

/**
 * Computing a profile (the I/O edge of profile-sql.ts and
 * value-counts-sql.ts): which rows of which source, read through DuckDB,
 * every feature of a source at once (a feature service's features are
 * grouped by view, each view's source read by its own scans).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { failedPrecondition, invalidArgument, notFound } from "../errors/index.js";
import {
  describeParquet,
  featureSlot,
  fromDuckDbError,
  parquetScanSql,
  quoteIdent,
  sourceLocation,
  storedColumnOf,
  type ViewSourceSpec,
  valueTypeOfDuckType,
  viewSourceSql,
} from "../offline/index.js";
import type { FeatureServiceDef, FeatureViewDef, FieldDef } from "../registry/model.js";
import { batchSourceOf } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import type { CategoricalSummary, FeatureProfile, Profile, ProfileSource } from "./profile.js";
import type { ProfileColumn } from "./profile-sql.js";
import {
  columnsNeedingRange,
  DEFAULT_BINS,
  DEFAULT_TOP_VALUES,
  edgesFromRanges,
  featureKindOf,
  profileSql,
  profilesOf,
  rangeSql,
} from "./profile-sql.js";
import {
  categoricalSummaries,
  groupedRangesSql,
  valueCountsSql,
  valueSummarySql,
} from "./value-counts-sql.js";

/** What to profile. */
export type ProfileTarget =
  | { kind: "feature_view"; name: string }
  | { kind: "feature_service"; name: string }
  /** A training set's (or any) Parquet; with `featureService`, only its features, named "view:feature". */
  | { kind: "training_set"; path: string; featureService?: string }
  /** What GetOnlineFeatures served for a service with `logging` (its window: the request times). */
  | { kind: "serving_log"; featureService: string };

export interface ProfileRequest {
  target: ProfileTarget;
  /** Event-time window, inclusive (offline sources: the timestamp field; Parquet: `event_timestamp`). */
  start?: Date;
  end?: Date;
  /** Per feature name: a baseline's edges and categories to profile against. */
  reference?: ReadonlyMap<string, { edges?: number[]; categories?: string[] }>;
  bins?: number;
  topValues?: number;
}

export interface ProfileContext {
  connection: DuckDBConnection;
  /**
   * The instance `connection` belongs to: per-row skew computes on-demand
   * features through a second connection of it (as GetHistoricalFeatures
   * does); without it they are not compared.
   */
  db?: DuckDBInstance;
  snapshot: RegistrySnapshot;
  repoPath: string;
  /** The offline store's `log_dir` (serving logs); required for serving_log targets. */
  logDir?: string;
  now?: () => Date;
}

/** One source read once: the SELECT of its rows and the features it carries. */
export interface SourceGroup {
  fromSql: string;
  columns: ProfileColumn[];
  context: string;
}

/** Profiles the target: per source, the value counts and ranges (when needed), then the profile aggregate. */
export async function computeProfile(ctx: ProfileContext, request: ProfileRequest): Promise<Profile> {
  const { start, end } = request;
  if (start && end && start.getTime() > end.getTime()) {
    throw invalidArgument(`the window starts after it ends: ${start.toISOString()} > ${end.toISOString()}`);
  }
  const groups = await sourceGroups(ctx, request);
  const features: FeatureProfile[] = [];
  for (const group of groups) {
    const columns = group.columns.map((c) => ({ ...c, ...request.reference?.get(c.name) }));
    features.push(
      ...(await profileGroup(ctx.connection, { ...group, columns }, request.bins, request.topValues)),
    );
  }
  const target = request.target;
  const source: ProfileSource =
    target.kind === "training_set"
      ? { kind: "training_set", name: target.path }
      : target.kind === "serving_log"
        ? { kind: "serving_log", name: target.featureService }
        : { kind: target.kind, name: target.name };
  return {
    id: null,
    source,
    window: start || end ? { start: start?.toISOString() ?? null, end: end?.toISOString() ?? null } : null,
    createdAt: (ctx.now?.() ?? new Date()).toISOString(),
    features,
  };
}

/**
 * Profiles the rows of `fromSql` (any SELECT; e.g. a serving log whose
 * features carry status columns): a scan for the value counts of strings
 * and booleans and the ranges of numbers without edges (when there are
 * any), then the profile aggregate.
 */
export async function profileGroup(
  connection: DuckDBConnection,
  group: SourceGroup,
  bins = DEFAULT_BINS,
  topValues = DEFAULT_TOP_VALUES,
): Promise<FeatureProfile[]> {
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000) {
    throw invalidArgument(`bins must be a whole number from 1 to 1000, got ${bins}`);
  }
  if (!Number.isInteger(topValues) || topValues < 1 || topValues > 1000) {
    throw invalidArgument(`top values must be a whole number from 1 to 1000, got ${topValues}`);
  }
  try {
    let columns = group.columns;
    const ranged = columnsNeedingRange(columns);
    const categorical = columns.filter((c) => featureKindOf(c.valueType) === "categorical");
    let ranges: Record<string, unknown> | undefined;
    let summaries = new Map<string, CategoricalSummary>();
    if (categorical.length > 0) {
      // One scan: the value counts of every string and boolean, and the ranges of the numbers.
      const table = `__fstore_profile_values_${++valueTables}`;
      await connection.run(
        `CREATE TEMP TABLE ${quoteIdent(table)} AS ${valueCountsSql(group.fromSql, ranged, categorical)}`,
      );
      try {
        if (ranged.length > 0) {
          ranges = (await connection.runAndReadAll(groupedRangesSql(table, ranged))).getRowObjectsJson()[0];
        }
        const rows = (
          await connection.runAndReadAll(valueSummarySql(table, categorical, topValues))
        ).getRowObjectsJson();
        summaries = categoricalSummaries(rows, categorical);
      } finally {
        await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
      }
    } else if (ranged.length > 0) {
      ranges = (await connection.runAndReadAll(rangeSql(group.fromSql, ranged))).getRowObjectsJson()[0];
    }
    if (ranged.length > 0) {
      const edges = edgesFromRanges(ranges ?? {}, ranged, bins);
      columns = columns.map((c) => (edges.has(c.name) ? { ...c, edges: edges.get(c.name) } : c));
    }
    const reader = await connection.runAndReadAll(profileSql(group.fromSql, columns));
    return profilesOf(reader.getRowObjectsJson()[0] ?? {}, columns, summaries);
  } catch (err) {
    throw fromDuckDbError(err, group.context);
  }
}

/** Temp tables of grouped values are named apart (a connection may profile several sources). */
let valueTables = 0;

async function sourceGroups(ctx: ProfileContext, request: ProfileRequest): Promise<SourceGroup[]> {
  const { target } = request;
  if (target.kind === "feature_view") {
    const view = ctx.snapshot.featureViews.get(target.name);
    if (!view) throw notFound(`feature view "${target.name}" is not in the registry`);
    return [await viewGroup(ctx, view, view.features, request)];
  }
  if (target.kind === "feature_service") {
    const groups: SourceGroup[] = [];
    for (const [view, fields] of serviceFeatures(ctx.snapshot, target.name)) {
      groups.push(await viewGroup(ctx, view, fields, request));
    }
    return groups;
  }
  if (target.kind === "serving_log") return [await servingLogGroup(ctx, target.featureService, request)];
  return [await parquetGroup(ctx, target.path, target.featureService, request)];
}

/** The folder a service's serving logs are written to (feature-logging/). */
export function servingLogFolder(logDir: string, service: FeatureServiceDef): string {
  return join(logDir, service.logging?.destination.path ?? service.name);
}

/**
 * A service's serving logs: every feature it served (on-demand ones too),
 * from the columns `view__feature` with their statuses `view__feature__status`
 * (so NOT_FOUND and OUTSIDE_MAX_AGE shares are counted), in the window of
 * request times (`__log_timestamp`).
 */
export async function servingLogGroup(
  ctx: ProfileContext,
  name: string,
  request: ProfileRequest,
): Promise<SourceGroup> {
  const service = ctx.snapshot.featureServices.get(name);
  if (!service) throw notFound(`feature service "${name}" is not in the registry`);
  if (!ctx.logDir) throw failedPrecondition("serving logs need the offline store's log_dir");
  const folder = servingLogFolder(ctx.logDir, service);
  if (!existsSync(folder) || !readdirSync(folder).some((f) => f.endsWith(".parquet"))) {
    throw failedPrecondition(
      `feature service "${name}" has no serving logs in ${folder}${service.logging ? " yet" : ": it has no logging configured"}`,
    );
  }
  const location = join(folder, "*.parquet");
  const context = `serving logs of feature service "${name}"`;
  const stored = await describeParquet(ctx.connection, location, context);
  const columns: ProfileColumn[] = [];
  for (const p of service.projections) {
    const fields =
      ctx.snapshot.featureViews.get(p.featureView)?.features ??
      ctx.snapshot.onDemandFeatureViews.get(p.featureView)?.features ??
      [];
    for (const f of fields) {
      if (p.features.length > 0 && !p.features.includes(f.name)) continue;
      const column = `${p.featureView}__${f.name}`;
      // A feature added to the service after these logs were written has no column yet: left out.
      if (!stored.has(column)) continue;
      columns.push({
        name: `${p.featureView}:${f.name}`,
        column,
        valueType: f.dtype,
        statusColumn: stored.has(`${column}__status`) ? `${column}__status` : null,
      });
    }
  }
  const where: string[] = [];
  const ts = "epoch_us(__log_timestamp)";
  if (request.start) where.push(`${ts} >= ${micros(request.start)}`);
  if (request.end) where.push(`${ts} <= ${micros(request.end)}`);
  return {
    fromSql: `SELECT * FROM ${parquetScanSql(location)}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`,
    columns,
    context,
  };
}

/**
 * The batch-view features of a feature service, grouped by view in the
 * service's order. On-demand features are computed at request time and
 * have no offline rows to profile, so they are left out.
 */
export function serviceFeatures(snapshot: RegistrySnapshot, name: string): Map<FeatureViewDef, FieldDef[]> {
  const service = snapshot.featureServices.get(name);
  if (!service) throw notFound(`feature service "${name}" is not in the registry`);
  const byView = new Map<FeatureViewDef, FieldDef[]>();
  for (const p of service.projections) {
    const view = snapshot.featureViews.get(p.featureView);
    if (!view) {
      if (snapshot.onDemandFeatureViews.has(p.featureView)) continue;
      throw notFound(`feature service "${name}" uses feature view "${p.featureView}", not in the registry`);
    }
    const names = p.features.length > 0 ? p.features : view.features.map((f) => f.name);
    const fields = byView.get(view) ?? [];
    for (const n of names) {
      const field = view.features.find((f) => f.name === n);
      if (!field) throw notFound(`feature "${n}" is not in feature view "${view.name}"`);
      if (!fields.includes(field)) fields.push(field);
    }
    byView.set(view, fields);
  }
  if (byView.size === 0) {
    throw failedPrecondition(`feature service "${name}" has no batch features to profile`);
  }
  return byView;
}

function micros(d: Date): bigint {
  return BigInt(d.getTime()) * 1000n;
}

/** A view's source rows in the window, its features cast to their declared types. */
async function viewGroup(
  ctx: ProfileContext,
  view: FeatureViewDef,
  fields: FieldDef[],
  request: ProfileRequest,
): Promise<SourceGroup> {
  const source = batchSourceOf(view);
  const location = sourceLocation(source, ctx.repoPath);
  const context = `feature view "${view.name}": source "${source.name}"`;
  const stored = await describeParquet(ctx.connection, location, context);
  const column = (name: string, what: string) => {
    const c = stored.has(name) ? name : storedColumnOf(source, name);
    if (!stored.has(c)) throw failedPrecondition(`${context} (${location}) has no column "${c}" for ${what}`);
    return c;
  };
  const ts = column(source.timestampField, "the event timestamp");
  const bounds =
    request.start || request.end
      ? {
          maxMicros: micros(request.end ?? new Date(8.64e15)),
          ...(request.start ? { minMicros: micros(request.start) } : {}),
        }
      : undefined;
  const spec: ViewSourceSpec = {
    scan: parquetScanSql(location),
    keys: [],
    features: fields.map((field) => ({ field, column: column(field.name, `feature "${field.name}"`) })),
    timestamp: { column: ts, type: stored.get(ts) as never },
    created: null,
    ...(bounds ? { bounds } : {}),
  };
  return {
    fromSql: viewSourceSql(spec),
    columns: fields.map((f, i) => ({
      name: `${view.name}:${f.name}`,
      column: featureSlot(i),
      valueType: f.dtype,
    })),
    context,
  };
}

/**
 * A Parquet file (a training set): with a service, each of its batch
 * features from the column "view__feature" or "feature"; without, every
 * column but the timestamps.
 */
async function parquetGroup(
  ctx: ProfileContext,
  path: string,
  featureService: string | undefined,
  request: ProfileRequest,
): Promise<SourceGroup> {
  const context = `training set ${path}`;
  const stored = await describeParquet(ctx.connection, path, "training set");
  let columns: ProfileColumn[];
  if (featureService) {
    columns = [];
    for (const [view, fields] of serviceFeatures(ctx.snapshot, featureService)) {
      for (const f of fields) {
        const full = `${view.name}__${f.name}`;
        const column = stored.has(full) ? full : stored.has(f.name) ? f.name : null;
        if (column === null) {
          throw failedPrecondition(
            `${context} has no column "${full}" or "${f.name}" for feature "${view.name}:${f.name}" of feature service "${featureService}"`,
          );
        }
        columns.push({ name: `${view.name}:${f.name}`, column, valueType: f.dtype });
      }
    }
  } else {
    columns = [...stored].flatMap(([name, type]) => {
      const valueType = valueTypeOfDuckType(type);
      if (name === "event_timestamp" || name.endsWith("__event_timestamp") || valueType === undefined)
        return [];
      return [{ name, column: name, valueType: valueType as ValueType }];
    });
  }
  const where: string[] = [];
  if (request.start || request.end) {
    if (!stored.has("event_timestamp")) {
      throw invalidArgument(`${context} has no "event_timestamp" column to take a window of`);
    }
    const ts = `epoch_us(${quoteIdent("event_timestamp")})`;
    if (request.start) where.push(`${ts} >= ${micros(request.start)}`);
    if (request.end) where.push(`${ts} <= ${micros(request.end)}`);
  }
  const scan = parquetScanSql(path);
  return {
    fromSql: `SELECT * FROM ${scan}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`,
    columns,
    context,
  };
}

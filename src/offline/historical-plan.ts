/**
 * Everything a historical query needs before it runs: the features per view,
 * the entity relation, each view's source read and checked, and the SQL of
 * the join with its output columns.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { failedPrecondition, invalidArgument, notFound } from "../errors/index.js";
import type { FeatureSelection } from "../registry/feature-selection.js";
import type { FieldDef, FileSourceDef, OnDemandFeatureViewDef } from "../registry/model.js";
import { batchSourceOf, isStreamView } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { valueTypeName } from "../values/index.js";
import { fromDuckDbError } from "./duckdb-errors.js";
import { isTimestampType, sqlTypeOf } from "./duckdb-types.js";
import type { EntityInput } from "./entity-input.js";
import { prepareEntities } from "./entity-input.js";
import type { ViewSelection } from "./feature-plan.js";
import { checkUniqueColumns, EVENT_TIMESTAMP, featureTimestampColumn, planFeatures } from "./feature-plan.js";
import type { PitOptions, PitView } from "./pit-query-sql.js";
import { orderColumn, pitQuerySql, usesRangePlan } from "./pit-query-sql.js";
import type { OutputColumn } from "./record-batch-encoder.js";
import type { SourceColumns } from "./source-scan.js";
import {
  describeParquet,
  parquetScanSql,
  sourceLocation,
  storedColumnOf,
  storedTimestampColumn,
} from "./source-scan.js";
import { quoteString } from "./sql-text.js";
import type { TimePacking } from "./time-order.js";
import { timePacking, timeStatsOf } from "./time-order.js";
import type { ViewSourceSpec } from "./view-source-sql.js";
import { viewSourceSql, viewTimeStatsSql } from "./view-source-sql.js";
import type { WindowAggregate, WindowEventsSpec, WindowView } from "./window-aggregation-sql.js";
import { chooseWindowPlan, windowEventsSql, windowPlanStatsSql } from "./window-aggregation-sql.js";

/** Entity rows by the name of a registered data source (its batch source for a push source). */
export interface RegisteredEntities {
  kind: "registered";
  name: string;
  startMicros?: bigint;
  endMicros?: bigint;
}

/** A point-in-time join request, in domain terms. */
export interface HistoricalQuery {
  snapshot: RegistrySnapshot;
  /** The features to join: references "view:feature", or feature services. */
  selection: FeatureSelection;
  entities: EntityInput | RegisteredEntities;
  fullFeatureNames: boolean;
  options: PitOptions;
}

export interface HistoricalPlan {
  /** The join, with one hidden match column per view after the visible ones, in entity-row order. */
  sql: string;
  /** The same join unsorted, with the order columns (`orderColumns`) after the match columns. */
  unsortedSql: string;
  orderColumns: string[];
  /** Visible output columns, in order. */
  columns: OutputColumn[];
  /** Index of event_timestamp among the columns. */
  timestampIndex: number;
  /** Per view: name, number of features and the hidden match column. */
  views: { name: string; featureCount: number; matchColumn: string }[];
  /**
   * On-demand views to compute over the join's rows (empty: none). Their
   * output columns are the last of `columns`.
   */
  odfvs: PlannedOdfv[];
  /** What the join reads: each view's source files (the pinned list) and the entity rows' files. */
  inputs: HistoricalInputs;
  /** How the join can run split by key (`key-split.ts`), or null when it cannot. */
  split: HistoricalSplit | null;
}

/**
 * The join as parts by key: every view joins on `keys` (among others), so
 * the entity rows and feature rows of one key hash meet only each other.
 * Not offered with a stream view (its windows are computed over the whole
 * entity relation) or when no key is common to every view.
 */
export interface HistoricalSplit {
  /** Keys every view joins on, with the SQL type both sides are compared as. */
  keys: { name: string; sqlType: string }[];
  /** Entity rows plus the rows stored in the views' source files (before any filter). */
  rows: bigint;
  /** The entity rows' SELECT and each view's source SELECT, as the join reads them. */
  entitiesSql: string;
  sourceSqls: string[];
  /** `unsortedSql` over other entity and source SELECTs with the same columns (one part's). */
  unsortedSqlOver(entitiesSql: string, sourceSqls: readonly string[]): string;
}

/** The files a historical query reads, for lineage (absolute paths, sorted). */
export interface HistoricalInputs {
  views: { featureView: string; source: string; files: string[] }[];
  /** Entity rows read from a source: its files; inline rows: none. */
  entityFiles: string[];
}

/** An on-demand view to compute: udf inputs by join column, and its output columns. */
export interface PlannedOdfv {
  odfv: OnDemandFeatureViewDef;
  /** Udf input name -> column of the join (a feature, hidden or not, or an entity-row column). */
  inputs: { name: string; column: string; cast?: ValueType }[];
  /** The requested features and their output columns. */
  outputs: { feature: FieldDef; column: string }[];
}

export interface PlanSettings {
  repoPath: string;
}

/** Plans `query` on `connection` (which then holds any temp table of inline entity rows). */
export async function planHistorical(
  connection: DuckDBConnection,
  query: HistoricalQuery,
  settings: PlanSettings,
): Promise<HistoricalPlan> {
  const plan = planFeatures(query.snapshot, query.selection, query.fullFeatureNames);
  const entityInput: EntityInput =
    query.entities.kind === "registered"
      ? {
          kind: "source",
          source: registeredSource(query.snapshot, query.entities.name),
          startMicros: query.entities.startMicros,
          endMicros: query.entities.endMicros,
        }
      : query.entities;
  const entities = await prepareEntities(connection, entityInput, plan.joinKeys, settings.repoPath);
  const range = await entityTimeRange(connection, entities.sql);
  let storedRows = range?.rows ?? 0n;

  const columns: OutputColumn[] = [];
  const origins: { name: string; from: string }[] = [];
  const add = (name: string, valueType: ValueType, from: string) => {
    columns.push({ name, valueType });
    origins.push({ name, from });
  };
  for (const k of plan.joinKeys) add(k.name, k.dtype, `join key "${k.name}"`);
  add(EVENT_TIMESTAMP, ValueType.UNIX_TIMESTAMP, "the entity rows' timestamps");
  for (const p of entities.passThrough) add(p.name, p.valueType, `entity column "${p.name}"`);

  const pitViews: PitView[] = [];
  const views: HistoricalPlan["views"] = [];
  const inputs: HistoricalInputs = {
    views: [],
    entityFiles:
      entityInput.kind === "source"
        ? await globFiles(connection, sourceLocation(entityInput.source, settings.repoPath), "entity rows")
        : [],
  };
  for (const [i, sel] of plan.views.entries()) {
    if (isStreamView(sel.view)) {
      pitViews.push(
        await streamPitView(connection, sel, range, settings.repoPath, {
          entitiesSql: entities.sql,
          rangeForced: query.options.excludeCreatedAfter,
          inputs,
        }),
      );
      sel.features.forEach((f, j) => {
        if (!sel.hidden[j])
          add(sel.outputNames[j] as string, f.dtype, `feature "${sel.view.name}:${f.name}"`);
      });
      if (query.options.includeFeatureTimestamps && sel.hidden.some((h) => !h)) {
        add(
          featureTimestampColumn(sel.view.name),
          ValueType.UNIX_TIMESTAMP,
          `the latest event timestamps of "${sel.view.name}"`,
        );
      }
      views.push({ name: sel.view.name, featureCount: sel.features.length, matchColumn: `__m${i}` });
      continue;
    }
    const source = batchSourceOf(sel.view);
    const location = sourceLocation(source, settings.repoPath);
    const context = `feature view "${sel.view.name}": source "${source.name}"`;
    const stored = await describeParquet(connection, location, context);
    const need = (name: string, what: string) => {
      const column = storedColumnOf(source, name);
      if (!stored.has(column)) {
        throw failedPrecondition(`${context} (${location}) has no column "${column}" for ${what}`);
      }
      return column;
    };
    const tsColumn = timestampColumn(
      source,
      stored,
      source.timestampField,
      context,
      location,
      "event timestamp",
    );
    const created = source.createdTimestampColumn
      ? timestampColumn(source, stored, source.createdTimestampColumn, context, location, "created timestamp")
      : null;
    const ttlMicros = BigInt(sel.view.ttlSeconds) * 1_000_000n;
    const files = await globFiles(connection, location, context);
    storedRows += await storedRowsOf(connection, files, context);
    inputs.views.push({ featureView: sel.view.name, source: source.name, files });
    const spec: ViewSourceSpec = {
      scan: pinnedScanSql(location, files),
      keys: sel.view.entityColumns.map((field) => ({
        field,
        column: need(field.name, `join key "${field.name}"`),
      })),
      features: sel.features.map((field) => ({ field, column: need(field.name, `feature "${field.name}"`) })),
      timestamp: { column: tsColumn, type: stored.get(tsColumn) as never },
      created: created ? { column: created, type: stored.get(created) as never } : null,
      ...(range
        ? {
            bounds: {
              maxMicros: range.max,
              ...(sel.view.ttlSeconds > 0 ? { minMicros: range.min - ttlMicros } : {}),
            },
          }
        : {}),
    };
    // With created times, one aggregate decides whether (event, created) packs into a BIGINT.
    const packing = created ? await sourcePacking(connection, spec, context) : null;
    const sourceSql = viewSourceSql({ ...spec, packing });
    const timestampName = featureTimestampColumn(sel.view.name);
    pitViews.push({
      sourceSql,
      keys: sel.view.entityColumns.map((k) => k.name),
      ttlSeconds: sel.view.ttlSeconds,
      hasCreated: created !== null,
      packing,
      featureNames: sel.outputNames,
      timestampName,
    });
    sel.features.forEach((f, j) => {
      if (!sel.hidden[j]) add(sel.outputNames[j] as string, f.dtype, `feature "${sel.view.name}:${f.name}"`);
    });
    // A view read only for on-demand inputs shows no timestamp column either.
    if (query.options.includeFeatureTimestamps && sel.hidden.some((h) => !h)) {
      add(timestampName, ValueType.UNIX_TIMESTAMP, `the event timestamps of "${sel.view.name}"`);
    }
    views.push({ name: sel.view.name, featureCount: sel.features.length, matchColumn: `__m${i}` });
  }
  const entityTypes = new Map<string, ValueType>([
    ...plan.joinKeys.map((k): [string, ValueType] => [k.name, k.dtype]),
    ...entities.passThrough.map((p): [string, ValueType] => [p.name, p.valueType]),
  ]);
  const entityColumns = [...entityTypes.keys()];
  const odfvs: PlannedOdfv[] = plan.odfvs.map((o) => {
    const inputs: PlannedOdfv["inputs"] = o.inputs.map((input) => {
      const sel = plan.views.find((v) => v.view.name === input.view);
      const j = sel?.features.findIndex((f) => f.name === input.feature) ?? -1;
      return { name: input.name, column: sel?.outputNames[j] as string };
    });
    for (const field of o.requestFields) {
      // Request data comes from the entity rows' columns of the same name.
      if (!entityColumns.includes(field.name)) {
        throw invalidArgument(
          `missing request data "${field.name}": on-demand feature view "${o.odfv.name}" needs an entity-row column "${field.name}" (entity columns: ${entityColumns.join(", ")})`,
        );
      }
      const type = entityTypes.get(field.name) as ValueType;
      if (type !== field.dtype && !(NUMERIC.has(type) && NUMERIC.has(field.dtype))) {
        throw invalidArgument(
          `entity-row column "${field.name}" is ${valueTypeName(type)}, but on-demand feature view "${o.odfv.name}" takes request data "${field.name}" as ${valueTypeName(field.dtype)}`,
        );
      }
      // Numbers are converted to the declared type (an integral column for a DOUBLE input is fine).
      inputs.push({
        name: field.name,
        column: field.name,
        ...(type !== field.dtype ? { cast: field.dtype } : {}),
      });
    }
    const outputs = o.features.map((feature, j) => ({ feature, column: o.outputNames[j] as string }));
    for (const out of outputs) {
      add(out.column, out.feature.dtype, `feature "${o.odfv.name}:${out.feature.name}"`);
    }
    return { odfv: o.odfv, inputs, outputs };
  });
  checkUniqueColumns(origins);
  const pitEntities = {
    sql: entities.sql,
    keys: plan.joinKeys,
    passThrough: entities.passThrough.map((p) => p.name),
    orderBy: entities.orderBy,
  };
  const common = plan.joinKeys.filter((k) => pitViews.every((v) => v.keys.includes(k.name)));
  const split: HistoricalSplit | null =
    pitViews.some((v) => v.window) || common.length === 0
      ? null
      : {
          keys: common.map((k) => ({ name: k.name, sqlType: sqlTypeOf(k.dtype) })),
          rows: storedRows,
          entitiesSql: pitEntities.sql,
          // The ASOF plan does not read the created time (it is in `__order`): not written by the split.
          sourceSqls: pitViews.map((v) =>
            v.hasCreated && !usesRangePlan(v, query.options)
              ? `SELECT * EXCLUDE (__created) FROM (${v.sourceSql})`
              : v.sourceSql,
          ),
          unsortedSqlOver: (entitiesSql, sourceSqls) =>
            pitQuerySql(
              { ...pitEntities, sql: entitiesSql },
              pitViews.map((v, i) => ({ ...v, sourceSql: sourceSqls[i] as string })),
              query.options,
              true,
              "order-columns",
            ),
        };
  return {
    split,
    sql: pitQuerySql(pitEntities, pitViews, query.options, true),
    unsortedSql: pitQuerySql(pitEntities, pitViews, query.options, true, "order-columns"),
    orderColumns: entities.orderBy.map((_, i) => orderColumn(i)),
    columns,
    timestampIndex: plan.joinKeys.length,
    views,
    odfvs,
    inputs,
  };
}

const NUMERIC = new Set([ValueType.INT32, ValueType.INT64, ValueType.FLOAT, ValueType.DOUBLE]);

/** Earliest and latest entity timestamps (microseconds) and the number of rows, or undefined when there are no rows. */
async function entityTimeRange(
  connection: DuckDBConnection,
  entitySql: string,
): Promise<{ min: bigint; max: bigint; rows: bigint } | undefined> {
  let reader: Awaited<ReturnType<DuckDBConnection["runAndReadAll"]>>;
  try {
    reader = await connection.runAndReadAll(
      `SELECT epoch_us(min(${EVENT_TIMESTAMP})), epoch_us(max(${EVENT_TIMESTAMP})), count(*) FROM (${entitySql})`,
    );
  } catch (err) {
    throw fromDuckDbError(err, "entity rows");
  }
  const [min, max, rows] = (reader.getRows()[0] ?? []) as (bigint | null)[];
  return min === null || max === null || min === undefined || max === undefined
    ? undefined
    : { min, max, rows: rows ?? 0n };
}

/** Rows stored in `files` (from their Parquet footers; nothing is scanned). */
async function storedRowsOf(
  connection: DuckDBConnection,
  files: readonly string[],
  context: string,
): Promise<bigint> {
  if (files.length === 0) return 0n;
  try {
    const reader = await connection.runAndReadAll(
      `SELECT CAST(coalesce(sum(num_rows), 0) AS BIGINT) FROM parquet_file_metadata([${files.map(quoteString).join(", ")}])`,
    );
    return (reader.getRows()[0]?.[0] as bigint | undefined) ?? 0n;
  } catch (err) {
    throw fromDuckDbError(err, context);
  }
}

/** The files matching `location` now, sorted. */
async function globFiles(connection: DuckDBConnection, location: string, context: string): Promise<string[]> {
  try {
    const reader = await connection.runAndReadAll(
      `SELECT file FROM glob(${quoteString(location)}) ORDER BY file`,
    );
    return reader.getRows().map((r) => String(r[0]));
  } catch (err) {
    throw fromDuckDbError(err, `${context} (${location})`);
  }
}

/**
 * The scan of the files matching `location` when listed (`files`), one by
 * one, so the time statistics and the join read the same files even when a
 * push adds a file to the folder in between (the packing is only valid for
 * the rows the statistics saw; pushed files are written once and renamed into
 * place). The same list is what lineage fingerprints.
 */
function pinnedScanSql(location: string, files: readonly string[]): string {
  if (files.length === 0) return parquetScanSql(location);
  return `read_parquet([${files.map(quoteString).join(", ")}], union_by_name = true)`;
}

/** The BIGINT packing of the source's (event, created) order, or null when its times do not allow one. */
async function sourcePacking(
  connection: DuckDBConnection,
  spec: ViewSourceSpec,
  context: string,
): Promise<TimePacking | null> {
  let reader: Awaited<ReturnType<DuckDBConnection["runAndReadAll"]>>;
  try {
    reader = await connection.runAndReadAll(viewTimeStatsSql(spec));
  } catch (err) {
    throw fromDuckDbError(err, context);
  }
  return timePacking(timeStatsOf(reader.getRows()[0] ?? []));
}

/**
 * A stream view's part of the join: its selected aggregates over the raw
 * events in its stream source's batch folder (keys, event time, `created`
 * and the aggregated columns, read as the source's schema types them), only
 * events some entity row's window can hold.
 */
async function streamPitView(
  connection: DuckDBConnection,
  sel: ViewSelection,
  range: { min: bigint; max: bigint } | undefined,
  repoPath: string,
  plan: { entitiesSql: string; rangeForced: boolean; inputs: HistoricalInputs },
): Promise<PitView> {
  const view = sel.view;
  if (!isStreamView(view)) throw new Error(`not a stream view: ${view.name}`);
  const stream = view.source;
  const source = stream.batchSource;
  const location = sourceLocation(source, repoPath);
  const context = `stream feature view "${view.name}": raw events of stream source "${stream.name}"`;
  const stored = await describeParquet(connection, location, context);
  const need = (name: string, what: string) => {
    const column = storedColumnOf(source, name);
    if (!stored.has(column)) {
      throw failedPrecondition(`${context} (${location}) has no column "${column}" for ${what}`);
    }
    return column;
  };
  const tsColumn = timestampColumn(
    source,
    stored,
    stream.timestampField,
    context,
    location,
    "event timestamp",
  );
  const created = source.createdTimestampColumn
    ? timestampColumn(source, stored, source.createdTimestampColumn, context, location, "created timestamp")
    : null;
  const schemaType = (column: string) => {
    const field = stream.schema.find((f) => f.name === column);
    if (!field)
      throw failedPrecondition(`${context}: column "${column}" is not in the stream source's schema`);
    return field.dtype;
  };
  const columns: string[] = [];
  const aggregates: WindowAggregate[] = sel.features.map((feature) => {
    const at = view.features.findIndex((f) => f.name === feature.name);
    const agg = view.aggregations[at];
    if (!agg) throw failedPrecondition(`${context}: feature "${feature.name}" has no aggregation`);
    let column = -1;
    if (agg.function !== "count") {
      column = columns.indexOf(agg.column);
      if (column < 0) column = columns.push(agg.column) - 1;
    }
    return {
      function: agg.function,
      column,
      windowUs: BigInt(agg.windowSeconds) * 1_000_000n,
      slideUs: BigInt(agg.slideSeconds) * 1_000_000n,
      sqlType: sqlTypeOf(feature.dtype),
    };
  });
  // The earliest event any row's window can hold: after min(t) - (window + slide).
  let reach = 0n;
  for (const a of aggregates) if (a.windowUs + a.slideUs > reach) reach = a.windowUs + a.slideUs;
  const files = await globFiles(connection, location, context);
  plan.inputs.views.push({ featureView: view.name, source: stream.name, files });
  const spec: WindowEventsSpec = {
    scan: pinnedScanSql(location, files),
    keys: view.entityColumns.map((field) => ({
      name: field.name,
      column: need(field.name, `join key "${field.name}"`),
      sqlType: sqlTypeOf(field.dtype),
    })),
    values: columns.map((c) => ({
      column: need(c, `aggregated column "${c}"`),
      sqlType: sqlTypeOf(schemaType(c)),
    })),
    timestamp: { column: tsColumn, type: stored.get(tsColumn) as never },
    created: created ? { column: created, type: stored.get(created) as never } : null,
    ...(range ? { bounds: { maxMicros: range.max, minMicros: range.min - reach } } : {}),
  };
  const keys = view.entityColumns.map((k) => k.name);
  const window: WindowView = {
    eventsSql: windowEventsSql(spec),
    keys,
    valueTypes: columns.map((c) => sqlTypeOf(schemaType(c))),
    aggregates,
  };
  if (!plan.rangeForced) {
    // One aggregate over the keys decides between the window plan and the range join.
    let reader: Awaited<ReturnType<DuckDBConnection["runAndReadAll"]>>;
    try {
      reader = await connection.runAndReadAll(windowPlanStatsSql(plan.entitiesSql, window.eventsSql, keys));
    } catch (err) {
      throw fromDuckDbError(err, context);
    }
    const [pairs, rows, events] = (reader.getRows()[0] ?? []).map((x) => BigInt((x as bigint | null) ?? 0n));
    window.plan = chooseWindowPlan({ pairs: pairs ?? 0n, rows: rows ?? 0n, events: events ?? 0n }, window);
  }
  return {
    sourceSql: "",
    keys,
    ttlSeconds: 0,
    hasCreated: created !== null,
    packing: null,
    featureNames: sel.outputNames,
    timestampName: featureTimestampColumn(view.name),
    window,
  };
}

function registeredSource(snapshot: RegistrySnapshot, name: string): FileSourceDef {
  const source = snapshot.dataSources.get(name);
  if (!source) throw notFound(`entity source "${name}" is not a data source in the registry`);
  return source.kind === "file" ? source : source.batchSource;
}

function timestampColumn(
  source: FileSourceDef,
  stored: SourceColumns,
  field: string,
  context: string,
  location: string,
  what: string,
): string {
  const column = storedTimestampColumn(source, stored, field);
  const type = stored.get(column);
  if (!type) throw failedPrecondition(`${context} (${location}) has no ${what} column "${field}"`);
  if (!isTimestampType(type)) {
    throw failedPrecondition(`${context}: ${what} column "${column}" is ${type.toString()}, not a timestamp`);
  }
  return column;
}

/**
 * GetOnlineFeatures: validates the request against a cached plan, reads
 * every view in one store call (one Redis round trip), looks each distinct
 * entity up once and fans the rows back out, computes on-demand features,
 * and assigns statuses (PRESENT / NOT_FOUND / NULL_VALUE / OUTSIDE_MAX_AGE).
 * Values stay in the stored packed rows (located, not decoded) until the
 * response encoder copies them out, and the output columns are the plan's
 * (a call allocates nothing per feature). Serving metrics are reported from
 * the same located cells (`ServingObserver`), so no store wrapper counts them again.
 */
import { FieldStatus, type GetOnlineFeaturesRequest } from "../../gen/fstore/v1/feature_service_pb.js";
import { type RepeatedValue, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { Code, FstoreError, invalidArgument } from "../errors/index.js";
import { evaluateOdfv } from "../ondemand/index.js";
import { type FeatureSelection, requireFeatureSelection } from "../registry/feature-selection.js";
import { type FieldDef, isStreamView } from "../registry/model.js";
import type { Registry } from "../registry/registry.js";
import { aggregateValue } from "../streaming/aggregate-values.js";
import { tileLayoutOf } from "../streaming/tile-layout.js";
import { tileFeatures, tileStorageView, tilesOfStoredRow } from "../streaming/tile-row.js";
import { valuesAt } from "../streaming/tiles.js";
import { fromRepeatedValue, type NativeValue } from "../values/index.js";
import {
  type ColumnValues,
  encodeResponseMetadata,
  gatherPackedCells,
  type OnlineResult,
  type PackedRead,
  packedColumnValues,
  type ResultColumn,
} from "./online-response.js";
import type { EntityKeyValues, OnlineStore, ViewLookup } from "./online-store.js";
import { countServingStatuses, type PackedCells, type ServingStatusCount } from "./packed-cells.js";
import { packedReadPlan } from "./packed-row.js";
import { pooledFloat64Array, pooledInt32Array, pooledUint8Array } from "./pooled-arrays.js";
import { type PlannedOutput, type PlannedRead, planRetrieval, type RetrievalPlan } from "./retrieval-plan.js";

export interface OnlineRetrievalOptions {
  registry: Pick<Registry, "snapshot">;
  /** The store, or a function returning it (opened lazily on the first request). */
  store: OnlineStore | (() => OnlineStore);
  /** Upper bound on entity rows per request (server.max_entities_per_request). */
  maxEntitiesPerRequest: number;
  /** Clock for ttl checks, in ms; default Date.now. */
  now?: () => number;
  /** Told of every store read (metrics); a function is asked on each request. */
  observer?: ServingObserver | (() => ServingObserver | undefined);
}

/** What serving reports of each request's store read (the server's metrics implement it). */
export interface ServingObserver {
  /**
   * One store read of a request (every view in one call): its duration and,
   * per view, the values served NOT_FOUND or OUTSIDE_MAX_AGE, counted per
   * distinct entity and feature.
   */
  servedRead(store: OnlineStore["type"], seconds: number, counts: readonly ServingStatusCount[]): void;
}

/**
 * A call's cancellation as a free check (the server's call context): unlike
 * an AbortSignal it costs nothing per call. With it, a read waiting for a
 * Redis reconnect is bounded by the store's short ready wait rather than
 * aborted at once.
 */
export interface CancelCheck {
  readonly cancelled: boolean;
}

export interface OnlineRetrieval {
  getOnlineFeatures(
    request: GetOnlineFeaturesRequest,
    cancel?: AbortSignal | CancelCheck,
  ): Promise<OnlineResult>;
}

const MAX_CACHED_PLANS = 512;

/** Distinct entities of one read and, per request row, the index of its distinct entity. */
interface Distinct {
  keys: EntityKeyValues[];
  rowToKey: Int32Array;
}

export function createOnlineRetrieval(options: OnlineRetrievalOptions): OnlineRetrieval {
  const now = options.now ?? Date.now;
  const storeOf = typeof options.store === "function" ? options.store : () => options.store as OnlineStore;
  const observerOf =
    typeof options.observer === "function" ? options.observer : () => options.observer as ServingObserver;
  let cachedVersion = -1;
  const plans = new Map<string, RetrievalPlan>();
  const planBySelection = new WeakMap<object, { version: number; full: boolean; plan: RetrievalPlan }>();

  const planFor = (request: GetOnlineFeaturesRequest): RetrievalPlan => {
    const snapshot = options.registry.snapshot();
    if (snapshot.version !== cachedVersion) {
      plans.clear();
      cachedVersion = snapshot.version;
    }
    // Requests decoded by `decodeOnlineRequest` share one FeatureSelection object per distinct selection.
    const message = request.selection;
    const cached = message ? planBySelection.get(message) : undefined;
    if (cached && cached.version === cachedVersion && cached.full === request.fullFeatureNames)
      return cached.plan;
    const selection = requireFeatureSelection(message);
    const key = `${request.fullFeatureNames ? 1 : 0}|${selectionKey(selection)}`;
    let plan = plans.get(key);
    if (!plan) {
      plan = planRetrieval(snapshot, selection, request.fullFeatureNames);
      if (plans.size >= MAX_CACHED_PLANS) plans.clear();
      plans.set(key, plan);
    }
    if (message)
      planBySelection.set(message, { version: cachedVersion, full: request.fullFeatureNames, plan });
    return plan;
  };

  return {
    async getOnlineFeatures(request, cancel) {
      // A call already cancelled or past its deadline (e.g. queued behind a burst) costs nothing more.
      if (cancel && (cancel instanceof AbortSignal ? cancel.aborted : cancel.cancelled))
        throw new FstoreError(Code.Cancelled, "the call was cancelled before it was served");
      const storeSignal = cancel instanceof AbortSignal ? cancel : undefined;
      const plan = planFor(request);
      const { rows, joinValues } = entityColumns(plan, request, options.maxEntitiesPerRequest);
      const requestData = requestColumns(plan, request, rows);

      // Distinct entities per read; reads over the same join keys share the work.
      const firstReadOf = readsSharingKeys(plan);
      const distinct: Distinct[] = [];
      plan.readKeyColumns.forEach((cols, i) => {
        const first = firstReadOf[i] as number;
        distinct[i] =
          first < i
            ? (distinct[first] as Distinct)
            : distinctEntities(
                cols.map((k) => joinValues[k] as NativeValue[]),
                rows,
              );
      });
      // A stream view's row holds its tiles; it is read in the same store call as the others.
      const lookups = plan.reads.map((r, i) => ({
        view: isStreamView(r.view) ? tileStorageView(r.view) : r.view,
        features: isStreamView(r.view) ? (tileFeatures() as string[]) : r.features,
        entityKeys: (distinct[i] as Distinct).keys,
      }));
      const store = storeOf();
      const t = now();
      // Per read: the packed rows of each distinct entity (none are read for zero rows), located.
      const observer = rows === 0 ? undefined : observerOf();
      const started = observer ? performance.now() : 0;
      const found = rows === 0 ? plan.reads.map(() => []) : await store.read(lookups, storeSignal);
      const located = lookups.map((lookup, i) =>
        isStreamView((plan.reads[i] as PlannedRead).view)
          ? undefined
          : locateRead(lookup, found[i] ?? [], distinct[i] as Distinct, t),
      );
      observer?.servedRead(
        store.type,
        (performance.now() - started) / 1000,
        located.map((r, i) =>
          r
            ? countServingStatuses((lookups[i] as ViewLookup).view.name, r.cells, r.stale)
            : // Aggregates are always served (count 0, sum 0, or NULL over an empty window).
              { view: (lookups[i] as ViewLookup).view.name, notFound: 0, outsideMaxAge: 0 },
        ),
      );
      // Packed reads keep their values in the stored rows; a stream view's give aggregates.
      const packedReads = located.map((r, i) =>
        r ? packedRead(r, distinct[i] as Distinct, rows) : undefined,
      );
      const aggregates = located.map((r, i) =>
        r
          ? undefined
          : aggregateRead(plan.reads[i] as PlannedRead, found[i] ?? [], distinct[i] as Distinct, rows, t),
      );

      const planned = plannedColumnsOf(plan);
      const values = new Array<ColumnValues>(planned.values);
      plan.joinKeys.forEach((_, i) => {
        values[i] = {
          values: joinValues[i] as NativeValue[],
          statuses: pooledUint8Array(rows).fill(FieldStatus.PRESENT),
          eventTimesUs: undefined,
        };
      });

      const odfvOutputs = plan.odfvs.map((step) => {
        const inputs: Record<string, NativeValue[]> = {};
        for (const input of step.inputs) {
          if (input.kind === "request") inputs[input.name] = requestData.get(input.name) as NativeValue[];
          else {
            const packedInput = packedReads[input.read];
            const column = packedInput
              ? packedColumnValues(packedInput.cells, input.feature, rows)
              : (aggregates[input.read] as AggregateRead).column(input.feature, ValueType.UNSPECIFIED).values;
            // Not found is null to the udf, like a stored null.
            inputs[input.name] = column.map((v) => (v === undefined ? null : v));
          }
        }
        return evaluateOdfv(step.odfv, inputs, rows);
      });

      for (const { out, data } of planned.computed) {
        if (out.source.kind === "view") {
          values[data] = (aggregates[out.source.read] as AggregateRead).column(out.source.feature, out.dtype);
        } else {
          const outputValues = (odfvOutputs[out.source.step] as Map<string, NativeValue[]>).get(
            out.source.feature,
          ) as NativeValue[];
          const statuses = pooledUint8Array(rows);
          for (let i = 0; i < rows; i++) {
            statuses[i] = outputValues[i] === null ? FieldStatus.NULL_VALUE : FieldStatus.PRESENT;
          }
          values[data] = { values: outputValues, statuses, eventTimesUs: undefined };
        }
      }
      return {
        rows,
        columns: planned.columns,
        values,
        reads: packedReads,
        metadata: metadataOf(plan, planned.columns),
      };
    },
  };
}

/** A plan's output columns (one array for every call of the plan) and how many value columns a call fills. */
interface PlannedColumns {
  columns: ResultColumn[];
  /** Value columns: the join keys first, then aggregated and on-demand features. */
  values: number;
  /** The outputs a call computes (aggregated and on-demand features), with their value column. */
  computed: { out: PlannedOutput; data: number }[];
}

const plannedColumns = new WeakMap<RetrievalPlan, PlannedColumns>();
function plannedColumnsOf(plan: RetrievalPlan): PlannedColumns {
  let p = plannedColumns.get(plan);
  if (!p) {
    const columns: ResultColumn[] = plan.joinKeys.map((k, i) => ({ name: k.name, dtype: k.dtype, data: i }));
    const computed: PlannedColumns["computed"] = [];
    let values = plan.joinKeys.length;
    for (const out of plan.outputs) {
      const { name, dtype, source } = out;
      if (source.kind === "view" && !isStreamView((plan.reads[source.read] as PlannedRead).view))
        columns.push({ name, dtype, read: source.read, feature: source.feature });
      else {
        computed.push({ out, data: values });
        columns.push({ name, dtype, data: values++ });
      }
    }
    p = { columns, values, computed };
    plannedColumns.set(plan, p);
  }
  return p;
}

/** The response's encoded column names, computed once per plan. */
const metadataCache = new WeakMap<RetrievalPlan, Buffer>();
function metadataOf(plan: RetrievalPlan, columns: readonly ResultColumn[]): Buffer {
  let m = metadataCache.get(plan);
  if (!m) {
    m = encodeResponseMetadata(columns.map((c) => c.name));
    metadataCache.set(plan, m);
  }
  return m;
}

function selectionKey(selection: FeatureSelection): string {
  return selection.kind === "services" ? `s:${selection.names.join("\n")}` : `f:${selection.refs.join("\n")}`;
}

/** The typed join-key columns (in plan order) and the row count, checked. */
function entityColumns(
  plan: RetrievalPlan,
  request: GetOnlineFeaturesRequest,
  maxRows: number,
): { rows: number; joinValues: NativeValue[][] } {
  const entities = request.entities;
  const accepted = acceptedColumnsOf(plan);
  for (const name of Object.keys(entities)) {
    if (!accepted.has(name)) {
      const expected = plan.joinKeys.map((k) => k.name).join(", ");
      throw invalidArgument(
        `entity column "${name}" is not a join key of the requested features (expected: ${expected || "none"})`,
      );
    }
  }
  let rows = -1;
  let first = "";
  for (const k of plan.joinKeys) {
    const column = entities[k.name];
    if (!column) {
      const users = plan.joinKeyUsers.get(k.name)?.join('", "') ?? "";
      throw invalidArgument(`missing entity column "${k.name}", the join key of feature view "${users}"`);
    }
    if (rows < 0) {
      rows = column.val.length;
      first = k.name;
    } else if (column.val.length !== rows) {
      throw invalidArgument(
        `entity columns differ in length: "${first}" has ${rows} values, "${k.name}" has ${column.val.length}`,
      );
    }
  }
  if (rows < 0) rows = 0;
  if (rows > maxRows) {
    throw invalidArgument(
      `${rows} entity rows exceed the limit of ${maxRows} per request (server.max_entities_per_request); split the request`,
    );
  }
  const joinValues = plan.joinKeys.map((k) =>
    fromRepeatedValue(entities[k.name] as RepeatedValue, k.dtype, k.name),
  );
  joinValues.forEach((values, i) => {
    const j = values.indexOf(null);
    if (j >= 0) {
      throw invalidArgument(
        `column "${(plan.joinKeys[i] as FieldDef).name}" row ${j}: join key values cannot be null`,
      );
    }
  });
  return { rows, joinValues };
}

/** Entity column names a request of `plan` may carry (join keys and request data), once per plan. */
const acceptedColumns = new WeakMap<RetrievalPlan, ReadonlySet<string>>();
function acceptedColumnsOf(plan: RetrievalPlan): ReadonlySet<string> {
  let names = acceptedColumns.get(plan);
  if (!names) {
    names = new Set([...plan.joinKeys.map((k) => k.name), ...plan.requestFields.map((f) => f.name)]);
    acceptedColumns.set(plan, names);
  }
  return names;
}

/** Request data for on-demand views, from request_context (or entity columns, as Feast allows). */
function requestColumns(
  plan: RetrievalPlan,
  request: GetOnlineFeaturesRequest,
  rows: number,
): Map<string, NativeValue[]> {
  const out = new Map<string, NativeValue[]>();
  for (const field of plan.requestFields) {
    const column = request.requestContext[field.name] ?? request.entities[field.name];
    if (!column) {
      const users = plan.odfvs
        .filter((s) => s.odfv.requestSchema.some((f) => f.name === field.name))
        .map((s) => s.odfv.name);
      throw invalidArgument(
        `missing request data "${field.name}" in request_context, needed by on-demand feature view "${users.join('", "')}"`,
      );
    }
    if (column.val.length !== rows) {
      throw invalidArgument(
        `request data "${field.name}" has ${column.val.length} values, expected one per entity row (${rows})`,
      );
    }
    out.set(field.name, fromRepeatedValue(column, field.dtype, field.name));
  }
  return out;
}

/** Per read, the first read over the same join key columns (itself if none before it), once per plan. */
const sharedKeyReads = new WeakMap<RetrievalPlan, number[]>();
function readsSharingKeys(plan: RetrievalPlan): number[] {
  let first = sharedKeyReads.get(plan);
  if (!first) {
    const signatures = plan.readKeyColumns.map((cols) => cols.join(","));
    first = signatures.map((sig) => signatures.indexOf(sig));
    sharedKeyReads.set(plan, first);
  }
  return first;
}

/** Groups identical entity rows so each distinct entity is read once. */
function distinctEntities(columns: NativeValue[][], rows: number): Distinct {
  const rowToKey = pooledInt32Array(rows);
  // One row (most serving requests) is one entity.
  if (rows === 1) return { keys: [columns.map((c) => c[0] as NativeValue)], rowToKey };
  const keys: EntityKeyValues[] = [];
  const seen = new Map<unknown, number>();
  const single = columns.length === 1 ? (columns[0] as NativeValue[]) : undefined;
  for (let i = 0; i < rows; i++) {
    // bigint, number and string keys compare by value in a Map; others go through a string form.
    const id = single
      ? mapKey(single[i] as NativeValue)
      : columns.map((c) => String(mapKey(c[i] as NativeValue))).join("\u0000");
    let u = seen.get(id);
    if (u === undefined) {
      u = keys.length;
      seen.set(id, u);
      keys.push(columns.map((c) => c[i] as NativeValue));
    }
    rowToKey[i] = u;
  }
  return { keys, rowToKey };
}

function mapKey(v: NativeValue): unknown {
  if (typeof v === "bigint" || typeof v === "string" || typeof v === "number") return v;
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex")}`;
  return `j${String(v)}`;
}

/** Event time per request row, from event time per distinct entity. */
function perRowTimes(d: Distinct, perKey: Float64Array, rows: number): Float64Array {
  const perRow = pooledFloat64Array(rows);
  for (let i = 0; i < rows; i++) perRow[i] = perKey[d.rowToKey[i] as number] as number;
  return perRow;
}

/** One read's packed rows located: the cells, each entity's event time, and which are stale. */
interface LocatedRead {
  cells: PackedCells;
  eventTimeUs: Float64Array;
  /** Per distinct entity: 1 when its row is older than the view's ttl (undefined: none is). */
  stale: Uint8Array | undefined;
}

/** Locates a read's wanted features in its packed rows (no values decoded) and marks stale rows. */
function locateRead(
  lookup: ViewLookup,
  found: readonly (Buffer | undefined)[],
  d: Distinct,
  nowMs: number,
): LocatedRead {
  const plan = packedReadPlan(lookup.view, lookup.features);
  const { cells, eventTimeUs } = gatherPackedCells(plan, found, d.rowToKey);
  const keys = d.keys.length;
  let stale: Uint8Array | undefined;
  const ttlUs = lookup.view.ttlSeconds * 1e6;
  if (ttlUs > 0) {
    const nowUs = nowMs * 1000;
    for (let u = 0; u < keys; u++) {
      if (found[u] !== undefined && nowUs - (eventTimeUs[u] as number) > ttlUs) {
        stale ??= pooledUint8Array(keys);
        stale[u] = 1;
      }
    }
  }
  return { cells, eventTimeUs, stale };
}

/** A stream view's read: its aggregates per feature, as columns of JS values. */
interface AggregateRead {
  column(feature: number, dtype: ValueType): ColumnValues;
}

/**
 * A stream view's read: each distinct entity's tiles give its aggregates at
 * the request time (`now`, in ms); statuses are PRESENT, or NULL_VALUE for
 * mean/min/max/last over an empty window.
 */
function aggregateRead(
  read: PlannedRead,
  found: readonly (Buffer | undefined)[],
  d: Distinct,
  rows: number,
  nowMs: number,
): AggregateRead {
  const layout = tileLayoutOf(read.view);
  const tUs = nowMs * 1000;
  const keys = d.keys.length;
  const perKey: (number | null)[][] = new Array(keys);
  const newest = pooledFloat64Array(keys);
  for (let u = 0; u < keys; u++) {
    const tiles = tilesOfStoredRow(read.view, found[u]);
    perKey[u] = valuesAt(layout, tiles, tUs);
    newest[u] = tiles && Number.isFinite(tiles.newestUs) ? tiles.newestUs : 0;
  }
  const eventTimesUs = perRowTimes(d, newest, rows);
  const outputIndex = new Map(layout.outputs.map((o, i) => [o.aggregation.name, i]));
  return {
    column: (feature, dtype) => {
      const o = outputIndex.get(read.features[feature] as string) ?? -1;
      const outDtype = layout.outputs[o]?.dtype ?? dtype;
      const values = new Array<NativeValue>(rows);
      const statuses = pooledUint8Array(rows);
      for (let i = 0; i < rows; i++) {
        const v = (perKey[d.rowToKey[i] as number] as (number | null)[])[o] ?? null;
        values[i] = aggregateValue(outDtype, v);
        statuses[i] = v === null ? FieldStatus.NULL_VALUE : FieldStatus.PRESENT;
      }
      return { values, statuses, eventTimesUs };
    },
  };
}

/** A located read, its values left in the stored rows (the response encoder copies them out). */
function packedRead(r: LocatedRead, d: Distinct, rows: number): PackedRead {
  return { cells: r.cells, stale: r.stale, eventTimesUs: perRowTimes(d, r.eventTimeUs, rows) };
}

/**
 * Pure SQL for the offline side of stream feature views: each windowed
 * aggregate as of each entity row's time, straight from the raw events, with
 * the semantics of `src/streaming/semantics.ts`. For a row at t (µs) and an
 * aggregate of window W and slide S, the window holds the entity's events
 * with event time e in
 *
 *   lb(t) < e <= t,   lb(t) = floor(t, S) - W
 *
 * (e < t with the strict option). count and sum give 0 over an empty window,
 * mean, min, max and last NULL; mean = sum / count in float64; sums are
 * float64; `last` is the value of the event with the greatest (event time,
 * created time, value), a missing created time losing.
 *
 * Two plans (measured on 200,000 rows x 2,000,000 events, 100 events per
 * key, 6 aggregates over 3 windows: window frames 2.6 s CPU, range join 1.7 s):
 * - Window frames: the events and the entity rows go into one relation,
 *   sorted once per entity key by time, and each aggregate is a window
 *   function over a RANGE frame whose start is per row: `(t - lb(t) - 1)
 *   PRECEDING AND CURRENT ROW` holds exactly the events with lb(t) < e <= t
 *   (CURRENT ROW takes the peers, so events at exactly t count). Entity rows
 *   carry no value, so they never count; event rows get an empty frame. It
 *   costs one sort plus one segment tree per aggregate, whatever the density
 *   of events per key.
 * - Range join: each row joined to its key's events of the widest window and
 *   reduced per row (FILTERed aggregates for the narrower windows). It
 *   compares each row with every event of its key, so it costs the number of
 *   such pairs: cheaper when keys have few events, quadratic on dense keys.
 *   `chooseWindowPlan` weighs the pairs against the rows the window plan
 *   sorts. With exclude_created_after the eligible events depend on the row
 *   through their created time too, which no frame expresses: that case is
 *   always the range join, with the created bound.
 */
import type { DuckDBType } from "@duckdb/node-api";
import { quoteIdent } from "./sql-text.js";
import { epochMicrosExpr, whereSql } from "./view-source-sql.js";

export type WindowFunction = "count" | "sum" | "mean" | "min" | "max" | "last";

/** One aggregate to compute, as the SQL needs it. */
export interface WindowAggregate {
  function: WindowFunction;
  /** Index of the aggregated column among the events' value columns (`__x0..`); -1 for count (of events). */
  column: number;
  windowUs: bigint;
  slideUs: bigint;
  /** SQL type of the result (for min, max and last the column's; for sum BIGINT or DOUBLE). */
  sqlType: string;
}

/** A stream view in the point-in-time join. */
export interface WindowView {
  /** SELECT giving the keys, `__t` and `__c` (BIGINT µs event and created time, `__c` nullable), `__x0..`. */
  eventsSql: string;
  keys: string[];
  /** Declared SQL type of each value column `__x0..`: integer columns sum exactly, others in DOUBLE. */
  valueTypes: string[];
  aggregates: WindowAggregate[];
  /** "window" (the default) or "range" (see `chooseWindowPlan`); exclude_created_after always uses "range". */
  plan?: WindowPlan;
}

export type WindowPlan = "window" | "range";

/** The entity rows as the join sees them. */
export interface WindowEntities {
  /** Name of the CTE holding the entity rows. */
  table: string;
  /** Columns identifying a row (duplicates included). */
  rowId: string[];
  /** Column with the row's TIMESTAMPTZ. */
  timestamp: string;
}

export interface WindowOptions {
  strict: boolean;
  excludeCreatedAfter: boolean;
}

/** Name of the i-th value column of a stream view's events; -1 is `__n`, 1 on every event. */
export function valueColumn(i: number): string {
  return i < 0 ? "__n" : `__x${i}`;
}

const INTEGER_TYPES = new Set(["TINYINT", "SMALLINT", "INTEGER", "BIGINT"]);

/** Name of the output column of aggregate j in the per-row result. */
export function aggregateSlot(j: number): string {
  return `__f${j}`;
}

function big(n: bigint): string {
  return `CAST(${n.toString()} AS BIGINT)`;
}

/**
 * The plan for a view whose entity rows and events would make `pairs` (row,
 * event of the same key) comparisons in a range join, for `rows` entity rows
 * and `events` events: the window plan sorts rows + events and builds a
 * segment tree per base aggregate (about 0.4 µs a row plus 0.15 µs per
 * aggregate), the range join costs about 0.16 µs a pair (measured on
 * 200,000 rows x 2,000,000 events, 100 events per key: 8 aggregates, 9
 * pairs per row or event, range 1.75 s CPU against window 2.8 s). So the
 * range join wins up to about 2 + 1.5 pairs per row or event per aggregate.
 */
export function chooseWindowPlan(
  stats: { pairs: bigint; rows: bigint; events: bigint },
  view: WindowView,
): WindowPlan {
  const { bases } = plannedBases(view);
  const perRow = 2 + 1.5 * (bases.length + 1);
  return Number(stats.pairs) <= perRow * Number(stats.rows + stats.events) ? "range" : "window";
}

/**
 * SELECT of one row: the (row, event) pairs a range join on the keys would
 * compare, the entity rows and the events (`entitiesSql` and `eventsSql` both
 * give the key columns `keys`).
 */
export function windowPlanStatsSql(entitiesSql: string, eventsSql: string, keys: readonly string[]): string {
  const k = keys.map(quoteIdent).join(", ");
  return (
    "SELECT CAST(coalesce(sum(CAST(r.n AS HUGEINT) * v.n), 0) AS BIGINT), " +
    "CAST(coalesce(sum(r.n), 0) AS BIGINT), CAST(coalesce(sum(v.n), 0) AS BIGINT) " +
    `FROM (SELECT ${k}, count(*) AS n FROM (${entitiesSql}) GROUP BY ALL) AS r ` +
    `FULL JOIN (SELECT ${k}, count(*) AS n FROM (${eventsSql}) GROUP BY ALL) AS v USING (${k})`
  );
}

/** lb(t) = floor(t, slide) - window, for a BIGINT µs expression (floor also below the epoch). */
export function windowStartSql(t: string, windowUs: bigint, slideUs: bigint): string {
  const s = big(slideUs);
  return `(${t} - ((${t} % ${s}) + ${s}) % ${s} - ${big(windowUs)})`;
}

/** A window's identity: aggregates with the same window and slide share their frame. */
function frameKey(a: WindowAggregate): string {
  return `${a.windowUs}/${a.slideUs}`;
}

/** The base aggregates (over a set of events) each function is made from. */
type Base = "count" | "sum" | "min" | "max" | "last" | "latest";

/**
 * SQL of a base aggregate over `x` (value column) given the event columns'
 * aliases. Integer sums are exact (HUGEINT), others add in float64.
 */
function baseAggregateSql(base: Base, x: string, t: string, c: string, integer: boolean): string {
  switch (base) {
    case "count":
      return `count(${x})`;
    case "sum":
      return integer ? `sum(${x})` : `sum(CAST(${x} AS DOUBLE))`;
    case "min":
      return `min(${x})`;
    case "max":
      return `max(${x})`;
    case "last":
      // The greatest (event time, created, value): a struct's order is its fields' in turn.
      return `max(CASE WHEN ${x} IS NOT NULL THEN struct_pack(t := ${t}, c := coalesce(${c}, ${big(-(1n << 62n))}), x := ${x}) END)`;
    case "latest":
      return `max(${t})`;
  }
}

/** The final value of function `fn` from its bases (`b(base)` gives each base's column). */
function finalSql(a: WindowAggregate, b: (base: Base) => string): string {
  switch (a.function) {
    case "count":
      return `coalesce(${b("count")}, 0)`;
    case "sum":
      return `CAST(coalesce(${b("sum")}, 0) AS ${a.sqlType})`;
    case "mean":
      return `CASE WHEN ${b("count")} > 0 THEN CAST(${b("sum")} AS DOUBLE) / ${b("count")} END`;
    case "min":
      return `CAST(${b("min")} AS ${a.sqlType})`;
    case "max":
      return `CAST(${b("max")} AS ${a.sqlType})`;
    case "last":
      return `CAST((${b("last")}).x AS ${a.sqlType})`;
  }
}

function basesOf(fn: WindowFunction): Base[] {
  return fn === "mean" ? ["sum", "count"] : [fn];
}

/**
 * CTEs computing view `alias`'s aggregates per entity row: the last one,
 * `${alias}_agg`, has the row-id columns, `__f0..` (one per aggregate, in
 * order) and `__ts`, the latest event time over all of the view's windows
 * as TIMESTAMPTZ (NULL when every window is empty), for the leakage audit.
 * The caller joins it to the entity rows on the row id.
 */
export function windowAggregatesSql(
  alias: string,
  entities: WindowEntities,
  view: WindowView,
  options: WindowOptions,
): string[] {
  if (view.aggregates.length === 0) throw new Error("a stream view needs at least one aggregate");
  for (const a of view.aggregates) {
    if (a.slideUs <= 0n || a.windowUs <= 0n) throw new Error("window and slide must be positive");
  }
  return options.excludeCreatedAfter || view.plan === "range"
    ? rangeJoinSql(alias, entities, view, options)
    : windowFrameSql(alias, entities, view, options);
}

/** Distinct (frame, base, column) triples, each named once. */
function plannedBases(view: WindowView) {
  const frames = new Map<string, { windowUs: bigint; slideUs: bigint; index: number }>();
  const bases = new Map<string, { frame: string; base: Base; column: number; name: string }>();
  const need = (frame: string, base: Base, column: number) => {
    const key = `${frame}|${base}|${column}`;
    let entry = bases.get(key);
    if (!entry) {
      entry = { frame, base, column, name: `__b${bases.size}` };
      bases.set(key, entry);
    }
    return entry.name;
  };
  for (const a of view.aggregates) {
    const key = frameKey(a);
    if (!frames.has(key)) frames.set(key, { windowUs: a.windowUs, slideUs: a.slideUs, index: frames.size });
  }
  const finals = view.aggregates.map((a) => {
    const names = new Map<Base, string>();
    for (const base of basesOf(a.function)) names.set(base, need(frameKey(a), base, a.column));
    return finalSql(a, (base) => names.get(base) as string);
  });
  return { frames, bases: [...bases.values()], finals };
}

function windowFrameSql(
  alias: string,
  entities: WindowEntities,
  view: WindowView,
  options: WindowOptions,
): string[] {
  const { frames, bases, finals } = plannedBases(view);
  const integer = (i: number) => INTEGER_TYPES.has(view.valueTypes[i] ?? "");
  const keys = view.keys.map(quoteIdent);
  const rowId = entities.rowId.map(quoteIdent);
  const xs = [...new Set(view.aggregates.map((a) => a.column))].sort((a, b) => a - b);
  const frameList = [...frames.values()];
  const offset = (i: number) => `__w${i}`;
  // One extra frame spanning every window (they all end at t) for the latest event time.
  const spanOffset =
    frameList.length === 1 ? offset(0) : `greatest(${frameList.map((_, i) => offset(i)).join(", ")})`;

  const eventCols = [
    ...keys,
    "__t",
    "__c",
    ...xs.map(valueColumn).map((x) => (x === "__n" ? "CAST(1 AS TINYINT) AS __n" : x)),
    ...rowId.map((c) => `NULL AS ${c}`),
    "false AS __q",
    ...frameList.map((_, i) => `CAST(0 AS BIGINT) AS ${offset(i)}`),
  ];
  const t = `epoch_us(${quoteIdent(entities.timestamp)})`;
  const rowCols = [
    ...keys,
    `${t} AS __t`,
    "NULL AS __c",
    ...xs.map((x) => `NULL AS ${valueColumn(x)}`),
    ...rowId,
    "true AS __q",
    // RANGE o PRECEDING starts the frame at t - o: o = t - lb(t) - 1 starts it at lb(t) + 1.
    ...frameList.map((f, i) => `(${t} - ${windowStartSql(t, f.windowUs, f.slideUs)} - 1) AS ${offset(i)}`),
  ];
  const union =
    `${alias}_u AS (SELECT ${eventCols.join(", ")} FROM (${view.eventsSql}) ` +
    `UNION ALL BY NAME SELECT ${rowCols.join(", ")} FROM ${entities.table})`;

  const end = options.strict ? "1 PRECEDING" : "CURRENT ROW";
  const windowDefs = frameList.map(
    (_, i) =>
      `__fr${i} AS (PARTITION BY ${keys.join(", ")} ORDER BY __t RANGE BETWEEN ${offset(i)} PRECEDING AND ${end})`,
  );
  windowDefs.push(
    `__span AS (PARTITION BY ${keys.join(", ")} ORDER BY __t RANGE BETWEEN ${spanOffset} PRECEDING AND ${end})`,
  );
  const frameIndex = (key: string) => frames.get(key)?.index as number;
  const baseCols = bases.map(
    (b) =>
      `${baseAggregateSql(b.base, valueColumn(b.column), "__t", "__c", integer(b.column))} OVER __fr${frameIndex(b.frame)} AS ${b.name}`,
  );
  // Entity rows have NULL __c; the span's max(__t) must see events only.
  baseCols.push(`max(CASE WHEN NOT __q THEN __t END) OVER __span AS __latest`);
  const windowed =
    `${alias}_w AS (SELECT ${[...rowId, ...baseCols].join(", ")} FROM ${alias}_u ` +
    `WINDOW ${windowDefs.join(", ")} QUALIFY __q)`;
  const out = [
    ...rowId,
    ...finals.map((f, j) => `${f} AS ${aggregateSlot(j)}`),
    "make_timestamptz(__latest) AS __ts",
  ];
  return [union, windowed, `${alias}_agg AS (SELECT ${out.join(", ")} FROM ${alias}_w)`];
}

function rangeJoinSql(
  alias: string,
  entities: WindowEntities,
  view: WindowView,
  options: WindowOptions,
): string[] {
  const { frames, bases, finals } = plannedBases(view);
  const e = "__q";
  const v = "__v";
  const frameList = [...frames.entries()];
  const lb = (i: number) => `__lb${i}`;
  // Each row's time and window starts, computed once per row rather than once per (row, event) pair.
  const tu = `epoch_us(${quoteIdent(entities.timestamp)})`;
  const rowCols = [
    ...entities.rowId.map(quoteIdent),
    ...view.keys.map(quoteIdent),
    `${tu} AS __tu`,
    ...frameList.map(([, f], i) => `${windowStartSql(tu, f.windowUs, f.slideUs)} AS ${lb(i)}`),
  ];
  const rows = `${alias}_q AS (SELECT ${rowCols.join(", ")} FROM ${entities.table})`;
  // A window that starts before every other at any time (W >= W' + S' for each other) bounds the
  // join by itself and needs no FILTER; otherwise the join starts at the earliest of the starts.
  const widest = frameList.findIndex(([k, f]) =>
    frameList.every(([k2, g]) => k2 === k || f.windowUs >= g.windowUs + g.slideUs),
  );
  const earliest =
    widest >= 0
      ? `${e}.${lb(widest)}`
      : frameList.length === 1
        ? `${e}.${lb(0)}`
        : `least(${frameList.map((_, i) => `${e}.${lb(i)}`).join(", ")})`;
  const cmp = options.strict ? "<" : "<=";
  const on = [
    ...view.keys.map((k) => `${v}.${quoteIdent(k)} = ${e}.${quoteIdent(k)}`),
    `${v}.__t > ${earliest}`,
    `${v}.__t ${cmp} ${e}.__tu`,
  ];
  // An event ingested after the row's time was not known then (a missing created time: its event time).
  if (options.excludeCreatedAfter) on.push(`coalesce(${v}.__c, ${v}.__t) <= ${e}.__tu`);
  const rowId = entities.rowId.map((c) => `${e}.${quoteIdent(c)}`);
  const integer = (i: number) => INTEGER_TYPES.has(view.valueTypes[i] ?? "");
  const frameIndex = new Map(frameList.map(([k], i) => [k, i]));
  const baseCols = bases.map((b) => {
    // Every matched event counts (`__t` is never NULL there).
    const x = b.column < 0 ? `${v}.__t` : `${v}.${valueColumn(b.column)}`;
    const agg = baseAggregateSql(b.base, x, `${v}.__t`, `${v}.__c`, integer(b.column));
    const i = frameIndex.get(b.frame) as number;
    return `${agg}${i === widest || frameList.length === 1 ? "" : ` FILTER (WHERE ${v}.__t > ${e}.${lb(i)})`} AS ${b.name}`;
  });
  baseCols.push(`max(${v}.__t) AS __latest`);
  const grouped =
    `${alias}_w AS (SELECT ${[...rowId.map((c, i) => `${c} AS ${quoteIdent(entities.rowId[i] as string)}`), ...baseCols].join(", ")} ` +
    `FROM ${alias}_q AS ${e} LEFT JOIN (${view.eventsSql}) AS ${v} ON ${on.join(" AND ")} ` +
    `GROUP BY ${rowId.join(", ")})`;
  const out = [
    ...entities.rowId.map(quoteIdent),
    ...finals.map((f, j) => `${f} AS ${aggregateSlot(j)}`),
    "make_timestamptz(__latest) AS __ts",
  ];
  return [rows, grouped, `${alias}_agg AS (SELECT ${out.join(", ")} FROM ${alias}_w)`];
}

/** How to read a stream source's raw events for the aggregates. */
export interface WindowEventsSpec {
  /** Table expression scanning the events, e.g. read_parquet([...]). */
  scan: string;
  /** The view's join keys, each with the stored column that feeds it (cast to the declared type). */
  keys: { name: string; column: string; sqlType: string }[];
  /** The aggregated columns, in `__x` order, each cast to its declared type. */
  values: { column: string; sqlType: string }[];
  timestamp: { column: string; type: DuckDBType };
  created: { column: string; type: DuckDBType } | null;
  /** Only events some entity row's window can hold (see `ViewSourceSpec.bounds`). */
  bounds?: { minMicros?: bigint; maxMicros: bigint };
}

/**
 * SELECT over the raw events giving what `windowAggregatesSql` reads: the
 * keys, `__t`, `__c` and `__x0..`. Events without an event time or a key
 * can be in no window and are left out.
 */
export function windowEventsSql(spec: WindowEventsSpec): string {
  const cols = spec.keys.map((k) => `CAST(${quoteIdent(k.column)} AS ${k.sqlType}) AS ${quoteIdent(k.name)}`);
  cols.push(`${epochMicrosExpr(spec.timestamp.column, spec.timestamp.type)} AS __t`);
  cols.push(
    spec.created
      ? `${epochMicrosExpr(spec.created.column, spec.created.type)} AS __c`
      : "CAST(NULL AS BIGINT) AS __c",
  );
  spec.values.forEach((v, i) => {
    cols.push(`CAST(${quoteIdent(v.column)} AS ${v.sqlType}) AS ${valueColumn(i)}`);
  });
  const where = [whereSql(spec), ...spec.keys.map((k) => `${quoteIdent(k.column)} IS NOT NULL`)];
  return `SELECT ${cols.join(", ")} FROM ${spec.scan} WHERE ${where.join(" AND ")}`;
}

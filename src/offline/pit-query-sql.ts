/**
 * Pure SQL for the point-in-time join. For each entity row and each view it
 * picks the feature row with the same keys whose event timestamp is <= (or,
 * strict, <) the row's, and >= row - ttl when the ttl is non-zero; the latest
 * event timestamp wins, then the latest created timestamp (a missing created
 * timestamp loses). Rows equal in keys, event and created time are
 * interchangeable: either may be chosen, as in Feast.
 *
 * Plan, per view (measured on 1M entity rows x 10M feature rows, see
 * bench/historical.bench.ts; a GROUP BY that first reduced the source to
 * one row per (keys, event time) cost 3x more than the join itself):
 * - ASOF (the default): one DuckDB ASOF LEFT JOIN per view on the join keys,
 *   ordered by (event time, created time) as one value, so the created-time
 *   tie-break happens inside the join. That value is a BIGINT packing both
 *   times when the source's times allow it (time-order.ts; the join then
 *   runs about twice as fast), else a struct. The entity side is chosen so
 *   that exactly the rows with event time <= T (or < T, strict) are
 *   eligible: the struct (T, +infinity) with `>=`, or (T, -infinity) with `>`
 *   when strict; for the packing, `packedBoundSql`. The ttl is a
 *   filter afterwards: if the latest eligible row is older than T - ttl,
 *   every other eligible row is older still, so "no match" is right.
 * - Range (only with exclude_created_after on a source that has created
 *   timestamps): eligibility then depends on the entity row through two
 *   columns, which one ASOF inequality cannot express, so it is an
 *   inequality join on keys and both timestamps (and the ttl bound),
 *   reduced per entity row with arg_max.
 * - Stream views (windowed aggregates of raw events) are computed per entity
 *   row by `windowAggregatesSql` and joined back on the row's order columns;
 *   a row "matches" when any of its windows holds an event, and their
 *   counts and sums are 0 otherwise, not NULL.
 */
import type { FieldDef } from "../registry/model.js";
import { EVENT_TIMESTAMP } from "./feature-plan.js";
import { quoteIdent } from "./sql-text.js";
import type { TimePacking } from "./time-order.js";
import { packedBoundSql } from "./time-order.js";
import { featureSlot } from "./view-source-sql.js";
import type { WindowView } from "./window-aggregation-sql.js";
import { windowAggregatesSql } from "./window-aggregation-sql.js";

export interface PitOptions {
  /** `<` instead of `<=`. */
  strict: boolean;
  /** Drop entity rows that match in no view. */
  dropUnmatched: boolean;
  /** Ignore feature rows created after the entity row's timestamp. */
  excludeCreatedAfter: boolean;
  /** Add a "view__event_timestamp" column per view. */
  includeFeatureTimestamps: boolean;
}

/** One view of the join. */
export interface PitView {
  /** SELECT from `viewSourceSql`. */
  sourceSql: string;
  keys: string[];
  ttlSeconds: number;
  hasCreated: boolean;
  /**
   * With created times: the packing `sourceSql` used for `__order` (a
   * BIGINT), or null when `__order` is the struct.
   */
  packing?: TimePacking | null;
  /** Output column name of each selected feature, in slot order. */
  featureNames: string[];
  /** Output name of the view's feature-timestamp column. */
  timestampName: string;
  /**
   * A stream view: its features are these windowed aggregates of its events
   * (`sourceSql`, `ttlSeconds`, `hasCreated` and `packing` are then unused);
   * its timestamp is the latest event time in its windows.
   */
  window?: WindowView;
}

/**
 * The entity rows: a SELECT giving the join keys, `event_timestamp`, any
 * pass-through columns, and the columns in `orderBy` that give their order.
 */
export interface PitEntities {
  sql: string;
  keys: FieldDef[];
  passThrough: string[];
  orderBy: string[];
}

/** Name of the hidden column holding view i's matched event timestamp (NULL when unmatched). */
export function matchColumn(i: number): string {
  return `__m${i}`;
}

/** Name of the i-th order column in "order-columns" mode. */
export function orderColumn(i: number): string {
  return `__o${i}`;
}

/**
 * `featureTs >= rowTs - ttl`, in integer microseconds: TIMESTAMPTZ minus an
 * INTERVAL is calendar arithmetic in ICU (measured ~130 ns a row), epoch_us
 * a field read.
 */
function ttlBound(featureTs: string, rowTs: string, ttlSeconds: number): string {
  if (!Number.isSafeInteger(ttlSeconds)) throw new Error(`not a whole number of seconds: ${ttlSeconds}`);
  return `epoch_us(${featureTs}) >= epoch_us(${rowTs}) - ${BigInt(ttlSeconds) * 1_000_000n}`;
}

/** Whether view i uses the range plan under `options`. */
export function usesRangePlan(view: PitView, options: PitOptions): boolean {
  return options.excludeCreatedAfter && view.hasCreated && !view.window;
}

/**
 * The join's SELECT. Output columns, in order: join keys, event_timestamp,
 * pass-through columns, then per view its features (and its timestamp column
 * when asked); with `withMatchColumns`, `__m0..` follow. Rows come in entity
 * row order ("sorted"), or unsorted with the order columns `__o0..` last
 * ("order-columns"), for a caller that materializes first and sorts on output.
 */
export function pitQuerySql(
  entities: PitEntities,
  views: readonly PitView[],
  options: PitOptions,
  withMatchColumns: boolean,
  order: "sorted" | "order-columns" = "sorted",
): string {
  const e = "__e";
  const rowTs = `${e}.${EVENT_TIMESTAMP}`;
  const ctes: string[] = [`${e} AS (${entities.sql})`];
  // The order columns identify an entity row (duplicates included).
  const rowId = entities.orderBy.map(quoteIdent);
  const joins: string[] = [];
  const okExprs: string[] = [];
  const cmp = options.strict ? "<" : "<=";

  views.forEach((view, i) => {
    const alias = `__v${i}`;
    const keyEq = view.keys.map((k) => `${e}.${quoteIdent(k)} = ${alias}.${quoteIdent(k)}`);
    const slots = view.featureNames.map((_, j) => featureSlot(j));
    if (view.window) {
      ctes.push(
        ...windowAggregatesSql(
          alias,
          { table: e, rowId: entities.orderBy, timestamp: EVENT_TIMESTAMP },
          view.window,
          options,
        ),
      );
      const on = rowId.map((c) => `${alias}.${c} = ${e}.${c}`).join(" AND ");
      joins.push(`LEFT JOIN ${alias}_agg AS ${alias} ON ${on}`);
      okExprs.push(`(${alias}.__ts IS NOT NULL)`);
      return;
    }
    ctes.push(`${alias}_src AS (${view.sourceSql})`);
    if (usesRangePlan(view, options)) {
      const conds = [
        ...keyEq,
        `${alias}.__ts ${cmp} ${rowTs}`,
        `coalesce(${alias}.__created, ${alias}.__ts) <= ${rowTs}`,
      ];
      if (view.ttlSeconds > 0) conds.push(ttlBound(`${alias}.__ts`, rowTs, view.ttlSeconds));
      const picked = ["__ts", ...slots].map((c) => `${c} := ${alias}.${c}`).join(", ");
      const order = view.packing
        ? `${alias}.__order`
        : `struct_pack(t := ${alias}.__ts, c := coalesce(${alias}.__created, '-infinity'::TIMESTAMPTZ))`;
      const unpack = ["__ts", ...slots].map((c) => `__p.${c} AS ${c}`).join(", ");
      ctes.push(
        `${alias}_best AS (SELECT ${[...rowId, unpack].join(", ")} FROM (` +
          `SELECT ${rowId.map((c) => `${e}.${c}`).join(", ")}, arg_max(struct_pack(${picked}), ${order}) AS __p ` +
          `FROM ${e} JOIN ${alias}_src AS ${alias} ON ${conds.join(" AND ")} GROUP BY ALL))`,
      );
      const on = rowId.map((c) => `${alias}.${c} = ${e}.${c}`).join(" AND ");
      joins.push(`LEFT JOIN ${alias}_best AS ${alias} ON ${on}`);
      okExprs.push(`(${alias}.__ts IS NOT NULL)`);
    } else {
      const asofCmp = options.strict ? ">" : ">=";
      const ineq = !view.hasCreated
        ? `${rowTs} ${asofCmp} ${alias}.__ts`
        : view.packing
          ? `${packedBoundSql(view.packing, rowTs, options.strict)} ${asofCmp} ${alias}.__order`
          : // (T, +inf) >= (ts, created) iff ts <= T; (T, -inf) > (ts, created) iff ts < T.
            `struct_pack(t := ${rowTs}, c := '${options.strict ? "-infinity" : "infinity"}'::TIMESTAMPTZ) ${asofCmp} ${alias}.__order`;
      joins.push(`ASOF LEFT JOIN ${alias}_src AS ${alias} ON ${[...keyEq, ineq].join(" AND ")}`);
      const ttl = view.ttlSeconds > 0 ? ` AND ${ttlBound(`${alias}.__ts`, rowTs, view.ttlSeconds)}` : "";
      okExprs.push(`(${alias}.__ts IS NOT NULL${ttl})`);
    }
  });

  const select: string[] = [];
  for (const k of entities.keys) select.push(`${e}.${quoteIdent(k.name)} AS ${quoteIdent(k.name)}`);
  select.push(`${rowTs} AS ${EVENT_TIMESTAMP}`);
  for (const c of entities.passThrough) select.push(`${e}.${quoteIdent(c)} AS ${quoteIdent(c)}`);
  views.forEach((view, i) => {
    const ok = okExprs[i] as string;
    const alias = `__v${i}`;
    view.featureNames.forEach((name, j) => {
      // An aggregate has a value with or without events in its window (count 0, sum 0).
      const value = view.window
        ? `${alias}.${featureSlot(j)}`
        : `CASE WHEN ${ok} THEN ${alias}.${featureSlot(j)} END`;
      select.push(`${value} AS ${quoteIdent(name)}`);
    });
    if (options.includeFeatureTimestamps) {
      select.push(`CASE WHEN ${ok} THEN ${alias}.__ts END AS ${quoteIdent(view.timestampName)}`);
    }
  });
  if (withMatchColumns) {
    views.forEach((_, i) => {
      select.push(`CASE WHEN ${okExprs[i]} THEN __v${i}.__ts END AS ${matchColumn(i)}`);
    });
  }
  const where = options.dropUnmatched && okExprs.length > 0 ? ` WHERE ${okExprs.join(" OR ")}` : "";
  const orderBy = entities.orderBy.map((c) => `${e}.${quoteIdent(c)}`);
  if (order === "order-columns") {
    // Unsorted, with the order as columns __o0.. at the end: the caller sorts later.
    orderBy.forEach((c, i) => {
      select.push(`${c} AS ${orderColumn(i)}`);
    });
    return `WITH ${ctes.join(",\n")}\nSELECT ${select.join(", ")}\nFROM ${e} ${joins.join(" ")}${where}`;
  }
  return (
    `WITH ${ctes.join(",\n")}\n` +
    `SELECT ${select.join(", ")}\nFROM ${e} ${joins.join(" ")}${where}\nORDER BY ${orderBy.join(", ")}`
  );
}

/**
 * Pure SQL for the point-in-time join. For each entity row and each view it
 * picks the feature row with the same keys whose event timestamp is <= (or,
 * strict, <) the row's, and >= row - ttl when the ttl is non-zero; the latest
 * event timestamp wins, then the latest created timestamp (then the later
 * file and row, so ties always resolve the same way).
 *
 * Plan, per view:
 * - ASOF (the default): the source is first reduced to one row per
 *   (keys, event timestamp), the winner of the created-timestamp tie-break;
 *   then DuckDB's ASOF LEFT JOIN finds, per entity row, the latest of those
 *   at or before its timestamp. The ttl is a filter applied afterwards: if
 *   the latest eligible row is older than row - ttl, every other eligible row
 *   is older still, so "no match" is the right answer.
 * - Range (only with exclude_created_after on a source that has created
 *   timestamps): eligibility then depends on the entity row through two
 *   columns, which one ASOF inequality cannot express, so it is an
 *   inequality join on keys and both timestamps (and the ttl bound),
 *   reduced per entity row with arg_max.
 */
import type { FieldDef } from "../registry/model.js";
import { EVENT_TIMESTAMP } from "./feature-plan.js";
import { quoteIdent, secondsInterval } from "./sql-text.js";
import { featureSlot } from "./view-source-sql.js";

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
  hasFileOrder: boolean;
  /** Output column name of each selected feature, in slot order. */
  featureNames: string[];
  /** Output name of the view's feature-timestamp column. */
  timestampName: string;
}

/** The entity rows: a SELECT giving `__row_idx`, the join keys, `event_timestamp` and any pass-through columns. */
export interface PitEntities {
  sql: string;
  keys: FieldDef[];
  passThrough: string[];
}

/** Name of the hidden column holding view i's matched event timestamp (NULL when unmatched). */
export function matchColumn(i: number): string {
  return `__m${i}`;
}

/** Whether view i uses the range plan under `options`. */
export function usesRangePlan(view: PitView, options: PitOptions): boolean {
  return options.excludeCreatedAfter && view.hasCreated;
}

/**
 * The join's SELECT. Output columns, in order: join keys, event_timestamp,
 * pass-through columns, then per view its features (and its timestamp column
 * when asked); with `withMatchColumns`, `__m0..` follow. Rows come in entity
 * row order.
 */
export function pitQuerySql(
  entities: PitEntities,
  views: readonly PitView[],
  options: PitOptions,
  withMatchColumns: boolean,
): string {
  const ctes: string[] = [`__e AS (${entities.sql})`];
  const joins: string[] = [];
  const okExprs: string[] = [];
  const cmp = options.strict ? "<" : "<=";
  const e = "__e";
  const rowTs = `${e}.${EVENT_TIMESTAMP}`;

  views.forEach((view, i) => {
    const alias = `__v${i}`;
    ctes.push(`${alias}_src AS (${view.sourceSql})`);
    const keyEq = view.keys.map((k) => `${e}.${quoteIdent(k)} = ${alias}.${quoteIdent(k)}`);
    const slots = view.featureNames.map((_, j) => featureSlot(j));
    const order = tieBreak(view, alias);
    if (usesRangePlan(view, options)) {
      const conds = [
        ...keyEq,
        `${alias}.__ts ${cmp} ${rowTs}`,
        `coalesce(${alias}.__created, ${alias}.__ts) <= ${rowTs}`,
      ];
      if (view.ttlSeconds > 0) conds.push(`${alias}.__ts >= ${rowTs} - ${secondsInterval(view.ttlSeconds)}`);
      const picked = ["__ts", ...slots].map((c) => `${c} := ${alias}.${c}`).join(", ");
      ctes.push(
        `${alias}_best AS (SELECT __row_idx, ${["__ts", ...slots].map((c) => `__p.${c} AS ${c}`).join(", ")} FROM (` +
          `SELECT ${e}.__row_idx, arg_max(struct_pack(${picked}), struct_pack(${order})) AS __p ` +
          `FROM ${e} JOIN ${alias}_src AS ${alias} ON ${conds.join(" AND ")} GROUP BY ${e}.__row_idx))`,
      );
      joins.push(`LEFT JOIN ${alias}_best AS ${alias} ON ${alias}.__row_idx = ${e}.__row_idx`);
      okExprs.push(`(${alias}.__ts IS NOT NULL)`);
    } else {
      let dedup = `${alias}_src`;
      if (view.hasCreated || view.hasFileOrder) {
        // One row per (keys, event timestamp): the tie-break winner.
        const keyCols = view.keys.map(quoteIdent);
        const picked = slots.map((c) => `${c} := ${c}`).join(", ");
        const unpack = slots.map((c) => `__p.${c} AS ${c}`);
        const inner =
          slots.length > 0
            ? `SELECT ${[...keyCols, "__ts"].join(", ")}, arg_max(struct_pack(${picked}), struct_pack(${tieBreak(view, null)})) AS __p FROM ${alias}_src GROUP BY ALL`
            : `SELECT DISTINCT ${[...keyCols, "__ts"].join(", ")} FROM ${alias}_src`;
        ctes.push(
          slots.length > 0
            ? `${alias}_dedup AS (SELECT ${[...keyCols, "__ts", ...unpack].join(", ")} FROM (${inner}))`
            : `${alias}_dedup AS (${inner})`,
        );
        dedup = `${alias}_dedup`;
      }
      const asofCmp = options.strict ? ">" : ">=";
      joins.push(
        `ASOF LEFT JOIN ${dedup} AS ${alias} ON ${[...keyEq, `${rowTs} ${asofCmp} ${alias}.__ts`].join(" AND ")}`,
      );
      const ttl =
        view.ttlSeconds > 0 ? ` AND ${alias}.__ts >= ${rowTs} - ${secondsInterval(view.ttlSeconds)}` : "";
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
      select.push(`CASE WHEN ${ok} THEN ${alias}.${featureSlot(j)} END AS ${quoteIdent(name)}`);
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
  return (
    `WITH ${ctes.join(",\n")}\n` +
    `SELECT ${select.join(", ")}\nFROM ${e} ${joins.join(" ")}${where}\nORDER BY ${e}.__row_idx`
  );
}

/**
 * The ordering of candidate rows, best last, for arg_max: event timestamp,
 * then created timestamp (a missing one loses), then file and row.
 * `alias` qualifies the columns (null inside a single-table query).
 */
function tieBreak(view: PitView, alias: string | null): string {
  const q = (c: string) => (alias ? `${alias}.${c}` : c);
  const parts = [`t := ${q("__ts")}`];
  if (view.hasCreated) parts.push(`c := coalesce(${q("__created")}, '-infinity'::TIMESTAMPTZ)`);
  if (view.hasFileOrder) parts.push(`f := ${q("__file")}`, `r := ${q("__row")}`);
  return parts.join(", ");
}

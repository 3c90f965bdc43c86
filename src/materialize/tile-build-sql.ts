/**
 * Pure SQL building a stream view's online tiles from its raw events, so a
 * view is right online before its first live event (Materialize, and apply
 * of a new stream view over existing history). The tiles are those the live
 * consumer would hold (src/streaming/tiles.ts): per series (slide), tile k of
 * an entity aggregates its events with k·slide < e <= (k+1)·slide, i.e.
 * k = ceil(e / slide) - 1, holding the count and per aggregated column the
 * sum, min, max and the `last` event, the greatest (event time, created,
 * value); only tiles a window at or after the entity's newest event can read
 * are kept (k >= (floor(newest, slide) - maxWindow) / slide).
 *
 * Which entities: those with an event in [start, end]; their tiles come from
 * all their events up to `end` (the windows reach back before `start`).
 * Unlike the live consumer, nothing is late here: the raw events are the
 * offline truth, and Materialize writes it.
 */
import type { DuckDBType } from "@duckdb/node-api";
import { quoteIdent } from "../offline/sql-text.js";
import { epochMicrosExpr } from "../offline/view-source-sql.js";

export interface TileBuildSpec {
  /** Table expression scanning the raw events. */
  scan: string;
  keys: { name: string; column: string; sqlType: string }[];
  timestamp: { column: string; type: DuckDBType };
  created: { column: string; type: DuckDBType } | null;
  /** The layout's aggregated columns (stored names), in layout order. */
  columns: string[];
  /** The layout's series, in order. */
  series: { slideUs: bigint; maxWindowUs: bigint }[];
  startUs: bigint;
  endUs: bigint;
}

/** A missing created time loses every tie (as offline). */
export const MISSING_CREATED_US = -(2n ** 62n);

function big(n: bigint): string {
  return `CAST(${n.toString()} AS BIGINT)`;
}

/** floor(x / d) for BIGINT expressions, also below zero. */
function floorDiv(x: string, d: bigint): string {
  return `((${x} - (((${x}) % ${big(d)}) + ${big(d)}) % ${big(d)}) // ${big(d)})`;
}

/**
 * SELECT of the tiles, ordered by entity, series and tile: the key columns,
 * `__s` (series index), `__k` (tile index), `__n` (count), per column i
 * `__sum{i}`, `__min{i}`, `__max{i}` (DOUBLE), `__lt{i}`, `__lc{i}` (µs) and
 * `__lv{i}` (DOUBLE), and `__newest` (the entity's newest event time, µs).
 */
export function tileBuildSql(spec: TileBuildSpec): string {
  const keys = spec.keys.map((k) => quoteIdent(k.name));
  const t = epochMicrosExpr(spec.timestamp.column, spec.timestamp.type);
  const evCols = [
    ...spec.keys.map((k) => `CAST(${quoteIdent(k.column)} AS ${k.sqlType}) AS ${quoteIdent(k.name)}`),
    `${t} AS __t`,
    spec.created
      ? `coalesce(${epochMicrosExpr(spec.created.column, spec.created.type)}, ${big(MISSING_CREATED_US)}) AS __c`
      : `${big(MISSING_CREATED_US)} AS __c`,
    ...spec.columns.map((c, i) => `CAST(${quoteIdent(c)} AS DOUBLE) AS __x${i}`),
  ];
  const where = [
    `${quoteIdent(spec.timestamp.column)} IS NOT NULL`,
    ...spec.keys.map((k) => `${quoteIdent(k.column)} IS NOT NULL`),
  ];
  const ev = `__ev AS (SELECT * FROM (SELECT ${evCols.join(", ")} FROM ${spec.scan} WHERE ${where.join(" AND ")}) WHERE __t <= ${big(spec.endUs)})`;
  const ent = `__ent AS (SELECT ${keys.join(", ")}, max(__t) AS __newest FROM __ev GROUP BY ALL HAVING max(__t) >= ${big(spec.startUs)})`;
  const tiles = spec.series.map((s, si) => {
    const aggs = ["count(*) AS __n"];
    spec.columns.forEach((_, i) => {
      aggs.push(
        `sum(__x${i}) AS __sum${i}`,
        `min(__x${i}) AS __min${i}`,
        `max(__x${i}) AS __max${i}`,
        `max(struct_pack(t := __t, c := __c, x := __x${i})) AS __l${i}`,
      );
    });
    const k = floorDiv("__t - 1", s.slideUs);
    const first = `(${floorDiv("__newest", s.slideUs)} * ${big(s.slideUs)} - ${big(s.maxWindowUs)}) // ${big(s.slideUs)}`;
    return (
      `SELECT ${keys.map((c) => `__ev.${c}`).join(", ")}, ${si} AS __s, ${k} AS __k, any_value(__newest) AS __newest, ${aggs.join(", ")} ` +
      `FROM __ev JOIN __ent USING (${keys.join(", ")}) ` +
      `WHERE ${k} >= ${first} GROUP BY ${keys.map((c) => `__ev.${c}`).join(", ")}, __k`
    );
  });
  const out = [...keys, "__s", "__k", "__n", "__newest"];
  spec.columns.forEach((_, i) => {
    out.push(
      `__sum${i}`,
      `__min${i}`,
      `__max${i}`,
      `__l${i}.t AS __lt${i}`,
      `__l${i}.c AS __lc${i}`,
      `__l${i}.x AS __lv${i}`,
    );
  });
  return (
    `WITH ${ev}, ${ent}, __tiles AS (${tiles.join(" UNION ALL ")}) ` +
    `SELECT ${out.join(", ")} FROM __tiles ORDER BY ${[...keys, "__s", "__k"].join(", ")}`
  );
}

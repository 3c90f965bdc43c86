/**
 * ValidateConsistency of a stream feature view: for each entity, its online
 * tiles are read and every aggregate is taken at the entity's newest applied
 * event time (the tiles' event time, the online value's time); the offline
 * side is the same aggregate at the same time computed from the raw events
 * (the GetHistoricalFeatures SQL). Outcomes follow compare.ts: `stale_online`
 * when the raw events hold a newer event for the entity than the tiles,
 * `missing_online` when they hold events but there are no tiles, otherwise
 * `equal` or `mismatched` (late events, which tiles leave out and the raw
 * events keep, show up as mismatches at the times they would change).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { failedPrecondition } from "../errors/index.js";
import { sqlTypeOf } from "../offline/duckdb-types.js";
import { quoteIdent, quoteString } from "../offline/sql-text.js";
import type { WindowAggregate } from "../offline/window-aggregation-sql.js";
import { aggregateSlot, windowAggregatesSql, windowEventsSql } from "../offline/window-aggregation-sql.js";
import { dateOfMicros } from "../online/event-time.js";
import type { EntityKeyValues } from "../online/online-store.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import { isStreamView } from "../registry/model.js";
import { aggregateValue, readEntityTiles, tileLayoutOf, valuesAt } from "../streaming/index.js";
import type { NativeValue } from "../values/index.js";
import { compareValues, outcomeOf } from "./compare.js";
import type { FeatureReport } from "./report.js";
import { FeatureTally } from "./report.js";
import { entityKeyString, nativeOf } from "./sample-table.js";
import type { ValidateOptions } from "./validate-options.js";

export interface StreamViewCheck {
  view: FeatureViewDef;
  /** Feature names to check. */
  features: string[];
  /** The raw events' Parquet globs (empty: no raw events yet). */
  globs: string[];
  /** The entities, or undefined to sample them (from `sampleFrom`). */
  keys: EntityKeyValues[] | undefined;
  sampleFrom: "online" | "offline";
}

/** Checks one stream view; returns the entity keys checked and a report per feature. */
export async function validateStreamView(
  conn: DuckDBConnection,
  onlineStore: Parameters<typeof readEntityTiles>[0],
  check: StreamViewCheck,
  options: ValidateOptions,
): Promise<{ entityKeys: string[]; features: FeatureReport[] }> {
  const { view } = check;
  if (!isStreamView(view)) throw new Error(`not a stream view: ${view.name}`);
  const stream = view.source;
  const context = `stream feature view "${view.name}": raw events of stream source "${stream.name}"`;
  const scan =
    check.globs.length > 0
      ? `read_parquet([${check.globs.map(quoteString).join(", ")}], union_by_name = true)`
      : undefined;
  const run = async (sql: string) => {
    try {
      return await conn.runAndReadAll(sql);
    } catch (err) {
      throw failedPrecondition(`${context} (${check.globs.join(", ")}): ${(err as Error).message}`, err);
    }
  };
  const keyNames = view.entityColumns.map((c) => quoteIdent(c.name));

  // 1. The entities.
  let keys: EntityKeyValues[];
  if (check.keys) keys = check.keys;
  else if (check.sampleFrom === "online") keys = await onlineStore.sampleEntityKeys(view, options.sampleSize);
  else if (scan) {
    const reader = await run(
      `SELECT * FROM (SELECT DISTINCT ${keyNames.join(", ")} FROM ${scan} WHERE ${keyNames.map((k) => `${k} IS NOT NULL`).join(" AND ")}) ` +
        `USING SAMPLE ${Math.max(1, options.sampleSize)} ROWS`,
    );
    keys = reader.getRows().map((r) => r.map((v) => nativeOf(v)) as EntityKeyValues);
  } else keys = [];

  // 2. The tiles, and each entity's time: its newest applied event.
  const tiles = await readEntityTiles(onlineStore, view, keys);
  const layout = tileLayoutOf(view);
  const fields = check.features.map((f) => view.features.find((d) => d.name === f) as FieldDef);
  const outputs = check.features.map((f) => view.features.findIndex((d) => d.name === f));

  // 3. Offline: the same aggregates at the same times from the raw events, and each entity's newest event.
  const offline = new Map<number, { values: NativeValue[]; latestUs: number | undefined }>();
  if (scan && keys.length > 0) {
    const rows = keys.map((key, i) => {
      const t = tiles[i]?.newestUs;
      return { i, key, tUs: t !== undefined && Number.isFinite(t) ? t : undefined };
    });
    const literal = (v: NativeValue, dtype: FieldDef["dtype"]) =>
      v === null
        ? "NULL"
        : `CAST(${typeof v === "string" ? quoteString(v) : String(v)} AS ${sqlTypeOf(dtype)})`;
    const values = rows.map(
      (r) =>
        `(${r.i}, ${view.entityColumns.map((c, k) => literal(r.key[k] ?? null, c.dtype)).join(", ")}, ` +
        `${r.tUs === undefined ? "CAST(NULL AS TIMESTAMPTZ)" : `make_timestamptz(CAST(${r.tUs} AS BIGINT))`})`,
    );
    const columns: string[] = [];
    const aggregates: WindowAggregate[] = fields.map((f, j) => {
      const agg = view.aggregations[outputs[j] as number];
      if (!agg) throw failedPrecondition(`${context}: feature "${f.name}" has no aggregation`);
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
        sqlType: sqlTypeOf(f.dtype),
      };
    });
    const described = await conn.run(`SELECT * FROM ${scan} LIMIT 0`);
    const types = new Map(described.columnNames().map((n, i) => [n, described.columnTypes()[i]]));
    const typeOf = (c: string) => {
      const type = types.get(c);
      if (!type) throw failedPrecondition(`${context} has no column "${c}"`);
      return type;
    };
    const schemaType = (c: string) => stream.schema.find((f) => f.name === c)?.dtype ?? fields[0]?.dtype;
    const created = stream.batchSource.createdTimestampColumn;
    const eventsSql = windowEventsSql({
      scan,
      keys: view.entityColumns.map((c) => ({ name: c.name, column: c.name, sqlType: sqlTypeOf(c.dtype) })),
      values: columns.map((c) => ({ column: c, sqlType: sqlTypeOf(schemaType(c) as FieldDef["dtype"]) })),
      timestamp: { column: stream.timestampField, type: typeOf(stream.timestampField) as never },
      created: created && types.has(created) ? { column: created, type: typeOf(created) as never } : null,
    });
    const entitySql = `SELECT * FROM (VALUES ${values.join(", ")}) AS v(__idx, ${keyNames.join(", ")}, event_timestamp)`;
    const ctes = windowAggregatesSql(
      "__s",
      { table: "__e", rowId: ["__idx"], timestamp: "event_timestamp" },
      {
        eventsSql,
        keys: view.entityColumns.map((c) => c.name),
        valueTypes: columns.map((c) => sqlTypeOf(schemaType(c) as FieldDef["dtype"])),
        aggregates,
        plan: "range",
      },
      { strict: false, excludeCreatedAfter: false },
    );
    const latest = `__latest AS (SELECT ${keyNames.join(", ")}, max(__t) AS __max FROM (${eventsSql}) GROUP BY ALL)`;
    const sql =
      `WITH __e AS (${entitySql}), ${ctes.join(", ")}, ${latest} ` +
      `SELECT __e.__idx, ${fields.map((_, j) => `__s_agg.${aggregateSlot(j)}`).join(", ")}, __latest.__max ` +
      `FROM __e LEFT JOIN __s_agg USING (__idx) LEFT JOIN __latest USING (${keyNames.join(", ")})`;
    for (const r of (await run(sql)).getRows()) {
      const latestUs = r[fields.length + 1];
      offline.set(Number(r[0]), {
        values: r.slice(1, 1 + fields.length).map((v) => nativeOf(v)),
        latestUs: latestUs === null || latestUs === undefined ? undefined : Number(latestUs),
      });
    }
  }

  // 4. Classify every (entity, feature) pair.
  const tallies = fields.map((f) => new FeatureTally(view.name, f.name, f.dtype, options.maxExamples));
  for (let i = 0; i < keys.length; i++) {
    const t = tiles[i];
    const hasOnline = t !== undefined && Number.isFinite(t.newestUs);
    const eventUs = hasOnline ? t.newestUs : 0;
    const online = hasOnline ? valuesAt(layout, t, eventUs) : [];
    const off = offline.get(i);
    for (let j = 0; j < fields.length; j++) {
      const f = fields[j] as FieldDef;
      const tally = tallies[j] as FeatureTally;
      const onlineValue = hasOnline ? aggregateValue(f.dtype, online[outputs[j] as number] ?? null) : null;
      const offlineValue = off && hasOnline ? (off.values[j] as NativeValue) : null;
      const outcome = outcomeOf(
        hasOnline,
        onlineValue,
        eventUs,
        off !== undefined && hasOnline,
        offlineValue,
        off?.latestUs,
        options.tolerance,
      );
      if (outcome === undefined || !tally.count(outcome) || outcome === "equal") continue;
      const mismatched = outcome === "mismatched";
      tally.addExample({
        entityKey: view.entityColumns.map((c, k) => ({
          name: c.name,
          dtype: c.dtype,
          value: keys[i]?.[k] ?? null,
        })),
        kind: outcome,
        onlineValue: hasOnline ? onlineValue : undefined,
        offlineValue: mismatched ? offlineValue : undefined,
        onlineEventTime: hasOnline ? dateOfMicros(eventUs) : undefined,
        offlineEventTime: mismatched ? dateOfMicros(eventUs) : undefined,
        relativeDifference: mismatched
          ? compareValues(onlineValue, offlineValue, options.tolerance).relativeDifference
          : undefined,
      });
    }
  }
  return {
    entityKeys: keys.map((k) => `${view.entityColumns.map((c) => c.name).join(",")}=${entityKeyString(k)}`),
    features: tallies.map((t) => t.finish(options.maxMismatchRate)),
  };
}

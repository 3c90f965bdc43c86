/**
 * Training-serving skew per row, from serving logs: every logged request of
 * a feature service in a window is replayed through the offline store's
 * historical join (its logged join keys and `__log_timestamp` as the entity
 * rows), and each served value is compared with the offline point-in-time
 * value for the same entity at the same time (equality: row-skew-sql.ts).
 * The ground truth that ValidateConsistency samples. Set-based in DuckDB:
 * the logs of the window into a temp table, its keys and times to a
 * temporary Parquet file the join reads as its entity source, the join's
 * result into a second temp table, then one counting query and one
 * examples query per feature. On-demand features are recomputed from the
 * join's point-in-time inputs exactly as GetHistoricalFeatures computes them
 * (offline/odfv-columns.ts: the udf over the join's rows, in chunks, into a
 * table beside it) and compared with what was served; one that needs
 * request data cannot be replayed (the logs do not hold it) and is reported
 * as not compared.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { invalidArgument } from "../errors/index.js";
import {
  computeOdfvTable,
  dropOdfvTable,
  fromDuckDbError,
  odfvTableName,
  planFeatures,
  planHistorical,
  quoteIdent,
  quoteString,
  resultSelectSql,
  sqlTypeOf,
} from "../offline/index.js";
import type { FileSourceDef } from "../registry/model.js";
import { type ProfileContext, servingLogGroup } from "./compute-profile.js";
import { LOG_ROW_ID, type RowSkewColumn, rowSkewCountsSql, rowSkewExamplesSql } from "./row-skew-sql.js";

export interface RowSkewRequest {
  featureService: string;
  /** The serving logs' window (request times, inclusive). */
  start?: Date;
  end?: Date;
  /** Examples kept per feature (default 5); null: every differing row. */
  examples?: number | null;
  /** A feature alerts when its share of differing rows exceeds this (default 0.01). */
  maxDiffering?: number;
}

/** One differing row of a feature. */
export interface RowSkewExample {
  /** Join key -> value, as logged (64-bit integers as strings). */
  entityKey: Record<string, unknown>;
  /** The request time (`__log_timestamp`), ISO. */
  logTimestamp: string;
  /** The served value as compared (null when nothing was served). */
  served: unknown;
  /** The logged FieldStatus number (null when the log has none). */
  servedStatus: number | null;
  /** The offline point-in-time value (null when the join found none within the ttl). */
  offline: unknown;
}

export interface RowSkewFeature {
  /** "view:feature". */
  feature: string;
  /** Logged rows compared (every row of the window). */
  compared: number;
  differing: number;
  /** differing / compared (0 when nothing was compared). */
  differingShare: number;
  /** Of the differing: no value served (a null, NOT_FOUND, OUTSIDE_MAX_AGE) where the offline join has one. */
  missingOnline: number;
  /** Of the differing: a value served where the offline join has none. */
  missingOffline: number;
  examples: RowSkewExample[];
  verdict: "ok" | "alert";
}

export interface RowSkewReport {
  featureService: string;
  window: { start: string | null; end: string | null };
  /** Logged rows in the window. */
  rows: number;
  maxDiffering: number;
  features: RowSkewFeature[];
  /** Logged features that cannot be replayed offline, and why (on-demand ones needing request data). */
  notCompared: { feature: string; reason: string }[];
  /** "alert" when any feature's differing share exceeds maxDiffering. */
  verdict: "ok" | "alert";
}

export const DEFAULT_MAX_DIFFERING = 0.01;
export const DEFAULT_ROW_SKEW_EXAMPLES = 5;

let skewTables = 0;

export async function computeRowSkew(ctx: ProfileContext, request: RowSkewRequest): Promise<RowSkewReport> {
  const maxDiffering = request.maxDiffering ?? DEFAULT_MAX_DIFFERING;
  if (!Number.isFinite(maxDiffering) || maxDiffering < 0 || maxDiffering > 1) {
    throw invalidArgument(`the differing share threshold must be from 0 to 1, got ${maxDiffering}`);
  }
  const examples = request.examples === undefined ? DEFAULT_ROW_SKEW_EXAMPLES : request.examples;
  if (examples !== null && (!Number.isInteger(examples) || examples < 0 || examples > 10_000)) {
    throw invalidArgument(`examples must be a whole number from 0 to 10000, got ${examples}`);
  }
  const { start, end } = request;
  if (start && end && start.getTime() > end.getTime()) {
    throw invalidArgument(`the window starts after it ends: ${start.toISOString()} > ${end.toISOString()}`);
  }
  const name = request.featureService;
  const group = await servingLogGroup(ctx, name, {
    target: { kind: "serving_log", featureService: name },
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
  });
  // The features the log holds: batch ones are read by the join, on-demand ones computed over it.
  const refs: string[] = [];
  const notCompared: RowSkewReport["notCompared"] = [];
  for (const c of group.columns) {
    const view = c.name.slice(0, c.name.indexOf(":"));
    if (ctx.snapshot.featureViews.has(view)) {
      refs.push(c.name);
      continue;
    }
    const odfv = ctx.snapshot.onDemandFeatureViews.get(view);
    if (!odfv) continue;
    const reason =
      odfv.requestSchema.length > 0
        ? `on-demand feature view "${view}" needs request data ${odfv.requestSchema.map((f) => `"${f.name}"`).join(", ")}, which serving logs do not hold`
        : !ctx.db
          ? "on-demand features are computed on a second DuckDB connection, and none was given"
          : null;
    if (reason) notCompared.push({ feature: c.name, reason });
    else refs.push(c.name);
  }
  const window = { start: start?.toISOString() ?? null, end: end?.toISOString() ?? null };
  if (refs.length === 0) {
    return { featureService: name, window, rows: 0, maxDiffering, features: [], notCompared, verdict: "ok" };
  }
  const selection = { kind: "features" as const, refs };
  const keys = planFeatures(ctx.snapshot, selection, true).joinKeys;
  const columns: RowSkewColumn[] = group.columns
    .filter((c) => refs.includes(c.name))
    .map((c) => ({
      name: c.name,
      logColumn: c.column,
      statusColumn: c.statusColumn ?? null,
      offlineColumn: c.name.replace(":", "__"),
      sqlType: sqlTypeOf(c.valueType),
    }));

  const n = ++skewTables;
  const logs = `__fstore_skew_logs_${n}`;
  const offline = `__fstore_skew_offline_${n}`;
  const joined = `__fstore_skew_join_${n}`;
  let odfvTable = "";
  const folder = mkdtempSync(join(tmpdir(), "fstore-row-skew-"));
  const entityFile = join(folder, "entities.parquet");
  const connection = ctx.connection;
  const context = `row skew of feature service "${name}"`;
  try {
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run(
      `CREATE TEMP TABLE ${quoteIdent(logs)} AS SELECT row_number() OVER () AS ${LOG_ROW_ID}, * FROM (${group.fromSql})`,
    );
    const keyList = keys.map((k) => quoteIdent(k.name)).join(", ");
    await connection.run(
      `COPY (SELECT ${LOG_ROW_ID}, ${keyList}, __log_timestamp FROM ${quoteIdent(logs)} ORDER BY ${LOG_ROW_ID}) ` +
        `TO ${quoteString(entityFile)} (FORMAT parquet)`,
    );
    const source: FileSourceDef = {
      kind: "file",
      name: `serving logs of ${name}`,
      path: entityFile,
      timestampField: "__log_timestamp",
      createdTimestampColumn: "",
      fieldMapping: {},
      description: "",
      tags: {},
      owner: "",
    };
    const plan = await planHistorical(
      connection,
      {
        snapshot: ctx.snapshot,
        selection,
        entities: { kind: "source", source },
        fullFeatureNames: true,
        options: {
          strict: false,
          dropUnmatched: false,
          excludeCreatedAfter: false,
          includeFeatureTimestamps: false,
        },
      },
      { repoPath: ctx.repoPath },
    );
    const wanted = [LOG_ROW_ID, ...columns.map((c) => c.offlineColumn)].map(quoteIdent).join(", ");
    if (plan.odfvs.length === 0) {
      await connection.run(
        `CREATE TEMP TABLE ${quoteIdent(offline)} AS SELECT ${wanted} FROM (${plan.unsortedSql})`,
      );
    } else {
      // As GetHistoricalFeatures: the join materialized, the udfs run over its rows in output order.
      await connection.run(`CREATE TEMP TABLE ${quoteIdent(joined)} AS ${plan.unsortedSql}`);
      odfvTable = odfvTableName();
      await computeOdfvTable(
        ctx.db as DuckDBInstance,
        connection,
        plan,
        quoteIdent(joined),
        odfvTable,
        () => false,
      );
      await connection.run(
        `CREATE TEMP TABLE ${quoteIdent(offline)} AS SELECT ${wanted} FROM (${resultSelectSql(plan, quoteIdent(joined), odfvTable, [])})`,
      );
    }
    const counts =
      (await connection.runAndReadAll(rowSkewCountsSql(logs, offline, columns))).getRowObjectsJson()[0] ?? {};
    const rows = Number(counts.rows ?? 0);
    const features: RowSkewFeature[] = [];
    for (const [i, c] of columns.entries()) {
      const differing = Number(counts[`d${i}`] ?? 0);
      const share = rows === 0 ? 0 : differing / rows;
      const found =
        differing > 0 && examples !== 0
          ? (
              await connection.runAndReadAll(
                rowSkewExamplesSql(
                  logs,
                  offline,
                  keys.map((k) => k.name),
                  c,
                  examples,
                ),
              )
            ).getRowObjectsJson()
          : [];
      features.push({
        feature: c.name,
        compared: rows,
        differing,
        differingShare: share,
        missingOnline: Number(counts[`mon${i}`] ?? 0),
        missingOffline: Number(counts[`moff${i}`] ?? 0),
        examples: found.map((r) => ({
          entityKey: Object.fromEntries(keys.map((k) => [k.name, r[k.name] ?? null])),
          logTimestamp: isoOf(r.__log_timestamp),
          served: r.__served ?? null,
          servedStatus: r.__status === null || r.__status === undefined ? null : Number(r.__status),
          offline: r.__offline ?? null,
        })),
        verdict: share > maxDiffering ? "alert" : "ok",
      });
    }
    return {
      featureService: name,
      window,
      rows,
      maxDiffering,
      features,
      notCompared,
      verdict: features.some((f) => f.verdict === "alert") ? "alert" : "ok",
    };
  } catch (err) {
    throw fromDuckDbError(err, context);
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(logs)}`).catch(() => {});
    await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(offline)}`).catch(() => {});
    await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(joined)}`).catch(() => {});
    if (odfvTable && ctx.db) await dropOdfvTable(ctx.db, odfvTable);
    rmSync(folder, { recursive: true, force: true });
  }
}

/** DuckDB's JSON timestamp text ("2026-01-01 00:00:00.123" in UTC) as ISO. */
function isoOf(value: unknown): string {
  const text = String(value ?? "");
  const d = new Date(text.includes("T") ? text : `${text.replace(" ", "T")}Z`);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

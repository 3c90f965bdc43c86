/**
 * The offline store: point-in-time correct training sets from Parquet with
 * DuckDB. One DuckDB instance is shared; every query gets its own connection,
 * so concurrent requests never see each other's temp tables.
 */
import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { fromDuckDbError } from "./duckdb-errors.js";
import { withConnection } from "./duckdb-instance.js";
import type { HistoricalInputs, HistoricalPlan, HistoricalQuery } from "./historical-plan.js";
import { planHistorical } from "./historical-plan.js";
import { createJoinResult } from "./key-split.js";
import { leakageAuditSql } from "./leakage-audit.js";
import { computeOdfvTable, dropOdfvTable, odfvTableName, resultSelectSql } from "./odfv-columns.js";
import { checkOutputPath, prepareOutputPath } from "./output-path.js";
import type { OutputColumn } from "./record-batch-encoder.js";
import { RecordBatchEncoder } from "./record-batch-encoder.js";
import { quoteString } from "./sql-text.js";

export interface OfflineStoreOptions {
  /** The feature repository; relative source paths are resolved against it. */
  repoPath: string;
  /** The only folder Parquet output may be written into. */
  outputDir: string;
  /** The shared DuckDB instance (or its pending opening). */
  duckdb: DuckDBInstance | Promise<DuckDBInstance>;
  /**
   * Rows (entity plus feature rows) one part of a Parquet write's join may
   * hold before the join is split by key (`key-split.ts`); default: from
   * DuckDB's memory limit. Tests set it low to exercise the split.
   */
  joinRowsPerPart?: number;
}

/** The outcome of a historical query. */
export interface HistoricalResult {
  rowCount: number;
  matchCounts: { featureView: string; matchedRows: number }[];
  /** Leaking feature values found by the audit; 0 when point-in-time correct. */
  violations: number;
  elapsedMs: number;
  /** Absolute path written (Parquet output only). */
  outputPath: string;
  columns: OutputColumn[];
  /** The files the join read (for lineage). */
  inputs: HistoricalInputs;
}

/** Options of `writeHistorical`. */
export interface WriteHistoricalOptions {
  /**
   * Key-value metadata for the Parquet file, asked once the result's counts
   * and audit are known and before the file is written (lineage's manifest).
   */
  kvMetadata?: (result: HistoricalResult) => Promise<Record<string, string>>;
}

export type HistoricalEvent =
  | { kind: "schema"; columns: OutputColumn[] }
  /**
   * A batch as `fstore.v1.RecordBatch` protobuf bytes (encoded from DuckDB's
   * vectors directly), and the same bytes framed as field 2 (`batch`) of a
   * GetHistoricalFeaturesResponse, i.e. the stream message as it is sent
   * (`encoded` is a view into `message`).
   */
  | { kind: "batch"; numRows: number; encoded: Uint8Array; message: Uint8Array }
  | { kind: "summary"; result: HistoricalResult };

export interface OfflineStore {
  /** The schema, then batches of at most `batchSize` rows (entity row order), then the summary. */
  streamHistorical(
    query: HistoricalQuery,
    batchSize: number,
    signal?: AbortSignal,
  ): AsyncIterable<HistoricalEvent>;
  /** Writes the training set as Parquet at `path` (relative to the output directory). */
  writeHistorical(
    query: HistoricalQuery,
    path: string,
    signal?: AbortSignal,
    options?: WriteHistoricalOptions,
  ): Promise<HistoricalResult>;
}

/** Largest batch the store hands out, whatever is asked. */
export const MAX_BATCH_ROWS = 100_000;
/** Batch size when none is asked. */
export const DEFAULT_BATCH_ROWS = 10_000;

export function createOfflineStore(options: OfflineStoreOptions): OfflineStore {
  const settings = { repoPath: options.repoPath };
  return {
    async *streamHistorical(query, batchSize, signal) {
      const started = performance.now();
      const size = Math.min(Math.max(1, batchSize || DEFAULT_BATCH_ROWS), MAX_BATCH_ROWS);
      const db = await options.duckdb;
      // An async generator cannot yield from inside withConnection's callback, so the
      // connection is managed here, with the same cancel and close rules.
      if (signal?.aborted) return;
      const connection = await db.connect();
      const onAbort = () => connection.interrupt();
      signal?.addEventListener("abort", onAbort, { once: true });
      let odfvTable = "";
      try {
        await utcSession(connection);
        const plan = await planHistorical(connection, query, settings);
        yield { kind: "schema", columns: plan.columns };
        const builder = new RecordBatchEncoder(
          plan.columns,
          plan.timestampIndex,
          plan.views.map((v) => v.featureCount),
          query.options.strict,
          size,
        );
        const batch = (): HistoricalEvent => {
          const numRows = builder.rowCount;
          const { batch, framed } = builder.flushFramed(2);
          return { kind: "batch", numRows, encoded: batch, message: framed };
        };
        // The join streams sorted straight from its query: the ORDER BY makes every pipeline
        // before it (scans, ASOF joins, the sort) run in parallel, and only the sorted rows
        // are streamed (measured on the bench set: same CPU as materializing a temp table first,
        // minus writing and scanning that table). On-demand views read the join twice, so
        // with them it is materialized first, unsorted.
        let joined = `(${plan.unsortedSql})`;
        if (plan.odfvs.length > 0) {
          joined = "__result";
          await run(() => connection.run(`CREATE TEMP TABLE __result AS ${plan.unsortedSql}`));
          odfvTable = odfvTableName();
          await run(() =>
            computeOdfvTable(db, connection, plan, "__result", odfvTable, () => signal?.aborted === true),
          );
          if (signal?.aborted) return;
        }
        const matchColumns = plan.views.map((v) => v.matchColumn);
        const result = await run(() =>
          connection.stream(resultSelectSql(plan, joined, odfvTable, matchColumns)),
        );
        for (;;) {
          const chunk = await run(() => result.fetchChunk());
          if (!chunk || chunk.rowCount === 0) break;
          // Batches hold at most `size` rows: a chunk may be split across two.
          for (let from = 0; from < chunk.rowCount; ) {
            const to = Math.min(chunk.rowCount, from + size - builder.rowCount);
            builder.append(chunk, from, to);
            from = to;
            if (builder.rowCount >= size) yield batch();
            if (signal?.aborted) return;
          }
        }
        if (builder.rowCount > 0) yield batch();
        yield {
          kind: "summary",
          result: {
            rowCount: builder.totalRows,
            matchCounts: plan.views.map((v, i) => ({
              featureView: v.name,
              matchedRows: builder.matched[i] ?? 0,
            })),
            violations: builder.violations,
            elapsedMs: performance.now() - started,
            outputPath: "",
            columns: plan.columns,
            inputs: plan.inputs,
          },
        };
      } finally {
        signal?.removeEventListener("abort", onAbort);
        connection.closeSync();
        if (odfvTable) await dropOdfvTable(db, odfvTable);
      }
    },

    async writeHistorical(query, path, signal, writeOptions) {
      const started = performance.now();
      // Checked before anything runs; folders are created only once the query is known to plan.
      const rel = checkOutputPath(options.outputDir, path);
      const db = await options.duckdb;
      return withConnection(
        db,
        async (connection) => {
          await utcSession(connection);
          const plan = await planHistorical(connection, query, settings);
          const target = await prepareOutputPath(options.outputDir, rel);
          const temp = `${target}.tmp-${randomBytes(6).toString("hex")}`;
          const odfvTable = plan.odfvs.length > 0 ? odfvTableName() : "";
          let removeJoinFiles = () => {};
          try {
            // Materialized once, unsorted (in parallel; split by key when larger than memory):
            // the audit reads it, then COPY sorts and writes.
            removeJoinFiles = await run(() =>
              createJoinResult(
                connection,
                plan,
                "__result",
                () => signal?.aborted === true,
                options.joinRowsPerPart,
              ),
            );
            const audit = await run(() =>
              connection.runAndReadAll(
                leakageAuditSql("__result", "event_timestamp", plan.views, query.options.strict),
              ),
            );
            const row = audit.getRows()[0] ?? [];
            if (plan.odfvs.length > 0) {
              // Streamed through the udfs in chunks into a table, then written by COPY.
              await run(() =>
                computeOdfvTable(db, connection, plan, "__result", odfvTable, () => signal?.aborted === true),
              );
              // withConnection reports an abort as CANCELLED; never write a partial table.
              if (signal?.aborted) throw new Error("aborted while computing on-demand features");
            }
            const before = summaryOf(plan, row, performance.now() - started, target);
            const metadata = writeOptions?.kvMetadata ? await writeOptions.kvMetadata(before) : {};
            await run(() =>
              connection.run(
                `COPY (${resultSelectSql(plan, "__result", odfvTable, [])}) ` +
                  `TO ${quoteString(temp)} (FORMAT parquet, COMPRESSION zstd${kvMetadataSql(metadata)})`,
              ),
            );
            await rename(temp, target);
            return { ...before, elapsedMs: performance.now() - started };
          } finally {
            // Dropped by an async statement: closing the connection would free the 1M-row
            // table synchronously, holding the event loop for tens of milliseconds.
            await connection.run("DROP TABLE IF EXISTS __result").catch(() => {});
            await connection.run("DROP VIEW IF EXISTS __result").catch(() => {});
            removeJoinFiles();
            if (odfvTable) await dropOdfvTable(db, odfvTable);
            await rm(temp, { force: true });
          }
        },
        signal,
      );
    },
  };
}

function summaryOf(
  plan: HistoricalPlan,
  row: readonly unknown[],
  elapsedMs: number,
  path: string,
): HistoricalResult {
  const n = (x: unknown) => Number(x ?? 0);
  return {
    rowCount: n(row[0]),
    matchCounts: plan.views.map((v, i) => ({ featureView: v.name, matchedRows: n(row[1 + i]) })),
    violations: n(row[1 + plan.views.length]),
    elapsedMs,
    outputPath: path,
    columns: plan.columns,
    inputs: plan.inputs,
  };
}

/** The KV_METADATA option of a Parquet COPY ("" when there is none). */
function kvMetadataSql(metadata: Record<string, string>): string {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return "";
  return `, KV_METADATA {${entries.map(([k, v]) => `${quoteString(k)}: ${quoteString(v)}`).join(", ")}}`;
}

/**
 * Every time-zone-dependent operation on the connection in UTC (the
 * instance's default is the server's local zone): naive timestamps hold UTC,
 * and literals such as `timestampLiteral` cast through the session zone.
 */
async function utcSession(connection: DuckDBConnection): Promise<void> {
  await connection.run("SET TimeZone = 'UTC'");
}

/** Runs a DuckDB call, translating its errors (a bad Parquet file discovered mid-query, an interrupt). */
async function run<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw fromDuckDbError(err, "historical query");
  }
}

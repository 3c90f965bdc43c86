/**
 * Streams the latest row per entity of a view's window out of DuckDB in
 * bounded batches: a streaming result read chunk by chunk, so neither DuckDB's
 * result nor JS ever holds the whole window.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { DuckDBConnection, DuckDBDataChunk } from "@duckdb/node-api";
import { Code, FstoreError } from "../errors/index.js";
import { duckDbTempDirectory, fromDuckDbError, partFilesOf } from "../offline/index.js";
import type { EncodedRows, OnlineRow } from "../online/online-store.js";
import type { FeatureViewDef } from "../registry/model.js";
import { appendChunkRows, rowConvertersOf } from "./chunk-rows.js";
import { EncodedRowsBuilder } from "./encode-chunk.js";
import {
  latestRowsSql,
  type OrderStats,
  orderPacking,
  orderStatsSql,
  partCountOf,
  partLatestRowsSql,
  splitByKeySql,
} from "./latest-rows-sql.js";

export interface LatestRowsBatch {
  rows: OnlineRow[];
  /** Source rows (of the window) that these entities' latest rows were chosen from. */
  rowsRead: number;
}

export interface ReadLatestRowsOptions {
  files: readonly string[];
  start: Date;
  end: Date;
  /** Rows per batch (at least one DuckDB chunk, 2,048 rows, is read at a time). */
  batchSize: number;
  /** Window rows per part when splitting by entity key (default `ROWS_PER_PART`; tests set it low). */
  rowsPerPart?: number;
  /** Windows of more rows than this are split (default `SPLIT_ABOVE_ROWS`; tests set it low). */
  splitAboveRows?: number;
  signal?: AbortSignal;
}

/** Yields the window's latest rows per entity, `batchSize` at a time. */
export async function* readLatestRows(
  conn: DuckDBConnection,
  view: FeatureViewDef,
  options: ReadLatestRowsOptions,
): AsyncGenerator<LatestRowsBatch> {
  if (options.files.length === 0) return;
  const conv = rowConvertersOf(view);
  const onAbort = () => conn.interrupt();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let plan: LatestRowsPlan | undefined;
  try {
    plan = await latestRowsPlan(conn, view, options);
    let rows: OnlineRow[] = [];
    let rowsRead = 0;
    for (const sql of plan.queries) {
      const result = await conn.stream(sql);
      for (;;) {
        throwIfAborted(options.signal);
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        rowsRead += appendChunkRows(chunk, conv, rows);
        if (rows.length >= options.batchSize) {
          yield { rows, rowsRead };
          rows = [];
          rowsRead = 0;
        }
      }
    }
    if (rows.length > 0) yield { rows, rowsRead };
  } catch (err) {
    throwIfAborted(options.signal);
    throw fromDuckDbError(err, `reading the source of feature view "${view.name}"`);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    plan?.close();
  }
}

export interface EncodedRowsBatch {
  batch: EncodedRows;
  /** Source rows (of the window) that these entities' latest rows were chosen from. */
  rowsRead: number;
}

/**
 * Yields the window's latest rows per entity already encoded for the online
 * store (keys and packed rows), `batchSize` at a time. The next chunk is
 * fetched while the current one is encoded, so DuckDB's threads produce while
 * this thread encodes; at most one chunk is read ahead.
 */
export async function* readLatestEncoded(
  conn: DuckDBConnection,
  view: FeatureViewDef,
  options: ReadLatestRowsOptions,
): AsyncGenerator<EncodedRowsBatch> {
  if (options.files.length === 0) return;
  const builder = new EncodedRowsBuilder(view, options.batchSize);
  const onAbort = () => conn.interrupt();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let next: Promise<DuckDBDataChunk | null> | undefined;
  let plan: LatestRowsPlan | undefined;
  try {
    plan = await latestRowsPlan(conn, view, options);
    let rowsRead = 0;
    for (const sql of plan.queries) {
      const result = await conn.stream(sql);
      next = result.fetchChunk();
      for (;;) {
        throwIfAborted(options.signal);
        const chunk = await next;
        next = undefined;
        if (chunk === null || chunk.rowCount === 0) break;
        next = result.fetchChunk();
        // Observed on the next turn; this only keeps a failure while we yield from being "unhandled".
        next.catch(() => {});
        rowsRead += builder.append(chunk);
        if (builder.count >= options.batchSize) {
          yield { batch: builder.take(), rowsRead };
          rowsRead = 0;
        }
      }
    }
    if (builder.count > 0) yield { batch: builder.take(), rowsRead };
  } catch (err) {
    throwIfAborted(options.signal);
    throw fromDuckDbError(err, `reading the source of feature view "${view.name}"`);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    // A read-ahead still running when the consumer stops: let it finish before the connection closes.
    if (next) await next.catch(() => null);
    plan?.close();
  }
}

/** Part files the split keeps open at once. */
const SPLIT_OPEN_FILES = 8;

/** The queries whose results, one after another, are the window's latest rows in stored key order. */
export interface LatestRowsPlan {
  queries: string[];
  /** Removes the parts' temp files (if any). */
  close(): void;
}

/**
 * The window's latest-rows queries: none for an empty window; one
 * (`latestRowsSql`) for a window of up to `splitAboveRows` rows or one whose
 * order does not pack; else the window split by entity key into temp Parquet
 * files beside DuckDB's temp directory (one pass), then one query per part.
 */
export async function latestRowsPlan(
  conn: DuckDBConnection,
  view: FeatureViewDef,
  o: ReadLatestRowsOptions,
): Promise<LatestRowsPlan> {
  const none = { queries: [], close: () => {} };
  if (o.files.length === 0) return none;
  const stats = await windowStats(conn, view, o);
  if (stats.rows === 0n) return none;
  const packing = orderPacking(stats, o.files.length);
  const parts = partCountOf(stats.rows, o.rowsPerPart, o.splitAboveRows);
  if (parts === 1) {
    return { queries: [latestRowsSql(view, o.files, o.start, o.end, packing)], close: () => {} };
  }
  // Beside DuckDB's spill folder, not in it: DuckDB makes that one on its first spill and removes it.
  const folder = `${await duckDbTempDirectory(conn)}-parts-${randomUUID()}`;
  const close = () => rmSync(folder, { recursive: true, force: true });
  try {
    mkdirSync(dirname(folder), { recursive: true });
    // The parts' row order does not matter (each part query aggregates and sorts), and keeping the
    // scan's order made DuckDB buffer the window (out of memory at 2 GB on 50M rows). Each open
    // part file holds a row group being built: at most 8 open (DuckDB then starts new files) keeps
    // 64 parts near the memory of 8 (+135 MB instead of +195 MB on 50M rows). This connection
    // only: other queries keep their settings.
    await conn.run("SET SESSION preserve_insertion_order = false");
    await conn.run(`SET SESSION partitioned_write_max_open_files = ${SPLIT_OPEN_FILES}`);
    try {
      await conn.run(splitByKeySql(view, o.files, o.start, o.end, packing, parts, folder));
    } finally {
      await conn.run("RESET SESSION preserve_insertion_order");
      await conn.run("RESET SESSION partitioned_write_max_open_files");
    }
    // `part=<n>` folders, in part order (a part without rows has none).
    const queries = [...partFilesOf(folder, "part")]
      .sort((a, b) => a[0] - b[0])
      .map(([, files]) => partLatestRowsSql(view, files, packing !== null));
    return { queries, close };
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * The latest-rows query of the window, ordering rows by one packed BIGINT
 * when the window's statistics allow it (one cheap aggregate first), else by
 * the struct; undefined when the window holds no row.
 */
export async function latestRowsQuery(
  conn: DuckDBConnection,
  view: FeatureViewDef,
  o: ReadLatestRowsOptions,
): Promise<string | undefined> {
  const stats = await windowStats(conn, view, o);
  if (stats.rows === 0n) return undefined;
  return latestRowsSql(view, o.files, o.start, o.end, orderPacking(stats, o.files.length));
}

/** The window's order statistics (one cheap aggregate). */
async function windowStats(
  conn: DuckDBConnection,
  view: FeatureViewDef,
  o: ReadLatestRowsOptions,
): Promise<OrderStats> {
  const reader = await conn.runAndReadAll(orderStatsSql(view, o.files, o.start, o.end));
  const r = (reader.getRows()[0] ?? []) as (bigint | number | null)[];
  const big = (v: bigint | number | null | undefined) => (v === null || v === undefined ? null : BigInt(v));
  const stats: OrderStats = {
    rows: big(r[0]) ?? 0n,
    minT: big(r[1]),
    maxT: big(r[2]),
    tSub: big(r[3]),
    minC: big(r[4]),
    maxC: big(r[5]),
    cSub: big(r[6]),
    maxRow: big(r[7]),
  };
  return stats;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FstoreError(Code.Cancelled, "materialization cancelled");
}

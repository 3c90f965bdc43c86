/**
 * Materialization: per online feature view, the latest offline row per
 * entity in a window, streamed from DuckDB in bounded batches into the online
 * store. The interval is recorded in the registry only after every row of it
 * has been written, and every run (succeeded, failed, skipped) is recorded.
 */
import type { DuckDBInstance } from "@duckdb/node-api";
import { onlineStoreIdentity } from "../config/online-store-identity.js";
import type { RepoConfig } from "../config/types.js";
import { Code, FstoreError, invalidArgument, notFound } from "../errors/index.js";
import {
  type Lineage,
  type MaterializationRunLineage,
  startMaterializationLineage,
} from "../lineage/index.js";
import type { OnlineStore, WriteResult } from "../online/online-store.js";
import type { FeatureViewDef } from "../registry/model.js";
import { batchSourceOf, isStreamView } from "../registry/model.js";
import type { Registry } from "../registry/registry.js";
import { tileStorageView } from "../streaming/index.js";
import { eventTimeRange } from "../values/index.js";
import { connectUtc } from "./duckdb.js";
import { readLatestEncoded } from "./latest-rows-reader.js";
import { listSourceFiles } from "./source-files.js";
import { readTileBatches } from "./tile-build.js";
import { checkWindow, checkWindowRange, incrementalStart } from "./window.js";

/** What materialization works with; the server and the CLI each build one. */
export interface MaterializeContext {
  config: RepoConfig;
  registry: Registry;
  onlineStore: OnlineStore;
  /** The process's DuckDB instance (opened on first use). */
  duckdb: () => Promise<DuckDBInstance>;
  /** Records each run's view version and files, and emits OpenLineage events (absent: nothing recorded). */
  lineage?: Lineage;
}

export interface MaterializeRequest {
  /** Window start (inclusive); ignored when `incremental`. */
  start?: Date;
  /** Window end (inclusive). */
  end: Date;
  /** Start each view where its last recorded interval ended (else end - ttl). */
  incremental: boolean;
  /** View names; every online view when empty or absent. */
  views?: readonly string[];
  /** Marks the run records as started by the schedule. */
  scheduled?: boolean;
  signal?: AbortSignal;
  /** Rows per online write (default 8,192). */
  batchSize?: number;
  /** Least time between two progress events of a view (default 250 ms). */
  progressIntervalMs?: number;
}

/** Progress of one view. */
export interface ViewProgress {
  featureView: string;
  start: Date;
  end: Date;
  rowsRead: number;
  entitiesWritten: number;
  /** Rows not written because the store held a newer value. */
  skippedStale: number;
  elapsedMs: number;
  done: boolean;
  /** Set on the final event of a view whose window was empty (incremental end before the last interval). */
  skipped?: boolean;
}

export type MaterializeEvent =
  | { kind: "progress"; progress: ViewProgress }
  | { kind: "summary"; views: ViewProgress[]; elapsedMs: number };

const DEFAULT_BATCH_SIZE = 8192;
const DEFAULT_PROGRESS_INTERVAL_MS = 250;
const WRITES_IN_FLIGHT = 4;

/** The views a request names (NOT_FOUND / INVALID_ARGUMENT for bad names), or every online view. */
export function resolveViews(
  ctx: MaterializeContext,
  names: readonly string[] | undefined,
): FeatureViewDef[] {
  const views = ctx.registry.snapshot().featureViews;
  if (!names || names.length === 0) {
    return [...views.values()].filter((v) => v.online).sort((a, b) => a.name.localeCompare(b.name));
  }
  const out: FeatureViewDef[] = [];
  for (const name of new Set(names)) {
    const view = views.get(name);
    if (!view) {
      const known = [...views.keys()].sort().join(", ") || "none";
      throw notFound(`feature view "${name}" not found (known views: ${known})`);
    }
    if (!view.online)
      throw invalidArgument(
        `feature view "${name}" is not online (online: false); it cannot be materialized`,
      );
    out.push(view);
  }
  return out;
}

/**
 * Runs a materialization, yielding progress per view and then a summary.
 * Bad requests fail before anything is written.
 */
export async function* materialize(
  ctx: MaterializeContext,
  req: MaterializeRequest,
): AsyncGenerator<MaterializeEvent> {
  const t0 = performance.now();
  const views = resolveViews(ctx, req.views);
  if (!req.incremental) checkWindow(req.start ?? new Date(Number.NaN), req.end);
  else checkWindow(req.end, req.end);
  const range = eventTimeRange(new Date(), ctx.config.writeRules.maxFutureSkewSeconds);
  checkWindowRange(req.incremental ? undefined : req.start, req.end, range);
  const windows: { view: FeatureViewDef; start: Date; end: Date }[] = [];
  for (const view of views) {
    const start = req.incremental
      ? incrementalStart(view.ttlSeconds, await ctx.registry.materializationIntervals(view.name), req.end)
      : (req.start as Date);
    windows.push({ view, start, end: req.end });
  }
  const finals: ViewProgress[] = [];
  for (const w of windows) {
    let last: ViewProgress | undefined;
    for await (const progress of materializeView(ctx, w.view, w.start, w.end, req)) {
      last = progress;
      yield { kind: "progress", progress };
    }
    if (last) finals.push(last);
  }
  yield { kind: "summary", views: finals, elapsedMs: performance.now() - t0 };
}

async function* materializeView(
  ctx: MaterializeContext,
  view: FeatureViewDef,
  start: Date,
  end: Date,
  req: MaterializeRequest,
): AsyncGenerator<ViewProgress> {
  const runStart = new Date();
  const t0 = performance.now();
  const p: ViewProgress = {
    featureView: view.name,
    start,
    end,
    rowsRead: 0,
    entitiesWritten: 0,
    skippedStale: 0,
    elapsedMs: 0,
    done: false,
  };
  const snap = (done: boolean): ViewProgress => ({ ...p, elapsedMs: performance.now() - t0, done });
  const lineage: MaterializationRunLineage | undefined = ctx.lineage
    ? startMaterializationLineage(ctx.lineage, {
        onlineStore: onlineStoreIdentity(ctx.config.onlineStore),
        view,
        start,
        end,
        scheduled: req.scheduled ?? false,
      })
    : undefined;
  const recordLineage = (outcome: "succeeded" | "failed" | "skipped", error: string) =>
    lineage?.finish(outcome, { rowsRead: p.rowsRead, entitiesWritten: p.entitiesWritten }, error);
  const record = (outcome: "succeeded" | "failed" | "skipped", error: string) =>
    ctx.registry.recordMaterializationRun({
      featureView: view.name,
      start: runStart,
      end: new Date(),
      outcome,
      rowsRead: p.rowsRead,
      entitiesWritten: p.entitiesWritten,
      error,
      scheduled: req.scheduled ?? false,
    });

  if (start > end || (req.incremental && start.getTime() === end.getTime())) {
    // An incremental run ending at or before the last interval's end: nothing new to read. (At it:
    // a scheduled slot run again by the server that took over from a holder that died after its
    // run but before releasing the lease; recording it would count the slot twice.)
    const why =
      start > end
        ? `window start ${start.toISOString()} is after end ${end.toISOString()}`
        : `already materialized up to ${end.toISOString()}`;
    await record("skipped", why);
    await recordLineage("skipped", why);
    yield { ...snap(true), skipped: true };
    return;
  }

  let settled = false;
  const conn = await connectUtc(await ctx.duckdb());
  try {
    const source = batchSourceOf(view);
    const files = await listSourceFiles(conn, ctx.config.repoPath, source, view.source.kind !== "file");
    await lineage?.reading(files);
    const interval = req.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    let lastProgress = performance.now();
    yield snap(false);
    // Up to WRITES_IN_FLIGHT writes run while the next batch is read and converted, so
    // DuckDB, this thread and the store overlap; at most WRITES_IN_FLIGHT + 1 batches are alive.
    const pending: Promise<WriteResult>[] = [];
    const settleOldest = async () => {
      const r = await (pending[0] as Promise<WriteResult>);
      pending.shift();
      p.entitiesWritten += r.written;
      p.skippedStale += r.skippedStale;
    };
    try {
      const readOptions = {
        files,
        start,
        end,
        batchSize: req.batchSize ?? DEFAULT_BATCH_SIZE,
        signal: req.signal,
      };
      // Rows encoded straight from DuckDB's vectors into the store's packed batches.
      const store = ctx.onlineStore;
      // A stream view's online rows are its tiles, rebuilt from the raw events.
      const batches = isStreamView(view)
        ? mapBatches(
            readTileBatches(conn, view, readOptions),
            (b) => () => store.write(tileStorageView(view), b.batch),
          )
        : mapBatches(readLatestEncoded(conn, view, readOptions), (b) => () => store.write(view, b.batch));
      for await (const batch of batches) {
        while (pending.length >= WRITES_IN_FLIGHT) await settleOldest();
        const write = batch.write();
        // Observed by settleOldest(); this only keeps an early failure from being "unhandled".
        write.catch(() => {});
        pending.push(write);
        p.rowsRead += batch.rowsRead;
        if (performance.now() - lastProgress >= interval) {
          lastProgress = performance.now();
          yield snap(false);
        }
      }
      while (pending.length > 0) await settleOldest();
    } finally {
      // Never leave a write running behind a failure.
      await Promise.allSettled(pending);
    }
    if (req.signal?.aborted) throw new FstoreError(Code.Cancelled, "materialization cancelled");
    await ctx.registry.recordMaterializationInterval(view.name, start, end);
    await record("succeeded", "");
    settled = true;
    await recordLineage("succeeded", "");
    yield snap(true);
  } catch (err) {
    if (!settled) {
      settled = true;
      await recordFailure(record, err);
      await recordLineage("failed", errorText(err));
    }
    throw err;
  } finally {
    if (!settled) {
      const stopped = new FstoreError(Code.Cancelled, "materialization stopped by the caller");
      await recordFailure(record, stopped);
      await recordLineage("failed", stopped.message);
    }
    conn.closeSync();
  }
}

async function* mapBatches<T extends { rowsRead: number }>(
  batches: AsyncGenerator<T>,
  writer: (batch: T) => () => Promise<WriteResult>,
): AsyncGenerator<{ rowsRead: number; write: () => Promise<WriteResult> }> {
  for await (const b of batches) yield { rowsRead: b.rowsRead, write: writer(b) };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function recordFailure(record: (o: "failed", e: string) => Promise<void>, err: unknown): Promise<void> {
  try {
    await record("failed", errorText(err));
  } catch {
    // The registry itself failing must not hide the original error.
  }
}

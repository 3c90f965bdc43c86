/**
 * Push: rows for a push source or feature view, validated against its
 * schema, then appended offline (a new Parquet file) and/or written online
 * with the older-over-newer rule. A rejected push writes nothing anywhere:
 * every check happens before the first write.
 */
import { dirname } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import type { RepeatedValue } from "../../gen/fstore/v1/value_pb.js";
import type { RepoConfig } from "../config/types.js";
import { invalidArgument } from "../errors/index.js";
import { yieldToLoop } from "../event-loop/index.js";
import { pushStreamEvents, streamSourceOfPush } from "../ingest/push-events.js";
import { microsOf } from "../online/event-time.js";
import { writeOnlineRows } from "../online/online-rows.js";
import type { OnlineRow, OnlineStore } from "../online/online-store.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { Registry } from "../registry/registry.js";
import type { NativeValue } from "../values/index.js";
import { eventTimeRange } from "../values/index.js";
import { appendFolderOf, appendParquet } from "./offline-append.js";
import { resolvePushTarget } from "./push-target.js";
import type { PushTable } from "./validate-push.js";
import { validatePushColumns } from "./validate-push.js";

export interface PushContext {
  config: RepoConfig;
  registry: Registry;
  /** The online store, opened on first use. */
  onlineStore: () => OnlineStore;
  duckdb: () => Promise<DuckDBInstance>;
  now?: () => Date;
  /** Called with the folder after each offline append (the server compacts it). */
  afterOfflineAppend?: (folder: string) => void;
}

export type PushDestination = "online" | "offline" | "online_and_offline";

export interface PushRequest {
  /** A push source name or a feature view name. */
  name: string;
  /** Columnar rows: column name -> one value per row. */
  columns: Readonly<Record<string, RepeatedValue>>;
  to: PushDestination;
}

export interface PushResult {
  rows: number;
  onlineEntitiesWritten: number;
  /** Rows not written online because a newer value was stored (or pushed in the same request). */
  onlineRowsSkippedStale: number;
  /** The Parquet file written offline, or "". */
  offlinePath: string;
}

export async function push(ctx: PushContext, req: PushRequest): Promise<PushResult> {
  // Events for a stream source take the stream path (windowed aggregates).
  const stream = streamSourceOfPush(ctx.registry.snapshot(), req.name);
  if (stream) return pushStreamEvents(ctx, stream, req);
  const target = resolvePushTarget(ctx.registry.snapshot(), req.name);
  const now = ctx.now?.() ?? new Date();
  const table = validatePushColumns(target, req.columns, {
    eventTimes: eventTimeRange(now, ctx.config.writeRules.maxFutureSkewSeconds),
    maxRows: ctx.config.server.maxPushRows,
  });
  const toOnline = req.to !== "offline";
  const toOffline = req.to !== "online";
  const onlineViews = target.views.filter((v) => v.online);
  if (toOnline && onlineViews.length === 0) {
    throw invalidArgument(
      `push to "${req.name}": no online feature view takes these rows; push offline only`,
    );
  }
  // Fail on an unusable offline location before writing anything online.
  if (toOffline) appendFolderOf(ctx.config.repoPath, target.batchSource);
  // Each step over a large push takes a millisecond or more of synchronous work: other calls go between.
  await yieldToLoop();

  const result: PushResult = {
    rows: table.rowCount,
    onlineEntitiesWritten: 0,
    onlineRowsSkippedStale: 0,
    offlinePath: "",
  };
  if (toOffline) {
    result.offlinePath = await appendParquet(await ctx.duckdb(), {
      repoPath: ctx.config.repoPath,
      source: target.batchSource,
      columns: target.columns,
      table,
      now,
    });
    ctx.afterOfflineAppend?.(dirname(result.offlinePath));
  }
  if (toOnline) {
    const store = ctx.onlineStore();
    const tsColumn = table.columns.get(target.batchSource.timestampField) as Date[];
    for (const view of onlineViews) {
      await yieldToLoop();
      const { rows, dropped } = latestRowsOf(view, table, tsColumn);
      await yieldToLoop();
      const w = await writeOnlineRows(store, view, rows);
      result.onlineEntitiesWritten += w.written;
      result.onlineRowsSkippedStale += w.skippedStale + dropped;
    }
  }
  return result;
}

/** A stable text form of an entity key, for de-duplication. */
function keyText(key: readonly NativeValue[]): string {
  return key
    .map((v) => `${typeof v}:${v instanceof Uint8Array ? Buffer.from(v).toString("hex") : String(v)}`)
    .join("\u0000");
}

/**
 * The view's online rows from the pushed table, one per entity: the latest
 * event time wins and, at equal times, the later row (as the store would
 * decide writing them in order).
 */
export function latestRowsOf(
  view: FeatureViewDef,
  table: PushTable,
  ts: readonly Date[],
): { rows: OnlineRow[]; dropped: number } {
  const keys = view.entityColumns.map((k) => table.columns.get(k.name) as NativeValue[]);
  const feats = view.features.map((f) => table.columns.get(f.name) as NativeValue[]);
  const latest = new Map<string, OnlineRow>();
  for (let r = 0; r < table.rowCount; r++) {
    const entityKey = keys.map((c) => c[r] ?? null);
    const row: OnlineRow = {
      entityKey,
      eventTimeUs: microsOf(ts[r] as Date),
      values: feats.map((c) => c[r] ?? null),
    };
    const k = keyText(entityKey);
    const seen = latest.get(k);
    if (!seen || seen.eventTimeUs <= row.eventTimeUs) latest.set(k, row);
  }
  return { rows: [...latest.values()], dropped: table.rowCount - latest.size };
}

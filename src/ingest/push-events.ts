/**
 * Push rows for a stream source (named by the source or one of its stream
 * views): the same path as stream messages, for a service without a broker.
 * The rows are checked against the event schema (a bad row rejects the whole
 * push: the caller is there to fix it), applied to the online tiles and/or
 * written to the batch source as one Parquet file, with the server's time as
 * `created`. There is no stream position, so a push retried by its caller
 * counts twice.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { PushContext, PushRequest, PushResult } from "../push/push.js";
import type { StreamSourceDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { fromRepeatedValue, type NativeValue } from "../values/index.js";
import type { EventValue } from "./event-decoder.js";
import { sharedTileApplier, streamViewsBySource } from "./ingestion.js";
import { createRawEventWriter } from "./raw-event-writer.js";
import type { IngestEvent } from "./tile-applier.js";

/** The stream source a push name stands for: the source itself or one of its stream views. */
export function streamSourceOfPush(snapshot: RegistrySnapshot, name: string): StreamSourceDef | undefined {
  const source = snapshot.dataSources.get(name);
  if (source?.kind === "stream") return source;
  const view = snapshot.featureViews.get(name);
  return view?.source.kind === "stream" ? view.source : undefined;
}

let lastCreatedUs = 0;
/** Ingestion times of pushed events: the clock in µs, strictly increasing within the process. */
function nextCreatedUs(now: Date): number {
  lastCreatedUs = Math.max(now.getTime() * 1000, lastCreatedUs + 1);
  return lastCreatedUs;
}

export async function pushStreamEvents(
  ctx: PushContext,
  source: StreamSourceDef,
  req: PushRequest,
): Promise<PushResult> {
  const label = `push to stream source "${source.name}"`;
  for (const name of Object.keys(req.columns)) {
    if (!source.schema.some((f) => f.name === name)) {
      throw invalidArgument(
        `${label}: column "${name}" is not in its schema (${source.schema.map((f) => f.name).join(", ")})`,
      );
    }
  }
  let rows = -1;
  const columns = source.schema.map((f) => {
    const column = req.columns[f.name];
    if (!column)
      throw invalidArgument(`${label}: missing column "${f.name}"; every schema column is required`);
    if (rows >= 0 && column.val.length !== rows) {
      throw invalidArgument(`${label}: column "${f.name}" has ${column.val.length} values, others ${rows}`);
    }
    rows = column.val.length;
    const values = fromRepeatedValue(column, f.dtype, f.name);
    const j = values.indexOf(null);
    if (j >= 0) throw invalidArgument(`${label}: column "${f.name}" row ${j}: events hold no nulls`);
    return values;
  });
  rows = Math.max(rows, 0);
  if (rows > ctx.config.server.maxPushRows) {
    throw invalidArgument(
      `${label}: ${rows} rows exceed server.max_push_rows (${ctx.config.server.maxPushRows})`,
    );
  }
  const tsIndex = source.schema.findIndex((f) => f.name === source.timestampField);
  const now = ctx.now?.() ?? new Date();
  const events: IngestEvent[] = [];
  for (let r = 0; r < rows; r++) {
    const values = source.schema.map((f, i) =>
      eventValueOf((columns[i] as NativeValue[])[r] as NativeValue, f.dtype),
    );
    events.push({ values, eventTimeUs: values[tsIndex] as number, createdUs: nextCreatedUs(now) });
  }
  const result: PushResult = { rows, onlineEntitiesWritten: 0, onlineRowsSkippedStale: 0, offlinePath: "" };
  if (req.to !== "offline") {
    const entry = streamViewsBySource(ctx.registry.snapshot()).get(source.name);
    if (!entry)
      throw invalidArgument(`${label}: no online stream feature view takes these events; push offline only`);
    const applier = sharedTileApplier(ctx.registry, source, entry.views, ctx.onlineStore);
    const counts = await applier.apply(events);
    for (const c of counts.values()) {
      result.onlineEntitiesWritten += c.applied;
      result.onlineRowsSkippedStale += c.late;
    }
  }
  if (req.to !== "online") {
    const writer = createRawEventWriter({
      db: ctx.duckdb,
      repoPath: ctx.config.repoPath,
      source,
      now: () => now,
      ...(ctx.afterOfflineAppend ? { afterAppend: ctx.afterOfflineAppend } : {}),
    });
    writer.add(events);
    result.offlinePath = await writer.flush();
  }
  return result;
}

function eventValueOf(v: NativeValue, t: ValueType): EventValue {
  if (t === ValueType.UNIX_TIMESTAMP) return (v as Date).getTime() * 1000;
  return v as EventValue;
}

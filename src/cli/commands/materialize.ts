/**
 * `fstore materialize --repo DIR START END` and
 * `fstore materialize-incremental --repo DIR END`: copy the latest offline
 * values online, with a progress bar per view (plain progress lines when
 * stderr is not a terminal). In-process by default; against a running server
 * with --server HOST:PORT. Exit code 1 on any error.
 */
import { resolve } from "node:path";
import { create } from "@bufbuild/protobuf";
import { durationMs, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ClientReadableStream, Metadata, ServiceError } from "@grpc/grpc-js";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import {
  type MaterializeProgress,
  type MaterializeRequest,
  MaterializeRequestSchema,
  type MaterializeResponse,
} from "../../../gen/fstore/v1/feature_service_pb.js";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError } from "../../errors/index.js";
import { closeLineage, openLineage } from "../../lineage/index.js";
import type { MaterializeEvent, ViewProgress } from "../../materialize/index.js";
import { materialize } from "../../materialize/index.js";
import { openDuckDb } from "../../offline/index.js";
import { createOnlineStore } from "../../online/index.js";
import { openRegistry } from "../../registry/index.js";
import {
  addServerOptions,
  callMetadataOf,
  featureServiceClient,
  fstoreErrorOf,
  type ServerConnectionOptions,
} from "../server-connection.js";

interface MaterializeCommandOptions extends ServerConnectionOptions {
  repo: string;
  views?: string[];
  batchSize?: number;
}

/** An ISO 8601 instant ("2025-01-01T00:00:00Z"; a date alone is midnight UTC) or "now". */
export function parseInstant(value: string): Date {
  const d = value === "now" ? new Date() : new Date(value);
  if (Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError(`"${value}" is not an ISO 8601 time such as 2025-01-01T00:00:00Z`);
  }
  return d;
}

function viewList(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  return [...(previous ?? []), ...names];
}

function positiveInt(value: string): number {
  if (!/^[1-9]\d*$/.test(value.trim())) throw new InvalidArgumentError("expected a positive whole number");
  return Number(value);
}

/** Runs in this process: opens the repository's registry, online store and a DuckDB instance. */
async function* inProcess(
  o: MaterializeCommandOptions,
  req: { start?: Date; end: Date; incremental: boolean },
): AsyncGenerator<MaterializeEvent> {
  const config = loadRepoConfig(resolve(o.repo));
  const registry = await openRegistry(config);
  const store = createOnlineStore(config);
  const db = openDuckDb(config.offlineStore.duckdb);
  const lineage = openLineage(config);
  try {
    yield* materialize(
      { config, registry, onlineStore: store, duckdb: () => db, lineage },
      { ...req, views: o.views ?? [], ...(o.batchSize ? { batchSize: o.batchSize } : {}) },
    );
  } finally {
    await closeLineage(lineage);
    (await db.catch(() => undefined))?.closeSync();
    await store.close();
    await registry.close();
  }
}

function fromProto(p: MaterializeProgress): ViewProgress {
  return {
    featureView: p.featureView,
    start: p.startTime ? timestampDate(p.startTime) : new Date(0),
    end: p.endTime ? timestampDate(p.endTime) : new Date(0),
    rowsRead: Number(p.rowsRead),
    entitiesWritten: Number(p.entitiesWritten),
    skippedStale: 0,
    elapsedMs: p.elapsed ? durationMs(p.elapsed) : 0,
    done: p.done,
  };
}

/** Runs on a server: the Materialize RPC, its stream mapped back to events. */
async function* onServer(
  o: MaterializeCommandOptions & { server: string },
  req: { start?: Date; end: Date; incremental: boolean },
): AsyncGenerator<MaterializeEvent> {
  const client = featureServiceClient(o);
  const metadata = callMetadataOf(o);
  const request: MaterializeRequest = create(MaterializeRequestSchema, {
    ...(req.start ? { startTime: timestampFromDate(req.start) } : {}),
    endTime: timestampFromDate(req.end),
    incremental: req.incremental,
    featureViews: o.views ?? [],
  });
  const call = (
    client as unknown as Record<
      string,
      (r: MaterializeRequest, m: Metadata) => ClientReadableStream<MaterializeResponse>
    >
  ).Materialize?.(request, metadata) as ClientReadableStream<MaterializeResponse>;
  try {
    for await (const m of call as AsyncIterable<MaterializeResponse>) {
      if (m.kind.case === "progress") yield { kind: "progress", progress: fromProto(m.kind.value) };
      if (m.kind.case === "summary") {
        const s = m.kind.value;
        yield {
          kind: "summary",
          views: s.views.map(fromProto),
          elapsedMs: s.elapsed ? durationMs(s.elapsed) : 0,
        };
      }
    }
  } catch (err) {
    const e = err as Partial<ServiceError>;
    if (typeof e.code === "number") throw fstoreErrorOf(e);
    throw err;
  } finally {
    client.close();
  }
}

/** Shows progress: bars on a terminal, one line per event otherwise (logs, CI, tests). */
function progressView() {
  const tty = process.stderr.isTTY === true;
  const multi = tty
    ? new cliProgress.MultiBar(
        {
          format: " {view} |{bar}| {entities} entities written, {rows} rows read, {secs}s",
          hideCursor: true,
          clearOnComplete: false,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    update(p: ViewProgress) {
      const payload = {
        view: p.featureView,
        entities: p.entitiesWritten,
        rows: p.rowsRead,
        secs: (p.elapsedMs / 1000).toFixed(1),
      };
      if (!multi) {
        process.stderr.write(
          `materialize ${p.featureView} [${p.start.toISOString()}, ${p.end.toISOString()}]: ` +
            `rows_read=${p.rowsRead} entities_written=${p.entitiesWritten} elapsed=${payload.secs}s${p.done ? " done" : ""}\n`,
        );
        return;
      }
      let bar = bars.get(p.featureView);
      // The total is unknown until the view is done: the bar fills when it is.
      if (!bar) {
        bar = multi.create(1, 0, payload);
        bars.set(p.featureView, bar);
      }
      bar.update(p.done ? 1 : 0, payload);
    },
    stop() {
      multi?.stop();
    },
  };
}

async function runMaterialize(
  command: string,
  o: MaterializeCommandOptions,
  req: { start?: Date; end: Date; incremental: boolean },
): Promise<void> {
  const view = progressView();
  try {
    const events = o.server ? onServer({ ...o, server: o.server }, req) : inProcess(o, req);
    for await (const ev of events) {
      if (ev.kind === "progress") view.update(ev.progress);
      else {
        view.stop();
        for (const v of ev.views) {
          process.stdout.write(
            `${v.featureView}: ${v.entitiesWritten} entities written from ${v.rowsRead} rows in [${v.start.toISOString()}, ${v.end.toISOString()}] (${(v.elapsedMs / 1000).toFixed(2)}s)\n`,
          );
        }
        process.stdout.write(
          `materialized ${ev.views.length} view(s) in ${(ev.elapsedMs / 1000).toFixed(2)}s\n`,
        );
      }
    }
  } catch (err) {
    view.stop();
    const e =
      err instanceof FstoreError
        ? `${err.code}: ${err.message}`
        : err instanceof Error
          ? err.message
          : String(err);
    process.stderr.write(`fstore ${command}: ${e}\n`);
    process.exitCode = 1;
  }
}

function commonOptions(c: Command): Command {
  return addServerOptions(
    c
      .option("--repo <dir>", "feature repository folder", ".")
      .option(
        "--views <names>",
        "feature views, comma-separated or repeated (default: every online view)",
        viewList,
      ),
    "run on this fstore server instead of in-process",
  ).option("--batch-size <rows>", "rows per online write (in-process)", positiveInt);
}

/** Registers `fstore materialize` and `fstore materialize-incremental`. */
export function registerMaterializeCommands(program: Command): void {
  commonOptions(
    program
      .command("materialize")
      .description(
        "copy the latest offline row per entity with event time in [START, END] to the online store",
      )
      .argument("<start>", "window start (ISO 8601, inclusive)", parseInstant)
      .argument("<end>", "window end (ISO 8601, inclusive)", parseInstant),
  ).action(async (start: Date, end: Date, o: MaterializeCommandOptions) => {
    await runMaterialize("materialize", o, { start, end, incremental: false });
  });
  commonOptions(
    program
      .command("materialize-incremental")
      .description("materialize each view from the end of its last interval (else END - ttl) up to END")
      .argument("<end>", "window end (ISO 8601, inclusive, or 'now')", parseInstant),
  ).action(async (end: Date, o: MaterializeCommandOptions) => {
    await runMaterialize("materialize-incremental", o, { end, incremental: true });
  });
}

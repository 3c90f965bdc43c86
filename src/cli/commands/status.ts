/**
 * `fstore status`: per feature view, how fresh its online values are (end of
 * the last materialized interval, age, next due run, overdue against the
 * schedule) and how its last materialization run ended. Reads the registry directly, or asks a
 * running server with --server (ListFeatureViews, then GetFeatureView per view).
 */
import { resolve } from "node:path";
import { create } from "@bufbuild/protobuf";
import { durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import {
  GetFeatureViewRequestSchema,
  GetFeatureViewResponseSchema,
  ListFeatureViewsRequestSchema,
  ListFeatureViewsResponseSchema,
} from "../../../gen/fstore/v1/feature_service_pb.js";
import { type FeatureView, MaterializationOutcome } from "../../../gen/fstore/v1/registry_pb.js";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError } from "../../errors/index.js";
import { featureViewFreshness } from "../../materialize/freshness.js";
import { openRegistry } from "../../registry/index.js";
import { addServerOptions, type ServerConnectionOptions, unaryCaller } from "../server-connection.js";
import { exitOnUsageError, failWith } from "./validate.js";

export interface ViewStatus {
  featureView: string;
  online: boolean;
  lastMaterializedEnd: string | null;
  ageSeconds: number | null;
  overdue: boolean;
  nextDue: string | null;
  lastRun: { outcome: string; end: string; rowsRead: number; entitiesWritten: number; error: string } | null;
}

export interface RepoStatus {
  /** The materialization schedule; null when off, or unknown (asked through --server). */
  schedule: string | null;
  /** The server asked, with --server. */
  server?: string;
  views: ViewStatus[];
}

/** Freshness and last run of every view of the repository at `repo`. */
export async function repoStatus(repo: string, now = new Date()): Promise<RepoStatus> {
  const config = loadRepoConfig(resolve(repo));
  const registry = await openRegistry(config);
  try {
    const snapshot = registry.snapshot();
    const schedule = config.materialization.schedule;
    const views: ViewStatus[] = [];
    for (const view of [...snapshot.featureViews.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      views.push(
        await (async (): Promise<ViewStatus> => {
          const f = featureViewFreshness({
            online: view.online,
            intervalEnds: (await registry.materializationIntervals(view.name)).map((i) => i.end),
            schedule,
            created: snapshot.meta.get(`feature_view/${view.name}`)?.created,
            now,
            materializedElsewhere: (await registry.otherOnlineStores(view.name)).length > 0,
          });
          const run = await registry.lastMaterializationRun(view.name);
          return {
            featureView: view.name,
            online: view.online,
            lastMaterializedEnd: f.lastMaterializedEnd?.toISOString() ?? null,
            ageSeconds: f.ageMs === undefined ? null : Math.round(f.ageMs / 1000),
            overdue: f.overdue,
            nextDue: f.dueAt?.toISOString() ?? null,
            lastRun: run
              ? {
                  outcome: run.outcome,
                  end: run.end.toISOString(),
                  rowsRead: run.rowsRead,
                  entitiesWritten: run.entitiesWritten,
                  error: run.error,
                }
              : null,
          };
        })(),
      );
    }
    return { schedule, views };
  } finally {
    await registry.close();
  }
}

const outcomeNames: Record<MaterializationOutcome, string> = {
  [MaterializationOutcome.UNSPECIFIED]: "unknown",
  [MaterializationOutcome.SUCCEEDED]: "succeeded",
  [MaterializationOutcome.FAILED]: "failed",
  [MaterializationOutcome.SKIPPED]: "skipped",
  [MaterializationOutcome.ABANDONED]: "abandoned",
};

/** A view's status from its GetFeatureView answer (the server computes freshness with the same function). */
export function viewStatusOf(view: FeatureView): ViewStatus {
  const f = view.meta?.freshness;
  const run = view.meta?.lastRun;
  return {
    featureView: view.name,
    online: view.online,
    lastMaterializedEnd: f?.lastMaterializedEnd ? timestampDate(f.lastMaterializedEnd).toISOString() : null,
    ageSeconds: f?.age ? Math.round(durationMs(f.age) / 1000) : f?.lastMaterializedEnd ? 0 : null,
    overdue: f?.overdue ?? false,
    nextDue: f?.nextDue ? timestampDate(f.nextDue).toISOString() : null,
    lastRun: run
      ? {
          outcome: outcomeNames[run.outcome] ?? "unknown",
          end: run.endTime ? timestampDate(run.endTime).toISOString() : "",
          rowsRead: Number(run.rowsRead),
          entitiesWritten: Number(run.entitiesWritten),
          error: run.error,
        }
      : null,
  };
}

/** Freshness and last run of every feature view served at `o.server`, by name. */
export async function serverStatus(o: ServerConnectionOptions & { server: string }): Promise<RepoStatus> {
  const caller = unaryCaller(o, 60_000);
  try {
    const list = await caller.call(
      "ListFeatureViews",
      create(ListFeatureViewsRequestSchema),
      ListFeatureViewsResponseSchema,
    );
    const names = list.featureViews.map((v) => v.name).sort((a, b) => a.localeCompare(b));
    const views = await Promise.all(
      names.map((name) =>
        caller.call(
          "GetFeatureView",
          create(GetFeatureViewRequestSchema, { name }),
          GetFeatureViewResponseSchema,
        ),
      ),
    );
    return {
      schedule: null,
      server: o.server,
      views: views.flatMap((r) => (r.featureView ? [viewStatusOf(r.featureView)] : [])),
    };
  } finally {
    caller.close();
  }
}

/** "3d 4h", "2h 5m", "42s". */
export function formatAge(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${seconds % 60}s`;
  return `${seconds}s`;
}

function formatStatus(status: RepoStatus): string {
  const rows = [["feature view", "last materialized end", "age", "overdue", "next due", "last run"]];
  for (const v of status.views) {
    rows.push([
      v.featureView + (v.online ? "" : " (offline only)"),
      v.lastMaterializedEnd ?? "never",
      v.ageSeconds === null ? "-" : formatAge(v.ageSeconds),
      v.overdue ? "OVERDUE" : "no",
      v.nextDue ?? "-",
      v.lastRun ? `${v.lastRun.outcome} ${v.lastRun.end} (${v.lastRun.entitiesWritten} entities)` : "-",
    ]);
  }
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  lines.push(
    "",
    status.server
      ? `server: ${status.server} (overdue against the server's schedule)`
      : `schedule: ${status.schedule ?? "off"} (UTC)`,
  );
  return `${lines.join("\n")}\n`;
}

/** Registers `fstore status`. */
export function registerStatusCommand(program: Command): void {
  const command = addServerOptions(
    program
      .command("status")
      .description(
        "freshness of each feature view: last materialized interval, age, next due run, overdue against the schedule",
      )
      .option("--repo <dir>", "feature repository folder", ".")
      .option("--json", "print JSON"),
    "ask a running server (host:port) instead of reading the repository's registry",
  ).action(async (opts: ServerConnectionOptions & { repo: string; json?: boolean }) => {
    try {
      const status = opts.server
        ? await serverStatus({ ...opts, server: opts.server })
        : await repoStatus(opts.repo);
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      // Exit 1 when a view is overdue, so a cron job or probe can alert on it.
      process.exitCode = status.views.some((v) => v.overdue) ? 1 : 0;
    } catch (err) {
      failWith("status", FstoreError.from(err));
    }
  });
  exitOnUsageError(command);
}

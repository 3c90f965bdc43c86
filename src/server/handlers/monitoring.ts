/**
 * GetFeatureStatistics and DetectDrift: thin handlers over monitoring/
 * (profiles computed on the shared DuckDB, stored in the registry's profile
 * tables), with each drift check's scores recorded in the metrics.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { GetFeatureStatisticsResponseSchema } from "../../../gen/fstore/v1/monitoring_pb.js";
import { Code, FstoreError, notFound } from "../../errors/index.js";
import {
  compareProfiles,
  computeProfile,
  DEFAULT_THRESHOLDS,
  driftToProto,
  openProfileStore,
  type Profile,
  type ProfileContext,
  type ProfileStore,
  profileToProto,
  referenceOf,
  targetOfSelector,
} from "../../monitoring/index.js";
import { sharedDuckDb } from "../../offline/index.js";
import type { ServerDeps } from "../deps.js";
import type { HandlerGroup } from "./handler-group.js";

/** The server's profile store (the registry database's monitoring tables), opened on first use. */
export function serverProfileStore(deps: ServerDeps): ProfileStore {
  return deps.resources.get(
    "profile store",
    () => openProfileStore({ project: deps.config.project, registry: deps.config.registry }),
    (store) => store.close(),
  );
}

/** A training set the server may read: a Parquet file under offline_store.output_dir (where it writes them). */
function trainingSetPath(outputDir: string, requested: string): string {
  const root = resolve(outputDir);
  const path = resolve(root, requested);
  const rel = relative(root, path);
  if (
    rel === "" ||
    rel.startsWith(`..${sep}`) ||
    rel === ".." ||
    isAbsolute(rel) ||
    !path.endsWith(".parquet")
  ) {
    throw new FstoreError(
      Code.PermissionDenied,
      `training_set must be a .parquet file under the offline store's output_dir (${root}); got ${JSON.stringify(requested.slice(0, 200))}`,
    );
  }
  return path;
}

/** One service's scheduled check: its verdict, or why it was skipped. */
export interface ScheduledDriftCheck {
  featureService: string;
  verdict?: "ok" | "warn" | "alert";
  currentProfileId?: number;
  skipped?: string;
}

/**
 * The monitoring schedule's work at `now`: every feature service with
 * logging and a baseline has its serving logs of [now - window, now]
 * profiled against the baseline, the profile stored and the drift recorded
 * in the metrics and the log. A service whose window was already profiled
 * (by a server that died part-way through the same slot) is not checked
 * again; `signal` stops the checks between services.
 */
export async function runScheduledDriftChecks(
  deps: ServerDeps,
  now: Date,
  signal?: AbortSignal,
): Promise<ScheduledDriftCheck[]> {
  const snapshot = deps.registry.snapshot();
  const store = serverProfileStore(deps);
  const start = new Date(now.getTime() - deps.config.monitoring.windowSeconds * 1000);
  const out: ScheduledDriftCheck[] = [];
  for (const service of snapshot.featureServices.values()) {
    if (!service.logging) continue;
    if (signal?.aborted) break;
    const baseline = await store.getBaseline(service.name);
    if (!baseline) {
      out.push({ featureService: service.name, skipped: "no baseline" });
      continue;
    }
    const done = (await store.listProfiles({ kind: "serving_log", name: service.name }, 20)).find(
      (p) => p.window?.start === start.toISOString() && p.window?.end === now.toISOString(),
    );
    if (done) {
      out.push({ featureService: service.name, skipped: `window already checked (profile ${done.id})` });
      continue;
    }
    try {
      const connection = await (
        await sharedDuckDb(deps.resources, deps.config.offlineStore.duckdb)
      ).connect();
      let current: Profile;
      try {
        current = await computeProfile(
          { connection, snapshot, repoPath: deps.config.repoPath, logDir: deps.config.offlineStore.logDir },
          {
            target: { kind: "serving_log", featureService: service.name },
            start,
            end: now,
            reference: referenceOf(baseline.profile),
          },
        );
      } finally {
        connection.closeSync();
      }
      current = await store.saveProfile(current);
      const report = compareProfiles(baseline.profile, current, baseline.thresholds);
      deps.metrics?.recordDrift(service.name, report.features);
      const alerts = report.features.filter((f) => f.verdict === "alert").map((f) => f.feature);
      const line = { featureService: service.name, verdict: report.verdict, profile: current.id, alerts };
      if (report.verdict === "ok") deps.logger.info(line, "monitoring: drift check");
      else deps.logger.warn(line, "monitoring: drift check");
      out.push({
        featureService: service.name,
        verdict: report.verdict,
        currentProfileId: current.id as number,
      });
    } catch (err) {
      const message = (err as Error).message;
      deps.logger.warn({ featureService: service.name, err: message }, "monitoring: drift check skipped");
      out.push({ featureService: service.name, skipped: message });
    }
  }
  return out;
}

export function createMonitoringHandlers(deps: ServerDeps): HandlerGroup {
  const withContext = async <T>(work: (ctx: ProfileContext) => Promise<T>): Promise<T> => {
    const connection = await (await sharedDuckDb(deps.resources, deps.config.offlineStore.duckdb)).connect();
    try {
      return await work({
        connection,
        snapshot: deps.registry.snapshot(),
        repoPath: deps.config.repoPath,
        logDir: deps.config.offlineStore.logDir,
      });
    } finally {
      connection.closeSync();
    }
  };
  const window = (req: {
    start?: Parameters<typeof timestampDate>[0];
    end?: Parameters<typeof timestampDate>[0];
  }) => ({
    ...(req.start ? { start: timestampDate(req.start) } : {}),
    ...(req.end ? { end: timestampDate(req.end) } : {}),
  });

  return {
    getFeatureStatistics: async (req) => {
      const store = serverProfileStore(deps);
      const respond = (p: Profile) =>
        create(GetFeatureStatisticsResponseSchema, { profile: profileToProto(p) });
      if (req.profileId !== 0n) return respond(await store.getProfile(Number(req.profileId)));
      const target = targetOfSelector(req.source, (p) =>
        trainingSetPath(deps.config.offlineStore.outputDir, p),
      );
      const profile = await withContext((ctx) =>
        computeProfile(ctx, {
          target,
          ...window(req),
          ...(req.bins > 0 ? { bins: req.bins } : {}),
          ...(req.topValues > 0 ? { topValues: req.topValues } : {}),
        }),
      );
      return respond(req.save ? await store.saveProfile(profile) : profile);
    },
    detectDrift: async (req) => {
      const service = req.featureService;
      const store = serverProfileStore(deps);
      const saved = await store.getBaseline(service);
      const reference =
        req.baselineProfileId !== 0n ? await store.getProfile(Number(req.baselineProfileId)) : saved?.profile;
      if (!reference) {
        throw notFound(
          `feature service "${service}" has no baseline: save one with fstore monitor baseline --feature-service ${service}, or give baseline_profile_id`,
        );
      }
      let current: Profile = await withContext((ctx) =>
        computeProfile(ctx, {
          target: req.servingLogs
            ? { kind: "serving_log", featureService: service }
            : { kind: "feature_service", name: service },
          ...window(req),
          reference: referenceOf(reference),
        }),
      );
      if (req.save) current = await store.saveProfile(current);
      const report = compareProfiles(reference, current, saved?.thresholds ?? DEFAULT_THRESHOLDS);
      deps.metrics?.recordDrift(service, report.features);
      return driftToProto(report);
    },
  };
}

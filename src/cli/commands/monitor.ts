/**
 * `fstore monitor profile|baseline|drift`: data-quality profiles of a
 * feature view's or service's offline window or of a training set, a
 * service's baseline, and drift from it. Runs in-process; profiles and
 * baselines are stored in the registry's database. `drift` exits 1 when any
 * feature alerts, so a batch job can gate on it; every command exits 2 on
 * usage errors and errors.
 *
 *   fstore monitor profile --feature-service svc --start 2026-01-01T00:00:00Z --end 2026-01-02T00:00:00Z
 *   fstore monitor baseline --feature-service svc --training-set training.parquet
 *   fstore monitor drift --feature-service svc --start ... --end ... [--json]
 *   fstore monitor skew --rows --feature-service svc --start ... [--max-differing 0.01] [--json]
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError, invalidArgument, notFound } from "../../errors/index.js";
import {
  type Baseline,
  checkThresholds,
  compareProfiles,
  computeProfile,
  computeRowSkew,
  computeServingSkew,
  DEFAULT_THRESHOLDS,
  type DriftReport,
  type DriftThresholds,
  formatDrift,
  formatProfile,
  formatRowSkew,
  openProfileStore,
  type Profile,
  type ProfileContext,
  type ProfileRequest,
  type ProfileStore,
  type ProfileTarget,
  type RowSkewReport,
  referenceOf,
  type ServingSkew,
} from "../../monitoring/index.js";
import { openDuckDb } from "../../offline/index.js";
import { openRegistry } from "../../registry/index.js";
import { exitOnUsageError, failWith } from "./validate.js";

export interface MonitorSourceOptions {
  repo: string;
  featureView?: string;
  featureService?: string;
  trainingSet?: string;
  /** With featureService: its serving logs instead of its offline rows. */
  servingLogs?: boolean;
  start?: Date;
  end?: Date;
  bins?: number;
  top?: number;
  json?: boolean;
}

export interface MonitorProfileOptions extends MonitorSourceOptions {
  save: boolean;
}

export interface MonitorThresholdOptions {
  psiWarn?: number;
  psiAlert?: number;
  ksWarn?: number;
  ksAlert?: number;
  jsWarn?: number;
  jsAlert?: number;
  coverageWarn?: number;
  coverageAlert?: number;
}

export interface MonitorBaselineOptions extends MonitorSourceOptions, MonitorThresholdOptions {
  profile?: number;
}

export type MonitorDriftOptions = MonitorSourceOptions & MonitorThresholdOptions;

export interface MonitorSkewOptions extends MonitorDriftOptions {
  /** Per row: each served value against the offline point-in-time value. */
  rows?: boolean;
  /** With rows: a feature alerts when its differing share exceeds this. */
  maxDiffering?: number;
  /** With rows: examples kept per feature. */
  examples?: number;
}

function isoTime(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new InvalidArgumentError("expected an ISO time, e.g. 2026-01-01T00:00:00Z");
  return d;
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("expected a whole number");
  return Number(value);
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError("expected a number >= 0");
  }
  return n;
}

/** The thresholds `base` with any given on the command line in place. */
export function thresholdsOf(base: DriftThresholds, o: MonitorThresholdOptions): DriftThresholds {
  return checkThresholds({
    psi: { warn: o.psiWarn ?? base.psi.warn, alert: o.psiAlert ?? base.psi.alert },
    ks: { warn: o.ksWarn ?? base.ks.warn, alert: o.ksAlert ?? base.ks.alert },
    js: { warn: o.jsWarn ?? base.js.warn, alert: o.jsAlert ?? base.js.alert },
    coverage: { warn: o.coverageWarn ?? base.coverage.warn, alert: o.coverageAlert ?? base.coverage.alert },
  });
}

/** What the source options name: exactly one of a view, a service or a training set (optionally with a service). */
export function targetOf(o: MonitorSourceOptions): ProfileTarget {
  if (o.servingLogs) {
    if (!o.featureService || o.featureView || o.trainingSet) {
      throw invalidArgument(
        "--serving-logs profiles a feature service's logs: give --feature-service NAME only",
      );
    }
    return { kind: "serving_log", featureService: o.featureService };
  }
  if (o.trainingSet) {
    if (o.featureView) throw invalidArgument("give --training-set or --feature-view, not both");
    return {
      kind: "training_set",
      path: resolve(o.trainingSet),
      ...(o.featureService ? { featureService: o.featureService } : {}),
    };
  }
  if (o.featureView && o.featureService)
    throw invalidArgument("give --feature-view or --feature-service, not both");
  if (o.featureView) return { kind: "feature_view", name: o.featureView };
  if (o.featureService) return { kind: "feature_service", name: o.featureService };
  throw invalidArgument(
    "give what to profile: --feature-view NAME, --feature-service NAME or --training-set FILE",
  );
}

/** The repository's registry, profile store and a DuckDB connection, for the length of `work`. */
async function withRepo<T>(
  repo: string,
  work: (open: {
    store: ProfileStore;
    profile: (request: ProfileRequest) => Promise<Profile>;
    context: ProfileContext;
  }) => Promise<T>,
): Promise<T> {
  const config = loadRepoConfig(resolve(repo));
  const registry = await openRegistry(config);
  const store = openProfileStore({ project: config.project, registry: config.registry });
  const db = await openDuckDb();
  const connection = await db.connect();
  try {
    const snapshot = registry.snapshot();
    const context: ProfileContext = {
      connection,
      db,
      snapshot,
      repoPath: config.repoPath,
      logDir: config.offlineStore.logDir,
    };
    return await work({ store, profile: (request) => computeProfile(context, request), context });
  } finally {
    connection.closeSync();
    db.closeSync();
    await store.close();
    await registry.close();
  }
}

function requestOf(o: MonitorSourceOptions, target: ProfileTarget): ProfileRequest {
  return {
    target,
    ...(o.start ? { start: o.start } : {}),
    ...(o.end ? { end: o.end } : {}),
    ...(o.bins !== undefined ? { bins: o.bins } : {}),
    ...(o.top !== undefined ? { topValues: o.top } : {}),
  };
}

/** `fstore monitor profile`: the profile (stored unless --no-save). */
export async function runMonitorProfile(o: MonitorProfileOptions): Promise<Profile> {
  const target = targetOf(o);
  return withRepo(o.repo, async ({ store, profile }) => {
    const p = await profile(requestOf(o, target));
    return o.save ? await store.saveProfile(p) : p;
  });
}

/** `fstore monitor baseline`: profiles the service (or takes a stored profile) and makes it the baseline. */
export async function runMonitorBaseline(o: MonitorBaselineOptions): Promise<Baseline> {
  const service = o.featureService;
  if (!service)
    throw invalidArgument("--feature-service NAME is required: a baseline belongs to a feature service");
  if (o.profile !== undefined && (o.trainingSet || o.start || o.end)) {
    throw invalidArgument("give --profile ID, or what to profile (--training-set, --start/--end), not both");
  }
  if (o.featureView) throw invalidArgument("a baseline profiles the whole service: drop --feature-view");
  return withRepo(o.repo, async ({ store, profile }) => {
    const thresholds = thresholdsOf((await store.getBaseline(service))?.thresholds ?? DEFAULT_THRESHOLDS, o);
    const stored =
      o.profile !== undefined
        ? await store.getProfile(o.profile)
        : await store.saveProfile(await profile(requestOf(o, targetOf(o))));
    return store.saveBaseline(service, stored.id as number, thresholds);
  });
}

/** `fstore monitor drift`: profiles the service against its baseline, stores that profile, and compares. */
export async function runMonitorDrift(o: MonitorDriftOptions): Promise<DriftReport> {
  const service = o.featureService;
  if (!service)
    throw invalidArgument("--feature-service NAME is required: drift is measured from its baseline");
  if (o.featureView) throw invalidArgument("drift checks the whole service: drop --feature-view");
  return withRepo(o.repo, async ({ store, profile }) => {
    const baseline = await store.getBaseline(service);
    if (!baseline) {
      throw notFound(
        `feature service "${service}" has no baseline: save one with fstore monitor baseline --feature-service ${service}`,
      );
    }
    const request = { ...requestOf(o, targetOf(o)), reference: referenceOf(baseline.profile) };
    const current = await store.saveProfile(await profile(request));
    return compareProfiles(baseline.profile, current, thresholdsOf(baseline.thresholds, o));
  });
}

/** `fstore monitor skew`: the service's serving logs of a window against its offline rows of that window. */
export async function runMonitorSkew(o: MonitorDriftOptions): Promise<ServingSkew> {
  const service = o.featureService;
  if (!service) throw invalidArgument("--feature-service NAME is required: skew compares what it served");
  if (o.featureView || o.trainingSet || o.servingLogs) {
    throw invalidArgument(
      "skew compares a service's serving logs with its offline rows: give --feature-service only",
    );
  }
  return withRepo(o.repo, async ({ store, context }) => {
    const skew = await computeServingSkew(context, {
      featureService: service,
      ...(o.start ? { start: o.start } : {}),
      ...(o.end ? { end: o.end } : {}),
      ...(o.bins !== undefined ? { bins: o.bins } : {}),
      ...(o.top !== undefined ? { topValues: o.top } : {}),
      thresholds: thresholdsOf((await store.getBaseline(service))?.thresholds ?? DEFAULT_THRESHOLDS, o),
    });
    const offline = await store.saveProfile(skew.offline);
    const serving = await store.saveProfile(skew.serving);
    return {
      offline,
      serving,
      report: { ...skew.report, baselineProfileId: offline.id, currentProfileId: serving.id },
    };
  });
}

/**
 * `fstore monitor skew --rows`: each logged value of the window against the
 * offline point-in-time value of its entity at its request time.
 */
export async function runMonitorRowSkew(o: MonitorSkewOptions): Promise<RowSkewReport> {
  const service = o.featureService;
  if (!service) throw invalidArgument("--feature-service NAME is required: skew compares what it served");
  if (o.featureView || o.trainingSet || o.servingLogs) {
    throw invalidArgument(
      "skew compares a service's serving logs with its offline rows: give --feature-service only",
    );
  }
  return withRepo(o.repo, ({ context }) =>
    computeRowSkew(context, {
      featureService: service,
      ...(o.start ? { start: o.start } : {}),
      ...(o.end ? { end: o.end } : {}),
      ...(o.maxDiffering !== undefined ? { maxDiffering: o.maxDiffering } : {}),
      ...(o.examples !== undefined ? { examples: o.examples } : {}),
    }),
  );
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text);
}

function addSourceOptions(command: Command): Command {
  return command
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--feature-service <name>", "the feature service's batch features (view:feature)")
    .option("--training-set <file>", "a training set's Parquet (with --feature-service: its features only)")
    .option(
      "--serving-logs",
      "with --feature-service: what it served (its serving logs; window by request time)",
    )
    .option(
      "--start <iso>",
      "only rows at or after this: event time, or request time for serving logs and skew",
      isoTime,
    )
    .option(
      "--end <iso>",
      "only rows at or before this: event time, or request time for serving logs and skew",
      isoTime,
    )
    .option("--bins <n>", "histogram bins of numeric features (default 10)", wholeNumber)
    .option("--top <n>", "top values kept per string or boolean feature (default 10)", wholeNumber)
    .option("--json", "print JSON instead of a table");
}

function addThresholdOptions(command: Command): Command {
  for (const metric of ["psi", "ks", "js", "coverage"]) {
    for (const level of ["warn", "alert"]) {
      const label = metric === "coverage" ? "coverage change" : metric.toUpperCase();
      command.option(`--${metric}-${level} <x>`, `${label} at which a feature ${level}s`, share);
    }
  }
  return command;
}

async function run<T>(name: string, work: () => Promise<T>, report: (value: T) => void): Promise<void> {
  try {
    report(await work());
  } catch (err) {
    failWith(`monitor ${name}`, FstoreError.from(err));
  }
}

/** Registers `fstore monitor` and its subcommands. */
export function registerMonitorCommands(program: Command): void {
  const monitor = program
    .command("monitor")
    .description("data-quality profiles, baselines and drift of features (runs in-process)");

  const profile = addSourceOptions(
    monitor
      .command("profile")
      .description(
        "profile a feature view's or service's offline rows, or a training set, and store the profile",
      )
      .option("--feature-view <name>", "every feature of this view"),
  )
    .option("--no-save", "print the profile without storing it")
    .action(async (o: MonitorProfileOptions) => {
      await run(
        "profile",
        () => runMonitorProfile(o),
        (p) => print(o.json, p, formatProfile(p)),
      );
    });
  exitOnUsageError(profile);

  const baseline = addThresholdOptions(
    addSourceOptions(
      monitor
        .command("baseline")
        .description(
          "make a profile of a feature service (or a stored one) its baseline, with its drift thresholds",
        )
        .option("--profile <id>", "a stored profile instead of a new one", wholeNumber),
    ),
  ).action(async (o: MonitorBaselineOptions) => {
    await run(
      "baseline",
      () => runMonitorBaseline(o),
      (b) =>
        print(
          o.json,
          {
            featureService: b.featureService,
            profileId: b.profile.id,
            thresholds: b.thresholds,
            saved: b.saved,
          },
          `baseline of feature service ${b.featureService}: profile ${b.profile.id}\n\n${formatProfile(b.profile)}`,
        ),
    );
  });
  exitOnUsageError(baseline);

  const drift = addThresholdOptions(
    addSourceOptions(
      monitor
        .command("drift")
        .description("profile a feature service against its baseline; exit 1 when any feature alerts"),
    ),
  ).action(async (o: MonitorDriftOptions) => {
    await run(
      "drift",
      () => runMonitorDrift(o),
      (r) => {
        print(o.json, r, formatDrift(r));
        process.exitCode = r.verdict === "alert" ? 1 : 0;
      },
    );
  });
  exitOnUsageError(drift);

  const skew = addThresholdOptions(
    addSourceOptions(
      monitor
        .command("skew")
        .description(
          "training-serving skew: a feature service's serving logs of a window against its offline rows of that window (--rows: each served value against the offline point-in-time value); exit 1 when any feature alerts",
        )
        .option(
          "--rows",
          "per row: each logged value against the offline point-in-time value of its entity at its request time",
        )
        .option(
          "--max-differing <share>",
          "with --rows: a feature alerts when more than this share of its rows differ (default 0.01)",
          share,
        )
        .option("--examples <n>", "with --rows: differing rows shown per feature (default 5)", wholeNumber),
    ),
  ).action(async (o: MonitorSkewOptions) => {
    if (o.rows) {
      await run(
        "skew",
        () => runMonitorRowSkew(o),
        (r) => {
          print(o.json, r, formatRowSkew(r));
          process.exitCode = r.verdict === "alert" ? 1 : 0;
        },
      );
      return;
    }
    await run(
      "skew",
      () => runMonitorSkew(o),
      (r) => {
        print(o.json, r.report, `offline rows = baseline, serving logs = current\n${formatDrift(r.report)}`);
        process.exitCode = r.report.verdict === "alert" ? 1 : 0;
      },
    );
  });
  exitOnUsageError(skew);
}

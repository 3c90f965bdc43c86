/**
 * fstore's Prometheus metrics, in a dedicated prom-client Registry per server
 * (never the global one, so two servers in one process, e.g. in tests, do not
 * share counters). Recorded as things happen: calls (through the server's
 * CallObserver hook), online-store reads, serving statuses, consistency
 * results, and the materialization runs this server makes (counters).
 * Computed at scrape time from the registry: the last run and freshness of
 * each view, so they are right even when another process (a CLI run, another
 * server) did the materializing.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RepoConfig } from "../config/types.js";
import { featureViewFreshness } from "../materialize/freshness.js";
import type { ServingStatusCount } from "../online/index.js";
import type { Registry as FstoreRegistry, MaterializationRunRecord } from "../registry/registry.js";
import type { CallObserver } from "../server/service-adapter.js";
import { featureServiceOfRequest, grpcCodeLabel } from "./call-labels.js";

/** What the scrape-time collectors read. */
export interface MetricsSources {
  config: Pick<RepoConfig, "materialization">;
  registry: Pick<
    FstoreRegistry,
    "snapshot" | "materializationIntervals" | "lastMaterializationRun" | "otherOnlineStores"
  >;
  /** Clock for freshness ages; default `Date.now`. */
  now?: () => number;
}

/** One feature's consistency result, as recorded after a validation. */
export interface ConsistencyResultSample {
  featureView: string;
  feature: string;
  compared: number;
  mismatchRate: number;
  passed: boolean;
}

const RUN_OUTCOMES: readonly MaterializationRunRecord["outcome"][] = [
  "succeeded",
  "failed",
  "skipped",
  "abandoned",
];

/** Latency buckets in seconds: sub-millisecond online reads up to long historical exports. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class FstoreMetrics {
  /** The dedicated registry; `metrics()` renders it in Prometheus's text format. */
  readonly registry = new Registry();
  /** "host:port" of the HTTP endpoint once it listens (see metrics-http.ts). */
  httpAddress: string | undefined;

  readonly #rpcRequests: Counter<"method">;
  readonly #rpcErrors: Counter<"method" | "code">;
  readonly #rpcDuration: Histogram<"method">;
  readonly #serviceRequests: Counter<"feature_service" | "method">;
  readonly #serviceErrors: Counter<"feature_service" | "method" | "code">;
  readonly #serviceDuration: Histogram<"feature_service" | "method">;
  readonly #onlineReadDuration: Histogram<"store">;
  readonly #servingStatus: Counter<"feature_view" | "status">;
  readonly #consistencyRate: Gauge<"feature_view" | "feature">;
  readonly #consistencyPassed: Gauge<"feature_view" | "feature">;
  readonly #consistencyCompared: Gauge<"feature_view" | "feature">;
  readonly #consistencyLastRun: Gauge;
  readonly #materializationRuns: Counter<"feature_view" | "outcome">;
  readonly #materializationRowsRead: Counter<"feature_view">;
  readonly #materializationEntitiesWritten: Counter<"feature_view">;
  readonly #accessDecisions: Counter<"method" | "decision">;
  readonly #drift: Gauge<"feature_service" | "feature" | "metric">;
  readonly #coverage: Gauge<"feature_service" | "feature">;
  readonly #driftVerdict: Gauge<"feature_service" | "feature">;
  /** The feature logger's counts, read at scrape time (set by the server). */
  featureLogCounts:
    | (() => readonly { featureService: string; logged: number; dropped: number }[])
    | undefined;
  readonly #openLineageFailures: Counter<"job">;
  readonly #streamEvents: Counter<"stream_source" | "feature_view" | "outcome">;
  readonly #streamLate: Counter<"feature_view">;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.#rpcRequests = new Counter({
      name: "fstore_rpc_requests_total",
      help: "FeatureService calls, by method.",
      labelNames: ["method"],
      registers,
    });
    this.#rpcErrors = new Counter({
      name: "fstore_rpc_errors_total",
      help: "FeatureService calls that ended with a non-OK status, by method and gRPC status code.",
      labelNames: ["method", "code"],
      registers,
    });
    this.#rpcDuration = new Histogram({
      name: "fstore_rpc_duration_seconds",
      help: "FeatureService call latency (for streams: until the last message), by method.",
      labelNames: ["method"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#serviceRequests = new Counter({
      name: "fstore_feature_service_requests_total",
      help: "Calls naming a feature service, by service and method.",
      labelNames: ["feature_service", "method"],
      registers,
    });
    this.#serviceErrors = new Counter({
      name: "fstore_feature_service_errors_total",
      help: "Calls naming a feature service that failed, by service, method and gRPC status code.",
      labelNames: ["feature_service", "method", "code"],
      registers,
    });
    this.#serviceDuration = new Histogram({
      name: "fstore_feature_service_duration_seconds",
      help: "Latency of calls naming a feature service, by service and method.",
      labelNames: ["feature_service", "method"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#onlineReadDuration = new Histogram({
      name: "fstore_online_store_read_duration_seconds",
      help: "Latency of one online-store read (all views of a request), by store type.",
      labelNames: ["store"],
      buckets: STORE_BUCKETS,
      registers,
    });
    this.#servingStatus = new Counter({
      name: "fstore_online_feature_status_total",
      help: "Served feature values that were NOT_FOUND or OUTSIDE_MAX_AGE, by feature view and status.",
      labelNames: ["feature_view", "status"],
      registers,
    });
    this.#consistencyRate = new Gauge({
      name: "fstore_consistency_mismatch_rate",
      help: "Mismatch rate of the last consistency validation, by feature.",
      labelNames: ["feature_view", "feature"],
      registers,
    });
    this.#consistencyPassed = new Gauge({
      name: "fstore_consistency_passed",
      help: "1 when the feature passed the last consistency validation, else 0.",
      labelNames: ["feature_view", "feature"],
      registers,
    });
    this.#consistencyCompared = new Gauge({
      name: "fstore_consistency_compared",
      help: "Entities compared for the feature in the last consistency validation.",
      labelNames: ["feature_view", "feature"],
      registers,
    });
    this.#consistencyLastRun = new Gauge({
      name: "fstore_consistency_last_run_timestamp_seconds",
      help: "When the last consistency validation finished (Unix seconds).",
      registers,
    });
    // Every online view gets its series at 0 before its first run, so rate() and increase() see the first one.
    const onlineViews = () =>
      [...sources.registry.snapshot().featureViews.values()].filter((v) => v.online).map((v) => v.name);
    this.#accessDecisions = new Counter({
      name: "fstore_access_decisions_total",
      help: "Access-control decisions on FeatureService calls, by method and decision (allow, deny).",
      labelNames: ["method", "decision"],
      registers,
    });
    this.#openLineageFailures = new Counter({
      name: "fstore_openlineage_emit_failures_total",
      help: "OpenLineage events that could not be emitted (the runs they describe are unaffected), by job.",
      labelNames: ["job"],
      registers,
    });
    this.#materializationRuns = new Counter({
      name: "fstore_materialization_runs_total",
      help: "Materialization runs made by this server (Materialize calls and the schedule), by view and outcome (succeeded, failed, skipped).",
      labelNames: ["feature_view", "outcome"],
      registers,
      collect() {
        for (const view of onlineViews()) {
          for (const outcome of RUN_OUTCOMES) this.inc({ feature_view: view, outcome }, 0);
        }
      },
    });
    this.#materializationRowsRead = new Counter({
      name: "fstore_materialization_rows_read_total",
      help: "Offline rows read by this server's materialization runs, by view.",
      labelNames: ["feature_view"],
      registers,
      collect() {
        for (const view of onlineViews()) this.inc({ feature_view: view }, 0);
      },
    });
    this.#materializationEntitiesWritten = new Counter({
      name: "fstore_materialization_entities_written_total",
      help: "Entities written online by this server's materialization runs, by view.",
      labelNames: ["feature_view"],
      registers,
      collect() {
        for (const view of onlineViews()) this.inc({ feature_view: view }, 0);
      },
    });
    this.#drift = new Gauge({
      name: "fstore_feature_drift",
      help: "The last drift check's score per feature service and feature, by metric (psi, ks, js, coverage_change; absent where it does not apply).",
      labelNames: ["feature_service", "feature", "metric"],
      registers,
    });
    this.#coverage = new Gauge({
      name: "fstore_feature_coverage",
      help: "Share of rows with a value in the last drift check's current profile, per feature service and feature.",
      labelNames: ["feature_service", "feature"],
      registers,
    });
    this.#driftVerdict = new Gauge({
      name: "fstore_feature_drift_verdict",
      help: "The last drift check's verdict per feature service and feature: 0 ok, 1 warn, 2 alert.",
      labelNames: ["feature_service", "feature"],
      registers,
    });
    const logCounts = () => this.featureLogCounts?.() ?? [];
    new Counter({
      name: "fstore_feature_log_requests_total",
      help: "GetOnlineFeatures responses of feature services with logging, by outcome: logged, or dropped because the logging queue was full.",
      labelNames: ["feature_service", "outcome"],
      registers,
      collect() {
        this.reset();
        for (const c of logCounts()) {
          this.inc({ feature_service: c.featureService, outcome: "logged" }, c.logged);
          this.inc({ feature_service: c.featureService, outcome: "dropped" }, c.dropped);
        }
      },
    });
    this.#streamEvents = new Counter({
      name: "fstore_stream_events_total",
      help: "Stream events ingested, by stream source, feature view and outcome (applied, duplicate: a redelivery already applied, late: not applied online, dead_letter: invalid, feature_view empty).",
      labelNames: ["stream_source", "feature_view", "outcome"],
      registers,
    });
    this.#streamLate = new Counter({
      name: "fstore_stream_late_events_total",
      help: "Stream events older than their entity's newest event minus the view's allowed lateness: kept offline, not applied online.",
      labelNames: ["feature_view"],
      registers,
    });
    registerScrapeTimeGauges(this.registry, sources);
  }

  /** Replaces the drift gauges of `featureService` with a drift check's results. */
  recordDrift(
    featureService: string,
    features: readonly {
      feature: string;
      psi: number | null;
      ks: number | null;
      js: number | null;
      coverageChange: number | null;
      currentCoverage: number | null;
      verdict: "ok" | "warn" | "alert";
    }[],
  ): void {
    for (const f of features) {
      const labels = { feature_service: featureService, feature: f.feature };
      const scores = { psi: f.psi, ks: f.ks, js: f.js, coverage_change: f.coverageChange };
      for (const [metric, value] of Object.entries(scores)) {
        if (value === null) this.#drift.remove({ ...labels, metric });
        else this.#drift.set({ ...labels, metric }, value);
      }
      if (f.currentCoverage === null) this.#coverage.remove(labels);
      else this.#coverage.set(labels, f.currentCoverage);
      this.#driftVerdict.set(labels, f.verdict === "alert" ? 2 : f.verdict === "warn" ? 1 : 0);
    }
  }

  /** Stream events by outcome (src/ingest/). */
  countStreamEvents(
    source: string,
    view: string,
    outcome: "applied" | "duplicate" | "late" | "dead_letter",
    n: number,
  ): void {
    if (n === 0) return;
    this.#streamEvents.inc({ stream_source: source, feature_view: view, outcome }, n);
    if (outcome === "late") this.#streamLate.inc({ feature_view: view }, n);
  }

  /** Counts one materialization run as the registry records it (see server-metrics.ts). */
  /** One access decision on a call (src/server/access-control.ts). */
  countAccessDecision(method: string, decision: "allow" | "deny"): void {
    this.#accessDecisions.inc({ method, decision });
  }

  /** One OpenLineage event not emitted (src/lineage/openlineage-emitter.ts). */
  countOpenLineageFailure(job: string): void {
    this.#openLineageFailures.inc({ job });
  }

  countMaterializationRun(run: MaterializationRunRecord): void {
    const feature_view = run.featureView;
    this.#materializationRuns.inc({ feature_view, outcome: run.outcome });
    this.#materializationRowsRead.inc({ feature_view }, run.rowsRead);
    this.#materializationEntitiesWritten.inc({ feature_view }, run.entitiesWritten);
  }

  /** A CallObserver for the server: counts, errors and latency per RPC and per feature service. */
  readonly observer: CallObserver = (method, _kind, request) => {
    const started = performance.now();
    const service = featureServiceOfRequest(request);
    this.#rpcRequests.inc({ method });
    if (service) this.#serviceRequests.inc({ feature_service: service, method });
    return {
      end: (code) => {
        const seconds = (performance.now() - started) / 1000;
        this.#rpcDuration.observe({ method }, seconds);
        if (service) this.#serviceDuration.observe({ feature_service: service, method }, seconds);
        if (code !== 0) {
          const label = grpcCodeLabel(code);
          this.#rpcErrors.inc({ method, code: label });
          if (service) this.#serviceErrors.inc({ feature_service: service, method, code: label });
        }
      },
    };
  };

  /** One online-store read of a request (the retrieval's ServingObserver): its time and statuses. */
  servedRead(store: string, seconds: number, counts: readonly ServingStatusCount[]): void {
    this.#onlineReadDuration.observe({ store }, seconds);
    for (const c of counts) {
      if (c.notFound > 0) this.#servingStatus.inc({ feature_view: c.view, status: "NOT_FOUND" }, c.notFound);
      if (c.outsideMaxAge > 0)
        this.#servingStatus.inc({ feature_view: c.view, status: "OUTSIDE_MAX_AGE" }, c.outsideMaxAge);
    }
  }

  /** Replaces the last consistency result of each feature in `features`. */
  recordConsistency(features: readonly ConsistencyResultSample[], at: Date = new Date()): void {
    for (const f of features) {
      const labels = { feature_view: f.featureView, feature: f.feature };
      this.#consistencyRate.set(labels, f.mismatchRate);
      this.#consistencyPassed.set(labels, f.passed ? 1 : 0);
      this.#consistencyCompared.set(labels, f.compared);
    }
    this.#consistencyLastRun.set(at.getTime() / 1000);
  }

  /** The metrics in Prometheus's text exposition format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Gauges filled from the registry at each scrape: the last materialization run and freshness per view. */
function registerScrapeTimeGauges(registry: Registry, sources: MetricsSources): void {
  const registers = [registry];
  const labelNames = ["feature_view"] as const;
  const views = () => [...sources.registry.snapshot().featureViews.values()].filter((v) => v.online);
  const now = () => (sources.now ?? Date.now)();

  const lastRun = (
    name: string,
    help: string,
    value: (
      run: NonNullable<Awaited<ReturnType<MetricsSources["registry"]["lastMaterializationRun"]>>>,
    ) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      // Reads first, then resets and sets: a scrape never exposes a half-filled gauge.
      async collect() {
        const runs = await Promise.all(
          views().map(async (view) => ({
            view,
            run: await sources.registry.lastMaterializationRun(view.name),
          })),
        );
        this.reset();
        for (const { view, run } of runs) if (run) this.set({ feature_view: view.name }, value(run));
      },
    });
  lastRun(
    "fstore_materialization_last_run_timestamp_seconds",
    "When the view's last materialization run ended, whatever its outcome (Unix seconds).",
    (r) => r.end.getTime() / 1000,
  );
  lastRun(
    "fstore_materialization_last_duration_seconds",
    "Duration of the view's last materialization run.",
    (r) => Math.max(0, r.end.getTime() - r.start.getTime()) / 1000,
  );
  lastRun(
    "fstore_materialization_last_run_succeeded",
    "1 when the view's last materialization run succeeded, 0 when it failed or was skipped.",
    (r) => (r.outcome === "succeeded" ? 1 : 0),
  );

  new Gauge({
    name: "fstore_materialization_last_success_timestamp_seconds",
    help: "When the view's last successful materialization was recorded (Unix seconds).",
    labelNames,
    registers,
    async collect() {
      const lasts = await Promise.all(
        views().map(async (view) => {
          let last: Date | undefined;
          for (const i of await sources.registry.materializationIntervals(view.name)) {
            if (!last || i.recorded > last) last = i.recorded;
          }
          return { view, last };
        }),
      );
      this.reset();
      for (const { view, last } of lasts)
        if (last) this.set({ feature_view: view.name }, last.getTime() / 1000);
    },
  });

  const freshness = async (view: { name: string; online: boolean }, created: Date | undefined) =>
    featureViewFreshness({
      online: view.online,
      intervalEnds: (await sources.registry.materializationIntervals(view.name)).map((i) => i.end),
      schedule: sources.config.materialization.schedule,
      created,
      now: new Date(now()),
      materializedElsewhere: (await sources.registry.otherOnlineStores(view.name)).length > 0,
    });
  new Gauge({
    name: "fstore_feature_view_freshness_age_seconds",
    help: "Now minus the end of the view's last materialized interval (absent when never materialized).",
    labelNames,
    registers,
    async collect() {
      const found = await Promise.all(
        views().map(async (view) => ({ view, f: await freshness(view, undefined) })),
      );
      this.reset();
      for (const { view, f } of found)
        if (f.ageMs !== undefined) this.set({ feature_view: view.name }, f.ageMs / 1000);
    },
  });
  new Gauge({
    name: "fstore_feature_view_overdue",
    help: "1 when a scheduled materialization of the view was missed (see materialize/freshness.ts), else 0.",
    labelNames,
    registers,
    async collect() {
      const snapshot = sources.registry.snapshot();
      const found = await Promise.all(
        views().map(async (view) => ({
          view,
          f: await freshness(view, snapshot.meta.get(`feature_view/${view.name}`)?.created),
        })),
      );
      this.reset();
      for (const { view, f } of found) this.set({ feature_view: view.name }, f.overdue ? 1 : 0);
    },
  });
}

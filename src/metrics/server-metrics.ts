/**
 * Wires metrics into a starting server in one call, so server.ts needs only a
 * line: creates the metrics when enabled (config or flag), puts them on
 * `deps.metrics` for handlers, counts materialization runs as the registry
 * records them (online reads are reported by the retrieval itself, through
 * `deps.metrics` as its ServingObserver), starts the HTTP endpoint and registers its closing with the
 * server's resources, and returns the call observer.
 */
import type { MaterializationRunRecord, Registry } from "../registry/registry.js";
import type { ServerDeps } from "../server/deps.js";
import type { CallObserver } from "../server/service-adapter.js";
import { FstoreMetrics } from "./fstore-metrics.js";
import { startMetricsHttp } from "./metrics-http.js";

/**
 * Starts metrics for `deps` when `config.metrics.enabled` or `port` is given
 * (the `--metrics-port` flag, which wins over `metrics.port`). Returns the
 * observer to compose with the others, or undefined when metrics are off.
 */
export async function startServerMetrics(
  deps: ServerDeps,
  port?: number,
  options: { inProcess?: boolean } = {},
): Promise<CallObserver | undefined> {
  const { config } = deps;
  const serveHttp = config.metrics.enabled || port !== undefined;
  // inProcess: counted for a reader inside the server (the web console) even without the endpoint.
  if (!serveHttp && !options.inProcess) return undefined;
  const metrics = new FstoreMetrics({ config, registry: deps.registry });
  // Every run (the Materialize RPC and the schedule, through materializeContextOf(deps)) ends in
  // recordMaterializationRun: counting there needs no hook inside materialize/.
  deps.registry = countingRuns(deps.registry, (run) => metrics.countMaterializationRun(run));
  deps.metrics = metrics;
  if (!serveHttp) return metrics.observer;
  const http = await startMetricsHttp(metrics, {
    host: config.metrics.host,
    port: port ?? config.metrics.port,
    token: config.metrics.token,
  });
  deps.resources.get(
    "metrics-http",
    () => http,
    (h) => h.close(),
  );
  deps.logger.info({ address: http.address, path: "/metrics" }, "serving Prometheus metrics");
  return metrics.observer;
}

/** `registry`, calling `onRun` after each materialization run it records. */
export function countingRuns(registry: Registry, onRun: (run: MaterializationRunRecord) => void): Registry {
  return {
    snapshot: () => registry.snapshot(),
    plan: (defs) => registry.plan(defs),
    apply: (defs) => registry.apply(defs),
    materializationIntervals: (view) => registry.materializationIntervals(view),
    recordMaterializationInterval: (view, start, end) =>
      registry.recordMaterializationInterval(view, start, end),
    recordMaterializationRun: async (run) => {
      await registry.recordMaterializationRun(run);
      onRun(run);
    },
    lastMaterializationRun: (view) => registry.lastMaterializationRun(view),
    otherOnlineStores: (view) => registry.otherOnlineStores(view),
    acquireLease: async (req) => {
      const outcome = await registry.acquireLease(req);
      if (outcome.kind === "grant") for (const run of outcome.abandonedRuns) onRun(run);
      return outcome;
    },
    renewLease: (name, holder, ttlMs) => registry.renewLease(name, holder, ttlMs),
    releaseLease: (name, holder, finished) => registry.releaseLease(name, holder, finished),
    close: () => registry.close(),
  };
}

/**
 * Wires metrics into a starting server in one call, so server.ts needs only a
 * line: creates the metrics when enabled (config or flag), puts them on
 * `deps.metrics` for handlers, starts the HTTP endpoint and registers its
 * closing with the server's resources, and returns the call observer.
 */
import type { ServerDeps } from "../server/deps.js";
import type { CallObserver } from "../server/service-adapter.js";
import { FstoreMetrics } from "./fstore-metrics.js";
import { instrumentOnlineStore } from "./instrumented-online-store.js";
import { startMetricsHttp } from "./metrics-http.js";

/**
 * Starts metrics for `deps` when `config.metrics.enabled` or `port` is given
 * (the `--metrics-port` flag, which wins over `metrics.port`). Returns the
 * observer to compose with the others, or undefined when metrics are off.
 */
export async function startServerMetrics(deps: ServerDeps, port?: number): Promise<CallObserver | undefined> {
  const { config } = deps;
  if (!config.metrics.enabled && port === undefined) return undefined;
  const metrics = new FstoreMetrics({ config, registry: deps.registry });
  // Before any handler opens the online store: reads are timed and serving statuses counted.
  instrumentOnlineStore(deps.resources, config, metrics);
  const http = await startMetricsHttp(metrics, config.metrics.host, port ?? config.metrics.port);
  deps.resources.get(
    "metrics-http",
    () => http,
    (h) => h.close(),
  );
  deps.metrics = metrics;
  deps.logger.info({ address: http.address, path: "/metrics" }, "serving Prometheus metrics");
  return metrics.observer;
}

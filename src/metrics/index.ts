/**
 * Prometheus metrics (prom-client) for the fstore server: per-RPC and
 * per-feature-service calls, online reads, serving statuses, materialization,
 * freshness and consistency.
 */

export { featureServiceOfRequest, grpcCodeLabel } from "./call-labels.js";
// The recording API other modules call (through `deps.metrics`).
export type { ConsistencyResultSample, MetricsSources } from "./fstore-metrics.js";
export { FstoreMetrics } from "./fstore-metrics.js";
export type { MetricsHttpServer } from "./metrics-http.js";
export { startMetricsHttp } from "./metrics-http.js";
// For the server.
export { startServerMetrics } from "./server-metrics.js";

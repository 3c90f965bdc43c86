/**
 * The web console: a read-only browser view of the registry, freshness,
 * monitoring and serving, served by fstore itself (`fstore ui`, `fstore serve
 * --ui-port`) behind the server's own authentication and permissions.
 */

// For the CLI and the server.
export type { ConsoleOptions, RunningConsole } from "./console-server.js";
export { startConsole } from "./console-server.js";
// The JSON models behind the pages (`/api/...`), for tests and other modules.
export type { DriftHistory, DriftPoint, FeatureModel, ServiceMonitoringModel } from "./monitoring-data.js";
export type { OverviewModel, ViewModel } from "./registry-data.js";
export type { MetricsSample, ServingSeries } from "./serving-series.js";
export { histogramQuantile, servingSeries } from "./serving-series.js";

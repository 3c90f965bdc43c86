// What users of the server need: start it, stop it on signals.

// What other modules need: hooks for observers (metrics), handler contracts and deps.
export { describeCheck } from "./access-control.js";
export type { AuditLog, AuditRecord } from "./audit-log.js";
export { createAuditLog } from "./audit-log.js";
export { composeObservers, createLoggingObserver, grpcCodeName } from "./call-observers.js";
export type { ServerDeps } from "./deps.js";
export { Resources } from "./deps.js";
export type { FreshnessInfo, FreshnessInput } from "./freshness.js";
export { featureViewFreshness } from "./freshness.js";
export { toGrpcCode, toServiceError } from "./grpc-status.js";
export type { LoggerOptions } from "./logger.js";
export { createLogger } from "./logger.js";
export { SERVING_NODE_FLAGS } from "./node-flags.js";
export type { RunningServer, StartServerOptions } from "./server.js";
export { startServer } from "./server.js";
export type { CallContext, CallObservation, CallObserver, ServiceImpl } from "./service-adapter.js";
export { stopOnSignals } from "./signals.js";

// For the server, the CLI and tests.

// For other modules (push writes Parquet with the same helpers).
export { connectUtc } from "./duckdb.js";
export { duckTypeOf, latestRowsSql, sourceColumnOf, sqlIdent, sqlString } from "./latest-rows-sql.js";
export type {
  MaterializeContext,
  MaterializeEvent,
  MaterializeRequest,
  ViewProgress,
} from "./materialize.js";
export { materialize, resolveViews } from "./materialize.js";
export type { ScheduledFire, ScheduleOptions } from "./schedule.js";
export { DEFAULT_LEASE_TTL_MS, SCHEDULE_LEASE, startMaterializationSchedule } from "./schedule.js";
export type { ServerResourcesLike } from "./server-context.js";
export { materializeContextOf } from "./server-context.js";
export { startSchedule } from "./server-schedule.js";
export { listSourceFiles, sourcePath } from "./source-files.js";
export { checkWindow, incrementalStart, UNBOUNDED_TTL_LOOKBACK_MS } from "./window.js";

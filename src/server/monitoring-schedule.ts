/**
 * The server's monitoring schedule (`monitoring.schedule`, cron in UTC):
 * drift checks of the serving logs of every feature service with logging
 * and a baseline (handlers/monitoring.ts). Each server checks the logs it
 * can read; fires do not overlap.
 */
import cron from "node-cron";
import type { ServerDeps } from "./deps.js";
import { runScheduledDriftChecks, type ScheduledDriftCheck } from "./handlers/monitoring.js";

/** Starts the schedule; the returned function stops it (waiting for a running check). A no-op when off. */
export function startMonitoringSchedule(
  deps: ServerDeps,
  onFire?: (checks: ScheduledDriftCheck[]) => void,
): () => Promise<void> {
  const expression = deps.config.monitoring.schedule;
  if (expression === null) return async () => {};
  deps.logger.info(
    { schedule: expression, windowSeconds: deps.config.monitoring.windowSeconds },
    "monitoring schedule (UTC) started",
  );
  let stopped = false;
  let running: Promise<void> | undefined;
  const task = cron.schedule(
    expression,
    (tc) => {
      if (stopped) return;
      running = runScheduledDriftChecks(deps, tc.date).then(
        (checks) => onFire?.(checks),
        (err: unknown) =>
          deps.logger.warn({ err: (err as Error).message }, "monitoring schedule: check failed"),
      );
      return running;
    },
    { timezone: "UTC", noOverlap: true },
  );
  return async () => {
    stopped = true;
    await task.destroy();
    await running;
  };
}

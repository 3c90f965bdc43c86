/**
 * The server's materialization schedule: `materialization.schedule` from
 * feature_store.yaml (cron, UTC; null disables it).
 */
import type { Logger } from "pino";
import { sharedRetrievalPins } from "../push/retrieval-pins.js";
import type { ScheduledFire } from "./schedule.js";
import { startMaterializationSchedule } from "./schedule.js";
import type { ServerResourcesLike } from "./server-context.js";
import { materializeContextOf } from "./server-context.js";

/**
 * Starts the configured schedule inside a server; returns the function that
 * stops it (waiting for a running fire). A no-op when the schedule is off.
 */
export function startSchedule(
  deps: ServerResourcesLike & { logger?: Logger },
  onFire?: (fire: ScheduledFire) => void,
): () => Promise<void> {
  const cron = deps.config.materialization.schedule;
  if (cron === null) return async () => {};
  deps.logger?.info({ schedule: cron }, "materialization schedule (UTC) started");
  return startMaterializationSchedule({
    cron,
    context: () => materializeContextOf(deps),
    ...(deps.config.materialization.leaseTtlSeconds !== undefined
      ? { leaseTtlMs: deps.config.materialization.leaseTtlSeconds * 1000 }
      : {}),
    pin: () => sharedRetrievalPins(deps.resources).pin(),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(onFire ? { onFire } : {}),
  });
}

/**
 * The server's monitoring schedule (`monitoring.schedule`, cron in UTC):
 * drift checks of the serving logs of every feature service with logging
 * and a baseline (handlers/monitoring.ts). Servers sharing a registry run
 * each fire once, under the registry lease `monitoring:drift` (the same
 * mechanism as scheduled materialization's, registry/leased-slot.ts): the
 * slot is the fire's time to the second, which is also the checked window's
 * end, so whichever server runs it checks the same window. A server that
 * dies holding the lease is taken over after `monitoring.lease_ttl_seconds`;
 * the taker skips the services the dead one already checked. Fires do not
 * overlap.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import cron from "node-cron";
import { runLeasedSlot } from "../registry/index.js";
import type { ServerDeps } from "./deps.js";
import { runScheduledDriftChecks, type ScheduledDriftCheck } from "./handlers/monitoring.js";

/** The registry lease every server's monitoring schedule shares. */
export const MONITORING_LEASE = "monitoring:drift";

/** What one fire did on this server. */
export interface MonitoringFire {
  /** The scheduled time (whole second, UTC): the end of the checked window. */
  slot: Date;
  /** "ran" here, "elsewhere" (another server ran the slot), "stopped" (shut down while waiting), or "failed". */
  outcome: "ran" | "elsewhere" | "stopped" | "failed";
  checks: ScheduledDriftCheck[];
  /** The dead server whose run of this slot this one took over. */
  tookOverFrom?: string;
  error?: string;
}

export interface MonitoringScheduleOptions {
  /** This server's name in the lease (default host:pid:random). */
  holder?: string;
  /** Called after each fire with what this server did (for tests). */
  onFire?: (fire: MonitoringFire) => void;
}

/** Starts the schedule; the returned function stops it (waiting for a running check). A no-op when off. */
export function startMonitoringSchedule(
  deps: ServerDeps,
  options: MonitoringScheduleOptions = {},
): () => Promise<void> {
  const expression = deps.config.monitoring.schedule;
  if (expression === null) return async () => {};
  const ttlMs = deps.config.monitoring.leaseTtlSeconds * 1000;
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  deps.logger.info(
    { schedule: expression, windowSeconds: deps.config.monitoring.windowSeconds },
    "monitoring schedule (UTC) started",
  );
  const stopping = new AbortController();
  let running: Promise<void> | undefined;

  const fire = async (at: Date): Promise<void> => {
    const slot = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const report = (f: Omit<MonitoringFire, "slot">) => options.onFire?.({ slot, ...f });
    try {
      const result = await runLeasedSlot({
        registry: deps.registry,
        lease: { name: MONITORING_LEASE, holder, ttlMs, materializationRuns: false },
        slotMs: slot.getTime(),
        signal: stopping.signal,
        work: (signal) => runScheduledDriftChecks(deps, slot, signal),
        onRenewError: (err) =>
          deps.logger.warn({ err: err.message }, "monitoring schedule: could not renew the lease; retrying"),
        onLost: () =>
          deps.logger.error(
            { slot },
            "monitoring schedule: lost the lease (another server took the checks over): stopping",
          ),
      });
      if (result.outcome !== "ran") return report({ outcome: result.outcome, checks: [] });
      const dead = result.tookOver;
      if (dead) {
        deps.logger.warn(
          { slot, holder: dead.holder, expired: dead.expired },
          "monitoring schedule: took over the drift checks of a server that stopped renewing its lease",
        );
      }
      report({ outcome: "ran", checks: result.value, ...(dead ? { tookOverFrom: dead.holder } : {}) });
    } catch (err) {
      const error = (err as Error).message;
      deps.logger.warn({ slot, err: error }, "monitoring schedule: check failed");
      report({ outcome: "failed", checks: [], error });
    }
  };

  const task = cron.schedule(
    expression,
    (tc) => {
      if (stopping.signal.aborted) return;
      running = fire(tc.date);
      return running;
    },
    { timezone: "UTC", noOverlap: true },
  );
  return async () => {
    stopping.abort();
    await task.destroy();
    await running;
  };
}

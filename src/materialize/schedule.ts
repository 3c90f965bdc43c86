/**
 * Scheduled incremental materialization inside the server (node-cron, UTC).
 * Servers sharing one online store run each scheduled fire once: the first
 * to take the fire's slot lock (OnlineStore.tryLock: a Redis key or a SQLite
 * row, with expiry) runs it; the lock is left to expire rather than released,
 * so a server whose timer fires late cannot run the same slot again. A second
 * lock keeps runs from overlapping across servers.
 */
import cron from "node-cron";
import type { Logger } from "pino";
import type { MaterializeContext } from "./materialize.js";
import { materialize } from "./materialize.js";

export interface ScheduleOptions {
  /** Cron expression (5 or 6 fields; seconds first when 6), evaluated in UTC. */
  cron: string;
  /** Builds the materialization context when a fire runs. */
  context: () => MaterializeContext;
  logger?: Logger;
  /** Expiry of the locks (default one hour): a crashed server holds nothing longer. */
  lockTtlMs?: number;
  /** Called after each fire with what this instance did (for tests and metrics). */
  onFire?: (fire: ScheduledFire) => void;
}

export interface ScheduledFire {
  /** The scheduled time (whole second, UTC), also the window end. */
  slot: Date;
  /** "ran" here, "elsewhere" (another server took the slot), "busy" (a run was in progress), or "failed". */
  outcome: "ran" | "elsewhere" | "busy" | "failed";
  entitiesWritten: number;
  error?: string;
}

const DEFAULT_LOCK_TTL_MS = 60 * 60 * 1000;

/** Starts the schedule; the returned function stops it and waits for a running fire to end. */
export function startMaterializationSchedule(options: ScheduleOptions): () => Promise<void> {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  const ttl = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;

  const fire = async (at: Date): Promise<void> => {
    const slot = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const report = (f: Omit<ScheduledFire, "slot">) => options.onFire?.({ slot, ...f });
    let ctx: MaterializeContext;
    try {
      ctx = options.context();
      const store = ctx.onlineStore;
      const slotLock = await store.tryLock(`materialize:slot:${slot.getTime()}`, ttl);
      if (!slotLock) return report({ outcome: "elsewhere", entitiesWritten: 0 });
      const runLock = await store.tryLock("materialize:running", ttl);
      if (!runLock) {
        options.logger?.warn({ slot }, "scheduled materialization skipped: a previous run is still going");
        return report({ outcome: "busy", entitiesWritten: 0 });
      }
      try {
        let written = 0;
        for await (const ev of materialize(ctx, {
          end: slot,
          incremental: true,
          scheduled: true,
          signal: stopping.signal,
        })) {
          if (ev.kind === "summary") written = ev.views.reduce((n, v) => n + v.entitiesWritten, 0);
        }
        options.logger?.info({ slot, entitiesWritten: written }, "scheduled materialization done");
        report({ outcome: "ran", entitiesWritten: written });
      } finally {
        await runLock();
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      options.logger?.error({ slot, err: error }, "scheduled materialization failed");
      report({ outcome: "failed", entitiesWritten: 0, error });
    }
  };

  const task = cron.schedule(
    options.cron,
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

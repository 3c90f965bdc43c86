/**
 * Scheduled incremental materialization inside the server (node-cron, UTC).
 * Servers sharing one registry run each scheduled fire once, under a lease
 * kept in the registry (registry/leased-slot.ts, shared with the monitoring
 * schedule): the first to take the lease for
 * the fire's slot runs it and renews the lease every third of its ttl while
 * the run is alive; the others ask again at that pace until the slot is done.
 * A holder that dies stops renewing, so after at most one ttl (30 s by
 * default) the next server to ask takes the run over and the registry records
 * the dead run as abandoned. A holder that cannot renew (its lease was taken)
 * stops its run.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import cron from "node-cron";
import type { Logger } from "pino";
import { abandonedMessage, runLeasedSlot } from "../registry/index.js";
import type { MaterializeContext } from "./materialize.js";
import { materialize } from "./materialize.js";

/** The registry lease every server's schedule shares. */
export const SCHEDULE_LEASE = "materialize:schedule";

export interface ScheduleOptions {
  /** Cron expression (5 or 6 fields; seconds first when 6), evaluated in UTC. */
  cron: string;
  /** Builds the materialization context when a fire runs. */
  context: () => MaterializeContext;
  logger?: Logger;
  /** Lease expiry (default 30 s); renewed every third of it while a run is alive. */
  leaseTtlMs?: number;
  /** This server's name in the lease (default host:pid:random). */
  holder?: string;
  /** Called after each fire with what this instance did (for tests and metrics). */
  onFire?: (fire: ScheduledFire) => void;
  /** Held while a run reads sources (the server's retrieval pins: compaction waits). */
  pin?: () => () => void;
}

export interface ScheduledFire {
  /** The scheduled time (whole second, UTC), also the window end. */
  slot: Date;
  /** "ran" here, "elsewhere" (another server ran the slot), "stopped" (shut down while waiting), or "failed". */
  outcome: "ran" | "elsewhere" | "stopped" | "failed";
  entitiesWritten: number;
  /** Set when this run took over a run abandoned by a dead server. */
  tookOverFrom?: string;
  error?: string;
}

export const DEFAULT_LEASE_TTL_MS = 30_000;

/** Starts the schedule; the returned function stops it and waits for a running fire to end. */
export function startMaterializationSchedule(options: ScheduleOptions): () => Promise<void> {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  const ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = options.logger;

  const fire = async (at: Date): Promise<void> => {
    const slot = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const report = (f: Omit<ScheduledFire, "slot">) => options.onFire?.({ slot, ...f });
    try {
      const ctx = options.context();
      const result = await runLeasedSlot({
        registry: ctx.registry,
        lease: { name: SCHEDULE_LEASE, holder, ttlMs: ttl },
        slotMs: slot.getTime(),
        signal: stopping.signal,
        work: (signal) => runSlot(ctx, slot, signal),
        onRenewError: (err) =>
          log?.warn({ err: err.message }, "could not renew the schedule lease; retrying"),
        onLost: () =>
          log?.error(
            { slot },
            "lost the schedule lease (another server took the run over): stopping this run",
          ),
      });
      if (result.outcome === "stopped") return report({ outcome: "stopped", entitiesWritten: 0 });
      if (result.outcome === "elsewhere") return report({ outcome: "elsewhere", entitiesWritten: 0 });
      const tookOverFrom = result.tookOver && abandonedMessage(result.tookOver, holder);
      if (tookOverFrom)
        log?.warn({ slot, run: tookOverFrom }, "took over an abandoned scheduled materialization");
      log?.info({ slot, entitiesWritten: result.value }, "scheduled materialization done");
      return report({
        outcome: "ran",
        entitiesWritten: result.value,
        ...(tookOverFrom ? { tookOverFrom } : {}),
      });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log?.error({ slot, err: error }, "scheduled materialization failed");
      report({ outcome: "failed", entitiesWritten: 0, error });
    }
  };

  /** Runs the slot's incremental materialization (a failed run releases the slot: the next slot retries). */
  const runSlot = async (ctx: MaterializeContext, slot: Date, signal: AbortSignal): Promise<number> => {
    const unpin = options.pin?.();
    try {
      let written = 0;
      for await (const ev of materialize(ctx, { end: slot, incremental: true, scheduled: true, signal })) {
        if (ev.kind === "summary") written = ev.views.reduce((n, v) => n + v.entitiesWritten, 0);
      }
      return written;
    } finally {
      unpin?.();
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

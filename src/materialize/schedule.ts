/**
 * Scheduled incremental materialization inside the server (node-cron, UTC).
 * Servers sharing one registry run each scheduled fire once, under a lease
 * kept in the registry (registry/lease.ts): the first to take the lease for
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
  const every = Math.max(10, Math.floor(ttl / 3));
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = options.logger;

  const fire = async (at: Date): Promise<void> => {
    const slot = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const report = (f: Omit<ScheduledFire, "slot">) => options.onFire?.({ slot, ...f });
    try {
      const ctx = options.context();
      const registry = ctx.registry;
      for (;;) {
        if (stopping.signal.aborted) return report({ outcome: "stopped", entitiesWritten: 0 });
        const lease = await registry.acquireLease({
          name: SCHEDULE_LEASE,
          holder,
          slotMs: slot.getTime(),
          ttlMs: ttl,
        });
        if (lease.kind === "done") return report({ outcome: "elsewhere", entitiesWritten: 0 });
        if (lease.kind === "held") {
          await sleep(every, stopping.signal);
          continue;
        }
        const dead = lease.abandonedRuns[0];
        if (dead) log?.warn({ slot, run: dead.error }, "took over an abandoned scheduled materialization");
        const written = await runHoldingLease(ctx, slot, ttl, every);
        log?.info({ slot, entitiesWritten: written }, "scheduled materialization done");
        return report({
          outcome: "ran",
          entitiesWritten: written,
          ...(dead ? { tookOverFrom: dead.error } : {}),
        });
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log?.error({ slot, err: error }, "scheduled materialization failed");
      report({ outcome: "failed", entitiesWritten: 0, error });
    }
  };

  /** Runs the slot, renewing the lease while alive; releases it at the end (done, or failed: the next slot retries). */
  const runHoldingLease = async (
    ctx: MaterializeContext,
    slot: Date,
    ttlMs: number,
    renewEveryMs: number,
  ): Promise<number> => {
    const lost = new AbortController();
    const unpin = options.pin?.();
    // One renewal at a time: a slow registry must not pile renewals up behind each other.
    let renewing: Promise<void> | undefined;
    const renew = async () => {
      let kept = false;
      try {
        kept = await ctx.registry.renewLease(SCHEDULE_LEASE, holder, ttlMs);
      } catch (err) {
        log?.warn({ err: (err as Error).message }, "could not renew the schedule lease; retrying");
        return;
      }
      if (!kept) {
        log?.error({ slot }, "lost the schedule lease (another server took the run over): stopping this run");
        lost.abort();
      }
    };
    const renewal = setInterval(() => {
      renewing ??= renew().finally(() => {
        renewing = undefined;
      });
    }, renewEveryMs);
    try {
      let written = 0;
      for await (const ev of materialize(ctx, {
        end: slot,
        incremental: true,
        scheduled: true,
        signal: AbortSignal.any([stopping.signal, lost.signal]),
      })) {
        if (ev.kind === "summary") written = ev.views.reduce((n, v) => n + v.entitiesWritten, 0);
      }
      return written;
    } finally {
      unpin?.();
      clearInterval(renewal);
      await renewing;
      // A run stopped by a shutdown leaves its slot to the other servers; a failed one counts as done
      // (the next slot retries: every server failing the same way at once would not help).
      if (!lost.signal.aborted)
        await ctx.registry.releaseLease(SCHEDULE_LEASE, holder, !stopping.signal.aborted);
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

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

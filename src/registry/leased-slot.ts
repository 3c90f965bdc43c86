/**
 * One scheduled slot run once across the servers sharing a registry, under
 * a registry lease (lease.ts): the first server to take the slot's lease
 * runs the work, renewing the lease every third of its ttl while it is
 * alive; the others ask again at that pace until the slot is done (a
 * holder that dies stops renewing, so after one ttl the next to ask takes
 * the slot over and runs it itself). A holder whose lease was taken stops
 * its work through the signal it was given.
 */
import type { AbandonedLease, LeaseRequest } from "./lease.js";
import type { Registry } from "./registry.js";

export interface LeasedSlotOptions<T> {
  registry: Pick<Registry, "acquireLease" | "renewLease" | "releaseLease">;
  lease: Omit<LeaseRequest, "slotMs">;
  /** The slot (ms since the epoch): every server asks for the same one. */
  slotMs: number;
  /** Aborts waiting and the work (a shutdown): the slot is released unfinished, for another server. */
  signal: AbortSignal;
  /** The slot's work; its signal also aborts when the lease is lost. */
  work: (signal: AbortSignal) => Promise<T>;
  /** A renewal that failed (the registry unreachable): retried at the next period. */
  onRenewError?: (err: Error) => void;
  /** The lease was taken by another server while the work ran. */
  onLost?: () => void;
}

export type LeasedSlotOutcome<T> =
  | { outcome: "ran"; value: T; tookOver?: AbandonedLease }
  /** Another server ran (or is known to have finished) the slot. */
  | { outcome: "elsewhere"; holder: string }
  /** Stopped (shut down) before taking the lease. */
  | { outcome: "stopped" };

export async function runLeasedSlot<T>(options: LeasedSlotOptions<T>): Promise<LeasedSlotOutcome<T>> {
  const { registry, lease, slotMs, signal } = options;
  const every = Math.max(10, Math.floor(lease.ttlMs / 3));
  for (;;) {
    if (signal.aborted) return { outcome: "stopped" };
    const got = await registry.acquireLease({ ...lease, slotMs });
    if (got.kind === "done") return { outcome: "elsewhere", holder: got.holder };
    if (got.kind === "held") {
      await sleep(every, signal);
      continue;
    }
    const lost = new AbortController();
    // One renewal at a time: a slow registry must not pile renewals up behind each other.
    let renewing: Promise<void> | undefined;
    const renew = async () => {
      let kept: boolean;
      try {
        kept = await registry.renewLease(lease.name, lease.holder, lease.ttlMs);
      } catch (err) {
        options.onRenewError?.(err as Error);
        return;
      }
      if (!kept) {
        options.onLost?.();
        lost.abort();
      }
    };
    const renewal = setInterval(() => {
      renewing ??= renew().finally(() => {
        renewing = undefined;
      });
    }, every);
    try {
      const value = await options.work(AbortSignal.any([signal, lost.signal]));
      return { outcome: "ran", value, ...(got.abandoned ? { tookOver: got.abandoned } : {}) };
    } finally {
      clearInterval(renewal);
      await renewing;
      // Stopped by a shutdown: the slot is left to the other servers; otherwise (done or failed) it is done.
      if (!lost.signal.aborted) await registry.releaseLease(lease.name, lease.holder, !signal.aborted);
    }
  }
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

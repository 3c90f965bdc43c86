/**
 * Leases on scheduled work, kept in the registry (the one store every server
 * of a project shares): a named row holding who runs which slot and until
 * when. The holder renews the expiry while its run is alive (every third of
 * the ttl); a holder that crashed stops renewing, and the first server to ask
 * after the expiry takes the work over and records the dead holder's run as
 * abandoned. A released lease keeps its slot, so a server whose timer fires
 * late never runs a slot again.
 *
 * The decision is pure (`decideLease`), so every registry backend implements
 * the same contract with one row and one transaction: SQLite here, a
 * PostgreSQL row with `SELECT ... FOR UPDATE` later.
 */

/** A lease row as stored. */
export interface LeaseRow {
  holder: string;
  /** The scheduled slot (ms since the epoch) the holder runs or ran. */
  slotMs: number;
  acquiredMs: number;
  expiresMs: number;
  /** When the holder released it (its run ended); null while held. */
  releasedMs: number | null;
}

/** A lease request: `holder` wants to run `slotMs`. */
export interface LeaseRequest {
  name: string;
  holder: string;
  slotMs: number;
  ttlMs: number;
  /**
   * Whether the lease guards scheduled materialization (the default): taking
   * over a dead holder then records its run as abandoned materialization
   * runs of the online views. Other scheduled work (the monitoring schedule)
   * sets false: nothing is recorded, the takeover is only reported.
   */
  materializationRuns?: boolean;
}

/** A run whose holder stopped renewing its lease before releasing it. */
export interface AbandonedLease {
  holder: string;
  slot: Date;
  acquired: Date;
  /** When its lease expired. */
  expired: Date;
}

export type LeaseDecision =
  | { kind: "grant"; row: LeaseRow; abandoned?: AbandonedLease }
  /** Another holder's lease is alive: ask again later (it may finish, or die). */
  | { kind: "held"; holder: string; slotMs: number; expiresMs: number }
  /** The slot (or a later one) already ran to its end, or a later one is running. */
  | { kind: "done"; holder: string };

export function decideLease(current: LeaseRow | undefined, req: LeaseRequest, nowMs: number): LeaseDecision {
  const grant = (abandoned?: AbandonedLease): LeaseDecision => ({
    kind: "grant",
    row: {
      holder: req.holder,
      slotMs: req.slotMs,
      acquiredMs: nowMs,
      expiresMs: nowMs + req.ttlMs,
      releasedMs: null,
    },
    ...(abandoned ? { abandoned } : {}),
  });
  if (!current) return grant();
  if (current.releasedMs !== null) {
    return current.slotMs >= req.slotMs ? { kind: "done", holder: current.holder } : grant();
  }
  if (current.expiresMs > nowMs && current.holder !== req.holder) {
    // A live holder runs a later slot: this one is over (run, or left behind by a shutdown, then
    // superseded), as when it was released; waiting would last as long as later slots keep coming.
    if (current.slotMs > req.slotMs) return { kind: "done", holder: current.holder };
    return { kind: "held", holder: current.holder, slotMs: current.slotMs, expiresMs: current.expiresMs };
  }
  // Held by nobody alive: the holder died (or this holder restarted under the same id).
  return grant({
    holder: current.holder,
    slot: new Date(current.slotMs),
    acquired: new Date(current.acquiredMs),
    expired: new Date(current.expiresMs),
  });
}

/** The registry's record of an abandoned run, for `status` and GetFeatureView. */
export function abandonedMessage(a: AbandonedLease, takenOverBy: string): string {
  return (
    `abandoned: the scheduled run of ${a.slot.toISOString()} by ${a.holder} stopped renewing its lease ` +
    `(expired ${a.expired.toISOString()}; the process likely died); taken over by ${takenOverBy}`
  );
}

/**
 * The SQLite registry's leases (lease.ts): one row per project and lease
 * name, decided and written in one IMMEDIATE transaction, so two servers
 * sharing the file never both hold a lease. Taking over a dead holder's run
 * records it as abandoned in the same transaction: exactly one taker records
 * it.
 */
import type Database from "better-sqlite3";
import type { AbandonedLease, LeaseRequest, LeaseRow } from "./lease.js";
import { abandonedMessage, decideLease } from "./lease.js";
import type { LeaseOutcome, MaterializationRunRecord } from "./registry.js";

export const LEASE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS leases (
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  holder TEXT NOT NULL,
  slot_ms INTEGER NOT NULL,
  acquired_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  released_ms INTEGER,
  PRIMARY KEY (project, name)
);
`;

interface Row {
  holder: string;
  slot_ms: number;
  acquired_ms: number;
  expires_ms: number;
  released_ms: number | null;
}

export class SqliteLeases {
  constructor(
    private readonly db: Database.Database,
    private readonly project: string,
  ) {
    db.exec(LEASE_SCHEMA_SQL);
  }

  /**
   * Decides `req` (lease.ts); on a takeover, `abandonedRuns` builds the run
   * records of the dead holder's run, which are written with the new lease.
   */
  acquire(
    req: LeaseRequest,
    abandonedRuns: (a: AbandonedLease, nowMs: number) => MaterializationRunRecord[],
    recordRun: (run: MaterializationRunRecord) => void,
  ): LeaseOutcome {
    const tx = this.db.transaction((): LeaseOutcome => {
      const now = Date.now();
      const found = this.db
        .prepare(
          "SELECT holder, slot_ms, acquired_ms, expires_ms, released_ms FROM leases WHERE project = ? AND name = ?",
        )
        .get(this.project, req.name) as Row | undefined;
      const current: LeaseRow | undefined = found && {
        holder: found.holder,
        slotMs: found.slot_ms,
        acquiredMs: found.acquired_ms,
        expiresMs: found.expires_ms,
        releasedMs: found.released_ms,
      };
      const d = decideLease(current, req, now);
      if (d.kind !== "grant") return d;
      this.db
        .prepare(
          `INSERT INTO leases (project, name, holder, slot_ms, acquired_ms, expires_ms, released_ms)
           VALUES (?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT (project, name) DO UPDATE SET holder = excluded.holder, slot_ms = excluded.slot_ms,
             acquired_ms = excluded.acquired_ms, expires_ms = excluded.expires_ms, released_ms = NULL`,
        )
        .run(this.project, req.name, d.row.holder, d.row.slotMs, d.row.acquiredMs, d.row.expiresMs);
      if (!d.abandoned) return { kind: "grant", abandonedRuns: [] };
      const runs = req.materializationRuns === false ? [] : abandonedRuns(d.abandoned, now);
      for (const run of runs) recordRun(run);
      return { kind: "grant", abandonedRuns: runs, abandoned: d.abandoned };
    });
    return tx.immediate();
  }

  renew(name: string, holder: string, ttlMs: number): boolean {
    const r = this.db
      .prepare(
        `UPDATE leases SET expires_ms = ? WHERE project = ? AND name = ? AND holder = ? AND released_ms IS NULL`,
      )
      .run(Date.now() + ttlMs, this.project, name, holder);
    return r.changes === 1;
  }

  release(name: string, holder: string, finished: boolean): void {
    // An unfinished slot is released as the instant before it: not done, so a waiting server takes it.
    this.db
      .prepare(
        `UPDATE leases SET released_ms = ?, slot_ms = slot_ms - ? WHERE project = ? AND name = ? AND holder = ? AND released_ms IS NULL`,
      )
      .run(Date.now(), finished ? 0 : 1, this.project, name, holder);
  }
}

/** The abandoned-run records of a dead holder's run: one per view in `views` with no run finished since it began. */
export function abandonedRunRecords(
  a: AbandonedLease,
  takenOverBy: string,
  views: readonly { name: string; lastFinishedMs: number | undefined }[],
): MaterializationRunRecord[] {
  return views
    .filter((v) => v.lastFinishedMs === undefined || v.lastFinishedMs < a.acquired.getTime())
    .map((v) => ({
      featureView: v.name,
      start: a.acquired,
      end: a.expired,
      outcome: "abandoned" as const,
      rowsRead: 0,
      entitiesWritten: 0,
      error: abandonedMessage(a, takenOverBy),
      scheduled: true,
    }));
}

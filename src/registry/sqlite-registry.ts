import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { RegistryConfig } from "../config/types.js";
import { Code, FstoreError, failedPrecondition, unavailable } from "../errors/index.js";
import type { LeaseRequest } from "./lease.js";
import type { RepoDefinitions } from "./model.js";
import { type ObjectRow, snapshotOfRows, tableOfRows } from "./object-rows.js";
import { diffObjects, type ObjectTable, type ObjectType, objectTableOf } from "./plan-diff.js";
import type {
  LeaseOutcome,
  MaterializationIntervalRecord,
  MaterializationRunRecord,
  PlannedChange,
  Registry,
  RegistrySnapshot,
} from "./registry.js";
import { migrateToOnlineStoreScope, SCHEMA_SQL, SCHEMA_VERSION } from "./registry-schema.js";
import { abandonedRunRecords, SqliteLeases } from "./sqlite-lease.js";

export interface SqliteRegistryOptions {
  project: string;
  registry: RegistryConfig;
  /**
   * Identity of the configured online store (`onlineStoreIdentity`):
   * materialization intervals and runs are read and written for it alone.
   */
  onlineStore: string;
}

interface RunRow {
  feature_view: string;
  start_ms: number;
  end_ms: number;
  outcome: MaterializationRunRecord["outcome"];
  rows_read: number;
  entities_written: number;
  error: string;
  scheduled: number;
}

/**
 * The registry over one SQLite file (WAL, so readers never block the writer).
 * `snapshot()` is served from memory; at most every `cacheTtlSeconds` it asks
 * SQLite whether another connection committed (`PRAGMA data_version`) and
 * re-reads only if the applied version moved.
 */
export class SqliteRegistry implements Registry {
  readonly #db: Database.Database;
  readonly #project: string;
  readonly #onlineStore: string;
  readonly #ttlMs: number;
  #cached: RegistrySnapshot | undefined;
  #checkedAt = 0;
  #dataVersion = -1;
  readonly #leases: SqliteLeases;

  constructor(options: SqliteRegistryOptions) {
    this.#project = options.project;
    this.#onlineStore = options.onlineStore;
    this.#ttlMs = Math.max(0, options.registry.cacheTtlSeconds * 1000);
    const path = options.registry.path;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path);
      this.#db.pragma("busy_timeout = 10000");
      this.#db.pragma("journal_mode = WAL");
      // The registry records what was durably materialized: commits must survive a crash.
      this.#db.pragma("synchronous = FULL");
      const version = this.#db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw failedPrecondition(
          `registry ${path} was written by a newer fstore (schema ${version}, this one reads ${SCHEMA_VERSION})`,
        );
      }
      this.#db
        .transaction(() => {
          if (version === 1) migrateToOnlineStoreScope(this.#db, this.#onlineStore);
          this.#db.exec(SCHEMA_SQL);
          if (version < SCHEMA_VERSION) this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
        })
        .immediate();
      this.#leases = new SqliteLeases(this.#db, this.#project);
    } catch (err) {
      if (err instanceof FstoreError) throw err;
      throw failedPrecondition(`cannot open registry ${path}: ${(err as Error).message}`, err);
    }
  }

  snapshot(): RegistrySnapshot {
    return this.#guard(() => {
      const now = Date.now();
      if (this.#cached && now - this.#checkedAt < this.#ttlMs) return this.#cached;
      this.#checkedAt = now;
      const dataVersion = this.#db.pragma("data_version", { simple: true }) as number;
      if (this.#cached && dataVersion === this.#dataVersion) return this.#cached;
      this.#dataVersion = dataVersion;
      const version = this.#readVersion();
      if (this.#cached && this.#cached.version === version) return this.#cached;
      this.#cached = this.#readSnapshot(version);
      return this.#cached;
    });
  }

  async plan(defs: RepoDefinitions): Promise<PlannedChange[]> {
    return this.#guard(() => diffObjects(this.#readTable(), objectTableOf(defs)));
  }

  async apply(defs: RepoDefinitions): Promise<PlannedChange[]> {
    const next = objectTableOf(defs);
    const write = this.#db.transaction(() => {
      const changes = diffObjects(this.#readTable(), next);
      if (changes.length === 0) return changes;
      const now = Date.now();
      const upsert = this.#db.prepare(
        `INSERT INTO objects (project, kind, name, spec, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (project, kind, name) DO UPDATE SET spec = excluded.spec, updated_ms = excluded.updated_ms`,
      );
      const remove = this.#db.prepare("DELETE FROM objects WHERE project = ? AND kind = ? AND name = ?");
      const removeIntervals = this.#db.prepare(
        "DELETE FROM materialization_intervals WHERE project = ? AND feature_view = ?",
      );
      for (const change of changes) {
        const type = change.objectType as ObjectType;
        if (change.kind === "remove") {
          remove.run(this.#project, type, change.name);
          // A removed view's materialized history no longer describes anything.
          if (type === "feature_view") removeIntervals.run(this.#project, change.name);
        } else {
          const def = next.get(type)?.get(change.name);
          upsert.run(this.#project, type, change.name, JSON.stringify(def), now, now);
        }
      }
      this.#db
        .prepare(
          `INSERT INTO meta (project, key, value) VALUES (?, 'version', ?)
           ON CONFLICT (project, key) DO UPDATE SET value = excluded.value`,
        )
        .run(this.#project, String(this.#readVersion() + 1));
      return changes;
    });
    return this.#guard(() => {
      const changes = write.immediate();
      if (changes.length > 0) this.#cached = undefined;
      return changes;
    });
  }

  async materializationIntervals(featureView: string): Promise<MaterializationIntervalRecord[]> {
    return this.#guard(() => {
      const rows = this.#db
        .prepare(
          `SELECT start_ms, end_ms, recorded_ms FROM materialization_intervals
           WHERE project = ? AND online_store = ? AND feature_view = ? ORDER BY start_ms, end_ms, recorded_ms`,
        )
        .all(this.#project, this.#onlineStore, featureView) as {
        start_ms: number;
        end_ms: number;
        recorded_ms: number;
      }[];
      return rows.map((r) => ({
        featureView,
        start: new Date(r.start_ms),
        end: new Date(r.end_ms),
        recorded: new Date(r.recorded_ms),
      }));
    });
  }

  async recordMaterializationInterval(featureView: string, start: Date, end: Date): Promise<void> {
    this.#guard(() => {
      this.#db
        .prepare(
          `INSERT INTO materialization_intervals (project, online_store, feature_view, start_ms, end_ms, recorded_ms)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(this.#project, this.#onlineStore, featureView, start.getTime(), end.getTime(), Date.now());
    });
  }

  async recordMaterializationRun(run: MaterializationRunRecord): Promise<void> {
    this.#guard(() => this.#writeRun(run));
  }

  #writeRun(run: MaterializationRunRecord): void {
    this.#db
      .prepare(
        `INSERT INTO materialization_runs (project, online_store, feature_view, start_ms, end_ms, outcome,
             rows_read, entities_written, error, scheduled, finished_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        this.#project,
        this.#onlineStore,
        run.featureView,
        run.start.getTime(),
        run.end.getTime(),
        run.outcome,
        run.rowsRead,
        run.entitiesWritten,
        run.error,
        run.scheduled ? 1 : 0,
        Date.now(),
      );
  }

  async lastMaterializationRun(featureView: string): Promise<MaterializationRunRecord | undefined> {
    return this.#guard(() => {
      const row = this.#db
        .prepare(
          `SELECT feature_view, start_ms, end_ms, outcome, rows_read, entities_written, error, scheduled
           FROM materialization_runs WHERE project = ? AND online_store = ? AND feature_view = ?
           ORDER BY id DESC LIMIT 1`,
        )
        .get(this.#project, this.#onlineStore, featureView) as RunRow | undefined;
      if (!row) return undefined;
      return {
        featureView: row.feature_view,
        start: new Date(row.start_ms),
        end: new Date(row.end_ms),
        outcome: row.outcome,
        rowsRead: row.rows_read,
        entitiesWritten: row.entities_written,
        error: row.error,
        scheduled: row.scheduled === 1,
      };
    });
  }

  async otherOnlineStores(featureView: string): Promise<string[]> {
    return this.#guard(() =>
      (
        this.#db
          .prepare(
            `SELECT DISTINCT online_store FROM materialization_intervals
             WHERE project = ? AND feature_view = ? AND online_store <> ? ORDER BY online_store`,
          )
          .all(this.#project, featureView, this.#onlineStore) as { online_store: string }[]
      ).map((r) => r.online_store),
    );
  }

  async acquireLease(req: LeaseRequest): Promise<LeaseOutcome> {
    return this.#guard(() =>
      this.#leases.acquire(
        req,
        (abandoned) => {
          const finished = new Map(
            (
              this.#db
                .prepare(
                  "SELECT feature_view, MAX(finished_ms) AS f FROM materialization_runs WHERE project = ? AND online_store = ? GROUP BY feature_view",
                )
                .all(this.#project, this.#onlineStore) as { feature_view: string; f: number }[]
            ).map((r) => [r.feature_view, r.f]),
          );
          const views = [...this.#readSnapshot(this.#readVersion()).featureViews.values()]
            .filter((v) => v.online)
            .map((v) => ({ name: v.name, lastFinishedMs: finished.get(v.name) }));
          return abandonedRunRecords(abandoned, req.holder, views);
        },
        (run) => this.#writeRun(run),
      ),
    );
  }

  async renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.#guard(() => this.#leases.renew(name, holder, ttlMs));
  }

  async releaseLease(name: string, holder: string, finished: boolean): Promise<void> {
    this.#guard(() => this.#leases.release(name, holder, finished));
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #readVersion(): number {
    const row = this.#db
      .prepare("SELECT value FROM meta WHERE project = ? AND key = 'version'")
      .get(this.#project) as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  #readRows(): ObjectRow[] {
    return this.#db
      .prepare(
        "SELECT kind, name, spec, created_ms, updated_ms FROM objects WHERE project = ? ORDER BY kind, name",
      )
      .all(this.#project) as ObjectRow[];
  }

  #readTable(): ObjectTable {
    return tableOfRows(this.#readRows());
  }

  #readSnapshot(version: number): RegistrySnapshot {
    return snapshotOfRows(this.#project, version, this.#readRows());
  }

  /** Translates driver errors where they enter: a locked or unreadable registry is retryable. */
  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      if (err instanceof FstoreError) throw err;
      const code = (err as { code?: string }).code ?? "";
      if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
        throw unavailable(
          `registry is busy (another process is applying); retry: ${(err as Error).message}`,
          err,
        );
      }
      if (!this.#db.open)
        throw new FstoreError(Code.FailedPrecondition, "registry is closed", { cause: err });
      throw FstoreError.from(err);
    }
  }
}

/**
 * The registry over a PostgreSQL database (`registry_type: sql`), shared by
 * any number of servers on any number of hosts.
 *
 * `snapshot()` never waits on the database: the snapshot lives in memory,
 * loaded before `open` resolves, and is refreshed in the background: every
 * cache_ttl_seconds (one cheap version read; objects are re-read only when the
 * version moved) and at once when another server's apply commits (its
 * transaction sends NOTIFY on `fstore_registry`; every registry LISTENs). An
 * apply through this registry updates its own snapshot before it returns.
 *
 * Writes that must be atomic run in one transaction: apply (serialized per
 * project by an advisory lock, so two concurrent applies diff against each
 * other's result), and lease decisions (`SELECT ... FOR UPDATE` on the lease
 * row, the dead holder's abandoned runs written in the same transaction).
 */
import pg from "pg";
import type { RegistryConfig } from "../config/types.js";
import { Code, FstoreError, failedPrecondition, truncated, unavailable } from "../errors/index.js";
import type { LeaseRequest, LeaseRow } from "./lease.js";
import { decideLease } from "./lease.js";
import type { RepoDefinitions } from "./model.js";
import { type ObjectRow, snapshotOfRows, tableOfRows } from "./object-rows.js";
import { diffObjects, type ObjectType, objectTableOf } from "./plan-diff.js";
import {
  PG_NOTIFY_CHANNEL,
  PG_PROJECT_TABLES,
  PG_SCHEMA_LOCK,
  PG_SCHEMA_SQL,
  PG_SCHEMA_VERSION,
} from "./postgres-schema.js";
import { postgresConnectionString, redactedUrl } from "./postgres-url.js";
import type {
  LeaseOutcome,
  MaterializationIntervalRecord,
  MaterializationRunRecord,
  PlannedChange,
  Registry,
  RegistrySnapshot,
} from "./registry.js";
import { abandonedRunRecords } from "./sqlite-lease.js";

export interface PostgresRegistryOptions {
  project: string;
  registry: RegistryConfig;
  /** Identity of the configured online store: intervals and runs are read and written for it alone. */
  onlineStore: string;
  /** How long opening a connection may take before the registry is UNAVAILABLE. Default 5 s. */
  connectTimeoutMs?: number;
}

/** Background refreshes never run more often than this, even with cache_ttl_seconds 0. */
const MIN_REFRESH_MS = 200;
/** Reconnecting the LISTEN connection after a loss: first delay, doubling up to the cap. */
const LISTEN_RETRY_MS = [250, 5000] as const;

type Queryable = Pick<pg.PoolClient, "query">;

interface RunRow {
  feature_view: string;
  start_ms: string;
  end_ms: string;
  outcome: MaterializationRunRecord["outcome"];
  rows_read: string;
  entities_written: string;
  error: string;
  scheduled: boolean;
}

export class PostgresRegistry implements Registry {
  readonly #pool: pg.Pool;
  readonly #project: string;
  readonly #onlineStore: string;
  readonly #where: string;
  readonly #connectionString: string;
  readonly #connectTimeoutMs: number;
  #cached: RegistrySnapshot;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #timer: NodeJS.Timeout | undefined;
  #listener: pg.Client | undefined;
  #listenRetry: NodeJS.Timeout | undefined;
  #listenDelayMs: number = LISTEN_RETRY_MS[0];
  #closed = false;
  /** The last background refresh error (the snapshot stays the last one read); cleared by a success. */
  lastRefreshError: FstoreError | undefined;

  private constructor(options: PostgresRegistryOptions, connectionString: string, pool: pg.Pool) {
    this.#project = options.project;
    this.#onlineStore = options.onlineStore;
    this.#where = redactedUrl(options.registry.path);
    this.#connectionString = connectionString;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#pool = pool;
    this.#cached = snapshotOfRows(this.#project, 0, []);
  }

  /** Connects, creates the tables when missing, reads the snapshot, and starts listening for applies. */
  static async open(options: PostgresRegistryOptions): Promise<PostgresRegistry> {
    const url = postgresConnectionString(options.registry.path);
    if (!url.ok) throw failedPrecondition(`registry: ${url.error}`);
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const pool = new pg.Pool({
      connectionString: url.value,
      max: 4,
      connectionTimeoutMillis: connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: "fstore",
    });
    // An idle connection dropped by the server (restart, failover) must not crash the process:
    // the pool discards it and the next query opens a new one.
    pool.on("error", () => {});
    const registry = new PostgresRegistry(options, url.value, pool);
    try {
      await registry.#createSchema();
      registry.#cached = await registry.#readConsistent();
    } catch (err) {
      await pool.end().catch(() => {});
      throw registry.#translate(err, "cannot open registry");
    }
    const ttlMs = Math.max(MIN_REFRESH_MS, options.registry.cacheTtlSeconds * 1000);
    registry.#timer = setInterval(() => registry.#refresh(), ttlMs);
    registry.#timer.unref();
    registry.#listen();
    return registry;
  }

  snapshot(): RegistrySnapshot {
    return this.#cached;
  }

  async plan(defs: RepoDefinitions): Promise<PlannedChange[]> {
    return this.#run("plan", async (db) =>
      diffObjects(tableOfRows(await this.#readRows(db)), objectTableOf(defs)),
    );
  }

  async apply(defs: RepoDefinitions): Promise<PlannedChange[]> {
    const next = objectTableOf(defs);
    const { changes, snapshot } = await this.#transaction("apply", async (db) => {
      // Applies of one project run one at a time: each diffs against the previous one's result.
      await db.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`fstore:apply:${this.#project}`]);
      const changes = diffObjects(tableOfRows(await this.#readRows(db)), next);
      if (changes.length === 0) return { changes, snapshot: undefined };
      const now = Date.now();
      for (const change of changes) {
        const type = change.objectType as ObjectType;
        if (change.kind === "remove") {
          await db.query("DELETE FROM fstore_objects WHERE project = $1 AND kind = $2 AND name = $3", [
            this.#project,
            type,
            change.name,
          ]);
          // A removed view's materialized history no longer describes anything.
          if (type === "feature_view") {
            await db.query(
              "DELETE FROM fstore_materialization_intervals WHERE project = $1 AND feature_view = $2",
              [this.#project, change.name],
            );
          }
        } else {
          const def = next.get(type)?.get(change.name);
          await db.query(
            `INSERT INTO fstore_objects (project, kind, name, spec, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (project, kind, name) DO UPDATE SET spec = EXCLUDED.spec, updated_ms = EXCLUDED.updated_ms`,
            [this.#project, type, change.name, JSON.stringify(def), now],
          );
        }
      }
      const version = (await this.#readVersion(db)) + 1;
      await db.query(
        `INSERT INTO fstore_meta (project, key, value) VALUES ($1, 'version', $2)
         ON CONFLICT (project, key) DO UPDATE SET value = EXCLUDED.value`,
        [this.#project, String(version)],
      );
      // Delivered at commit to every listening registry (this one too).
      await db.query("SELECT pg_notify($1, $2)", [PG_NOTIFY_CHANNEL, this.#project]);
      return { changes, snapshot: snapshotOfRows(this.#project, version, await this.#readRows(db)) };
    });
    if (snapshot && snapshot.version > this.#cached.version) this.#cached = snapshot;
    return changes;
  }

  async materializationIntervals(featureView: string): Promise<MaterializationIntervalRecord[]> {
    return this.#run("read materialization intervals", async (db) => {
      const { rows } = await db.query<{ start_ms: string; end_ms: string; recorded_ms: string }>(
        `SELECT start_ms, end_ms, recorded_ms FROM fstore_materialization_intervals
         WHERE project = $1 AND online_store = $2 AND feature_view = $3 ORDER BY start_ms, end_ms, recorded_ms`,
        [this.#project, this.#onlineStore, featureView],
      );
      return rows.map((r) => ({
        featureView,
        start: new Date(Number(r.start_ms)),
        end: new Date(Number(r.end_ms)),
        recorded: new Date(Number(r.recorded_ms)),
      }));
    });
  }

  async recordMaterializationInterval(featureView: string, start: Date, end: Date): Promise<void> {
    await this.#run("record a materialization interval", (db) =>
      db.query(
        `INSERT INTO fstore_materialization_intervals (project, online_store, feature_view, start_ms, end_ms, recorded_ms)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [this.#project, this.#onlineStore, featureView, start.getTime(), end.getTime(), Date.now()],
      ),
    );
  }

  async recordMaterializationRun(run: MaterializationRunRecord): Promise<void> {
    await this.#run("record a materialization run", (db) => this.#writeRun(db, run));
  }

  async lastMaterializationRun(featureView: string): Promise<MaterializationRunRecord | undefined> {
    return this.#run("read the last materialization run", async (db) => {
      const { rows } = await db.query<RunRow>(
        `SELECT feature_view, start_ms, end_ms, outcome, rows_read, entities_written, error, scheduled
         FROM fstore_materialization_runs WHERE project = $1 AND online_store = $2 AND feature_view = $3
         ORDER BY id DESC LIMIT 1`,
        [this.#project, this.#onlineStore, featureView],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        featureView: row.feature_view,
        start: new Date(Number(row.start_ms)),
        end: new Date(Number(row.end_ms)),
        outcome: row.outcome,
        rowsRead: Number(row.rows_read),
        entitiesWritten: Number(row.entities_written),
        error: row.error,
        scheduled: row.scheduled,
      };
    });
  }

  async otherOnlineStores(featureView: string): Promise<string[]> {
    return this.#run("read materialization intervals", async (db) => {
      const { rows } = await db.query<{ online_store: string }>(
        `SELECT DISTINCT online_store FROM fstore_materialization_intervals
         WHERE project = $1 AND feature_view = $2 AND online_store <> $3 ORDER BY online_store`,
        [this.#project, featureView, this.#onlineStore],
      );
      return rows.map((r) => r.online_store);
    });
  }

  async acquireLease(req: LeaseRequest): Promise<LeaseOutcome> {
    return this.#transaction("acquire a lease", async (db): Promise<LeaseOutcome> => {
      // The row exists before it is locked, so two first requests serialize on it too.
      await db.query(
        `INSERT INTO fstore_leases (project, name, holder, slot_ms, acquired_ms, expires_ms, released_ms)
         VALUES ($1, $2, '', -1, 0, 0, 0) ON CONFLICT (project, name) DO NOTHING`,
        [this.#project, req.name],
      );
      const { rows } = await db.query<{
        holder: string;
        slot_ms: string;
        acquired_ms: string;
        expires_ms: string;
        released_ms: string | null;
      }>(
        "SELECT holder, slot_ms, acquired_ms, expires_ms, released_ms FROM fstore_leases WHERE project = $1 AND name = $2 FOR UPDATE",
        [this.#project, req.name],
      );
      const found = rows[0];
      // The placeholder row (slot -1, released) is no lease at all.
      const current: LeaseRow | undefined =
        found && Number(found.slot_ms) >= 0
          ? {
              holder: found.holder,
              slotMs: Number(found.slot_ms),
              acquiredMs: Number(found.acquired_ms),
              expiresMs: Number(found.expires_ms),
              releasedMs: found.released_ms === null ? null : Number(found.released_ms),
            }
          : undefined;
      const now = Date.now();
      const d = decideLease(current, req, now);
      if (d.kind !== "grant") return d;
      await db.query(
        `UPDATE fstore_leases SET holder = $3, slot_ms = $4, acquired_ms = $5, expires_ms = $6, released_ms = NULL
         WHERE project = $1 AND name = $2`,
        [this.#project, req.name, d.row.holder, d.row.slotMs, d.row.acquiredMs, d.row.expiresMs],
      );
      if (!d.abandoned) return { kind: "grant", abandonedRuns: [] };
      let abandonedRuns: MaterializationRunRecord[] = [];
      if (req.materializationRuns !== false) {
        const finished = await db.query<{ feature_view: string; f: string }>(
          `SELECT feature_view, MAX(finished_ms) AS f FROM fstore_materialization_runs
           WHERE project = $1 AND online_store = $2 GROUP BY feature_view`,
          [this.#project, this.#onlineStore],
        );
        const lastFinished = new Map(finished.rows.map((r) => [r.feature_view, Number(r.f)]));
        const snapshot = snapshotOfRows(this.#project, 0, await this.#readRows(db));
        const views = [...snapshot.featureViews.values()]
          .filter((v) => v.online)
          .map((v) => ({ name: v.name, lastFinishedMs: lastFinished.get(v.name) }));
        abandonedRuns = abandonedRunRecords(d.abandoned, req.holder, views);
        for (const run of abandonedRuns) await this.#writeRun(db, run);
      }
      return { kind: "grant", abandonedRuns, abandoned: d.abandoned };
    });
  }

  async renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.#run("renew a lease", async (db) => {
      const r = await db.query(
        "UPDATE fstore_leases SET expires_ms = $1 WHERE project = $2 AND name = $3 AND holder = $4 AND released_ms IS NULL",
        [Date.now() + ttlMs, this.#project, name, holder],
      );
      return r.rowCount === 1;
    });
  }

  async releaseLease(name: string, holder: string, finished: boolean): Promise<void> {
    // An unfinished slot is released as the instant before it: not done, so a waiting server takes it.
    await this.#run("release a lease", (db) =>
      db.query(
        `UPDATE fstore_leases SET released_ms = $1, slot_ms = slot_ms - $2
         WHERE project = $3 AND name = $4 AND holder = $5 AND released_ms IS NULL`,
        [Date.now(), finished ? 0 : 1, this.#project, name, holder],
      ),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#listenRetry);
    const listener = this.#listener;
    this.#listener = undefined;
    await this.#refreshing?.catch(() => {});
    await listener?.end().catch(() => {});
    await this.#pool.end();
  }

  /** Deletes `project`'s rows from every registry table (fstore teardown); returns the projects left. */
  async deleteProject(project: string): Promise<string[]> {
    return this.#transaction("tear down the project", async (db) => {
      // The registry's tables, and those other stores keep in the same database (monitoring) when present.
      const { rows } = await db.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name LIKE 'fstore%' AND column_name = 'project'`,
      );
      const tables = [...new Set([...PG_PROJECT_TABLES, ...rows.map((r) => r.t)])].sort();
      for (const table of tables) await db.query(`DELETE FROM "${table}" WHERE project = $1`, [project]);
      const left = await db.query<{ project: string }>(
        `${tables.map((t) => `SELECT project FROM "${t}"`).join(" UNION ")} ORDER BY project`,
      );
      return left.rows.map((r) => r.project);
    });
  }

  async #createSchema(): Promise<void> {
    await this.#transaction("open the registry", async (db) => {
      // Servers starting together would race on CREATE TABLE IF NOT EXISTS (catalog unique violations).
      await db.query("SELECT pg_advisory_xact_lock($1)", [PG_SCHEMA_LOCK]);
      const exists = await db.query("SELECT to_regclass('fstore_schema') AS t");
      if (exists.rows[0]?.t) {
        const { rows } = await db.query<{ version: number }>(
          "SELECT version FROM fstore_schema WHERE id = 1",
        );
        const version = rows[0]?.version ?? 0;
        if (version > PG_SCHEMA_VERSION) {
          throw failedPrecondition(
            `registry ${this.#where} was written by a newer fstore (schema ${version}, this one reads ${PG_SCHEMA_VERSION})`,
          );
        }
      }
      await db.query(PG_SCHEMA_SQL);
      await db.query(
        `INSERT INTO fstore_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version`,
        [PG_SCHEMA_VERSION],
      );
    });
  }

  /** The version and the objects of one moment (one REPEATABLE READ transaction): never rows of a later apply under an earlier version. */
  async #readConsistent(): Promise<RegistrySnapshot> {
    return this.#transaction(
      "read the registry",
      async (db) => snapshotOfRows(this.#project, await this.#readVersion(db), await this.#readRows(db)),
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    );
  }

  async #readVersion(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ value: string }>(
      "SELECT value FROM fstore_meta WHERE project = $1 AND key = 'version'",
      [this.#project],
    );
    return rows[0] ? Number(rows[0].value) : 0;
  }

  async #readRows(db: Queryable): Promise<ObjectRow[]> {
    const { rows } = await db.query<ObjectRow>(
      "SELECT kind, name, spec, created_ms, updated_ms FROM fstore_objects WHERE project = $1 ORDER BY kind, name",
      [this.#project],
    );
    return rows;
  }

  async #writeRun(db: Queryable, run: MaterializationRunRecord): Promise<void> {
    await db.query(
      `INSERT INTO fstore_materialization_runs (project, online_store, feature_view, start_ms, end_ms, outcome,
         rows_read, entities_written, error, scheduled, finished_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        this.#project,
        this.#onlineStore,
        run.featureView,
        run.start.getTime(),
        run.end.getTime(),
        run.outcome,
        run.rowsRead,
        run.entitiesWritten,
        run.error,
        run.scheduled,
        Date.now(),
      ],
    );
  }

  /**
   * Re-reads the snapshot when the version moved. One refresh at a time; a
   * request during one runs once more after it (a NOTIFY may have raced it).
   */
  #refresh(): void {
    if (this.#closed) return;
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#refreshAgain = false;
          const version = await this.#readVersion(this.#pool);
          if (version !== this.#cached.version) {
            const next = await this.#readConsistent();
            if (!this.#closed) this.#cached = next;
          }
        } while (this.#refreshAgain && !this.#closed);
        this.lastRefreshError = undefined;
      } catch (err) {
        // The last snapshot keeps being served; the next tick (or NOTIFY) tries again.
        this.lastRefreshError = this.#translate(err, "cannot refresh the registry");
      } finally {
        this.#refreshing = undefined;
      }
    })();
  }

  /** A dedicated connection LISTENing for applies; reconnects with backoff when lost. */
  #listen(): void {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.#connectionString,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      keepAlive: true,
      application_name: "fstore-listen",
    });
    this.#listener = client;
    const lost = () => {
      if (this.#listener !== client || this.#closed) return;
      this.#listener = undefined;
      client.end().catch(() => {});
      this.#listenRetry = setTimeout(() => this.#listen(), this.#listenDelayMs);
      this.#listenRetry.unref();
      this.#listenDelayMs = Math.min(LISTEN_RETRY_MS[1], this.#listenDelayMs * 2);
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (n) => {
      if (n.channel === PG_NOTIFY_CHANNEL && n.payload === this.#project) this.#refresh();
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${PG_NOTIFY_CHANNEL}`))
      .then(() => {
        this.#listenDelayMs = LISTEN_RETRY_MS[0];
        // Applies committed while no connection listened are found by this read.
        this.#refresh();
      })
      .catch(lost);
  }

  async #run<T>(what: string, work: (db: Queryable) => Promise<T>): Promise<T> {
    if (this.#closed) throw new FstoreError(Code.FailedPrecondition, "registry is closed");
    try {
      return await work(this.#pool);
    } catch (err) {
      throw this.#translate(err, `registry: cannot ${what}`);
    }
  }

  async #transaction<T>(what: string, work: (db: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
    if (this.#closed) throw new FstoreError(Code.FailedPrecondition, "registry is closed");
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw this.#translate(err, `registry: cannot ${what}`);
    }
    let broken = false;
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw this.#translate(err, `registry: cannot ${what}`);
    } finally {
      client.release(broken);
    }
  }

  /** Driver errors as statuses, where they enter: unreachable or overloaded is retryable, misconfigured is not. */
  #translate(err: unknown, what: string): FstoreError {
    if (err instanceof FstoreError) return err;
    const e = err as { code?: string; message?: string };
    const code = e.code ?? "";
    const detail = truncated(`${what} (${this.#where}): ${e.message ?? String(err)}`, 512);
    // 3D000 no such database, 28xxx authentication, 42501 permission: the configuration is wrong.
    if (code === "3D000" || code.startsWith("28") || code === "42501") return failedPrecondition(detail, err);
    // Connection failures (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENOTFOUND while DNS is down...),
    // class 08 (connection), 53 (resources), 57P0x (shutdown), 40001/40P01 (serialization, deadlock):
    // another attempt may succeed.
    if (
      /^E[A-Z]+$/.test(code) ||
      code.startsWith("08") ||
      code.startsWith("53") ||
      code.startsWith("57P") ||
      code === "40001" ||
      code === "40P01" ||
      /timeout|terminated|Connection terminated/i.test(e.message ?? "")
    ) {
      return unavailable(detail, err);
    }
    return new FstoreError(Code.Internal, detail, { cause: err });
  }
}

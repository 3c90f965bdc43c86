/**
 * The lineage store in the SQLite registry file: its own tables (created
 * when missing) on its own connection, so the registry's schema and its
 * writers are untouched. WAL mode lets it write beside a running server.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { FstoreError, failedPrecondition, unavailable } from "../errors/index.js";
import type { NamedDef, ObjectType } from "../registry/plan-diff.js";
import { isPostgresUrl } from "../registry/postgres-url.js";
import type { DatasetManifest } from "./dataset-manifest.js";
import type { LineageStore, MaterializationLineage } from "./lineage-store.js";
import { type LatestVersions, type ObjectVersion, objectKey } from "./object-versions.js";
import { PostgresLineageStore } from "./postgres-lineage-store.js";

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS object_versions (
  project TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  applied_by TEXT NOT NULL,
  git_commit TEXT NOT NULL,
  git_dirty INTEGER NOT NULL,
  dependencies TEXT NOT NULL,
  PRIMARY KEY (project, kind, name, version)
);
CREATE TABLE IF NOT EXISTS lineage_datasets (
  project TEXT NOT NULL,
  id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  row_count INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  PRIMARY KEY (project, id)
);
CREATE INDEX IF NOT EXISTS lineage_datasets_by_time ON lineage_datasets (project, created_ms);
CREATE TABLE IF NOT EXISTS lineage_materializations (
  project TEXT NOT NULL,
  online_store TEXT NOT NULL,
  run_id TEXT NOT NULL,
  feature_view TEXT NOT NULL,
  window_start_ms INTEGER NOT NULL,
  window_end_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (project, run_id)
);
CREATE INDEX IF NOT EXISTS lineage_materializations_by_view
  ON lineage_materializations (project, online_store, feature_view, window_end_ms);
`;

interface VersionRow {
  kind: string;
  name: string;
  version: number;
  content_hash: string;
  spec: string;
  created_ms: number;
  applied_by: string;
  git_commit: string;
  git_dirty: number;
  dependencies: string;
}

const VERSION_COLUMNS =
  "kind, name, version, content_hash, spec, created_ms, applied_by, git_commit, git_dirty, dependencies";

export interface SqliteLineageStoreOptions {
  project: string;
  /** The registry's SQLite file. */
  path: string;
}

export class SqliteLineageStore implements LineageStore {
  readonly #db: Database.Database;
  readonly #project: string;

  constructor(options: SqliteLineageStoreOptions) {
    this.#project = options.project;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      this.#db = new Database(options.path);
      this.#db.pragma("busy_timeout = 10000");
      this.#db.pragma("journal_mode = WAL");
      this.#db.exec(SCHEMA_SQL);
    } catch (err) {
      throw failedPrecondition(
        `cannot open lineage tables in ${options.path}: ${(err as Error).message}`,
        err,
      );
    }
  }

  async latestVersions(): Promise<LatestVersions> {
    return this.#guard(() => {
      const rows = this.#db
        .prepare(
          `SELECT kind, name, version, content_hash FROM object_versions v WHERE project = ?
           AND version = (SELECT MAX(version) FROM object_versions w
                          WHERE w.project = v.project AND w.kind = v.kind AND w.name = v.name)`,
        )
        .all(this.#project) as { kind: string; name: string; version: number; content_hash: string }[];
      return new Map(
        rows.map((r) => [objectKey(r.kind, r.name), { version: r.version, contentHash: r.content_hash }]),
      );
    });
  }

  async recordVersions(versions: readonly ObjectVersion[]): Promise<void> {
    if (versions.length === 0) return;
    const insert = this.#db.prepare(
      `INSERT INTO object_versions (project, ${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const write = this.#db.transaction(() => {
      for (const v of versions) {
        insert.run(
          this.#project,
          v.kind,
          v.name,
          v.version,
          v.contentHash,
          JSON.stringify(v.definition),
          v.createdAt.getTime(),
          v.appliedBy,
          v.gitCommit,
          v.gitDirty ? 1 : 0,
          JSON.stringify(v.dependencies),
        );
      }
    });
    this.#guard(() => write.immediate());
  }

  async history(name: string, kind?: string): Promise<ObjectVersion[]> {
    return this.#guard(() =>
      (
        this.#db
          .prepare(
            `SELECT ${VERSION_COLUMNS} FROM object_versions WHERE project = ? AND name = ?
             ${kind ? "AND kind = ?" : ""} ORDER BY kind, version`,
          )
          .all(this.#project, name, ...(kind ? [kind] : [])) as VersionRow[]
      ).map(versionOf),
    );
  }

  async version(kind: string, name: string, version: number): Promise<ObjectVersion | undefined> {
    return this.#guard(() => {
      const row = this.#db
        .prepare(
          `SELECT ${VERSION_COLUMNS} FROM object_versions WHERE project = ? AND kind = ? AND name = ? AND version = ?`,
        )
        .get(this.#project, kind, name, version) as VersionRow | undefined;
      return row ? versionOf(row) : undefined;
    });
  }

  async versionByHash(kind: string, name: string, hash: string): Promise<ObjectVersion | undefined> {
    return this.#guard(() => {
      const row = this.#db
        .prepare(
          `SELECT ${VERSION_COLUMNS} FROM object_versions
           WHERE project = ? AND kind = ? AND name = ? AND content_hash = ? ORDER BY version DESC LIMIT 1`,
        )
        .get(this.#project, kind, name, hash) as VersionRow | undefined;
      return row ? versionOf(row) : undefined;
    });
  }

  async recordDataset(manifest: DatasetManifest): Promise<void> {
    this.#guard(() =>
      this.#db
        .prepare(
          "INSERT INTO lineage_datasets (project, id, created_ms, row_count, manifest) VALUES (?, ?, ?, ?, ?)",
        )
        .run(
          this.#project,
          manifest.id,
          Date.parse(manifest.createdAt),
          manifest.rowCount,
          JSON.stringify(manifest),
        ),
    );
  }

  async dataset(id: string): Promise<DatasetManifest | undefined> {
    return this.#guard(() => {
      const row = this.#db
        .prepare("SELECT manifest FROM lineage_datasets WHERE project = ? AND id = ?")
        .get(this.#project, id) as { manifest: string } | undefined;
      return row ? (JSON.parse(row.manifest) as DatasetManifest) : undefined;
    });
  }

  async listDatasets(limit: number): Promise<{ id: string; createdAt: string; rowCount: number }[]> {
    return this.#guard(() =>
      (
        this.#db
          .prepare(
            "SELECT id, created_ms, row_count FROM lineage_datasets WHERE project = ? ORDER BY created_ms DESC, id LIMIT ?",
          )
          .all(this.#project, limit) as { id: string; created_ms: number; row_count: number }[]
      ).map((r) => ({ id: r.id, createdAt: new Date(r.created_ms).toISOString(), rowCount: r.row_count })),
    );
  }

  async recordMaterialization(onlineStore: string, run: MaterializationLineage): Promise<void> {
    this.#guard(() =>
      this.#db
        .prepare(
          `INSERT INTO lineage_materializations (project, online_store, run_id, feature_view, window_start_ms,
             window_end_ms, finished_ms, outcome, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          this.#project,
          onlineStore,
          run.runId,
          run.featureView,
          Date.parse(run.windowStart),
          Date.parse(run.windowEnd),
          Date.parse(run.finishedAt),
          run.outcome,
          JSON.stringify(run),
        ),
    );
  }

  async materializationsCovering(
    onlineStore: string,
    featureView: string,
    eventTime: Date,
  ): Promise<MaterializationLineage[]> {
    return this.#guard(() =>
      (
        this.#db
          .prepare(
            `SELECT record FROM lineage_materializations
             WHERE project = ? AND online_store = ? AND feature_view = ? AND outcome = 'succeeded'
               AND window_start_ms <= ? AND window_end_ms >= ?
             ORDER BY finished_ms DESC, rowid DESC`,
          )
          .all(this.#project, onlineStore, featureView, eventTime.getTime(), eventTime.getTime()) as {
          record: string;
        }[]
      ).map((r) => JSON.parse(r.record) as MaterializationLineage),
    );
  }

  async recentMaterializations(
    onlineStore: string,
    featureView: string,
    limit: number,
  ): Promise<MaterializationLineage[]> {
    return this.#guard(() =>
      (
        this.#db
          .prepare(
            `SELECT record FROM lineage_materializations
             WHERE project = ? AND online_store = ? AND feature_view = ?
             ORDER BY finished_ms DESC, rowid DESC LIMIT ?`,
          )
          .all(this.#project, onlineStore, featureView, limit) as { record: string }[]
      ).map((r) => JSON.parse(r.record) as MaterializationLineage),
    );
  }

  async materialization(runId: string): Promise<MaterializationLineage | undefined> {
    return this.#guard(() => {
      const row = this.#db
        .prepare("SELECT record FROM lineage_materializations WHERE project = ? AND run_id = ?")
        .get(this.#project, runId) as { record: string } | undefined;
      return row ? (JSON.parse(row.record) as MaterializationLineage) : undefined;
    });
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      if (err instanceof FstoreError) throw err;
      const code = (err as { code?: string }).code ?? "";
      if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
        throw unavailable(`lineage store is busy; retry: ${(err as Error).message}`, err);
      if (code.startsWith("SQLITE_CONSTRAINT"))
        throw failedPrecondition(
          `lineage store: a concurrent write recorded the same entry: ${(err as Error).message}`,
          err,
        );
      throw FstoreError.from(err);
    }
  }
}

function versionOf(r: VersionRow): ObjectVersion {
  return {
    kind: r.kind as ObjectType,
    name: r.name,
    version: r.version,
    contentHash: r.content_hash,
    definition: JSON.parse(r.spec) as NamedDef,
    createdAt: new Date(r.created_ms),
    appliedBy: r.applied_by,
    gitCommit: r.git_commit,
    gitDirty: r.git_dirty === 1,
    dependencies: JSON.parse(r.dependencies) as Record<string, number>,
  };
}

/**
 * Opens the lineage store of a repository config: in the registry's own
 * database, SQLite or PostgreSQL (`registry_type: sql`).
 */
export function openLineageStore(config: {
  project: string;
  registry: { path: string; registryType?: "sqlite" | "sql" };
}): LineageStore {
  if (config.registry.registryType === "sql" || isPostgresUrl(config.registry.path)) {
    return new PostgresLineageStore({ project: config.project, url: config.registry.path });
  }
  return new SqliteLineageStore({ project: config.project, path: config.registry.path });
}

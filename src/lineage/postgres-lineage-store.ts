/**
 * The lineage store in a PostgreSQL registry's database (`registry_type:
 * sql`): the same tables as the SQLite store, created when missing, on a
 * small pool of its own. Connects on first use, so opening it costs nothing.
 */
import pg from "pg";
import { FstoreError, failedPrecondition, unavailable } from "../errors/index.js";
import type { NamedDef, ObjectType } from "../registry/plan-diff.js";
import { postgresConnectionString, redactedUrl } from "../registry/postgres-url.js";
import type { DatasetManifest } from "./dataset-manifest.js";
import type { LineageStore, MaterializationLineage } from "./lineage-store.js";
import { type LatestVersions, type ObjectVersion, objectKey } from "./object-versions.js";

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS object_versions (
  project TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  content_hash TEXT NOT NULL, spec TEXT NOT NULL, created_ms BIGINT NOT NULL, applied_by TEXT NOT NULL,
  git_commit TEXT NOT NULL, git_dirty BOOLEAN NOT NULL, dependencies TEXT NOT NULL,
  PRIMARY KEY (project, kind, name, version)
);
CREATE TABLE IF NOT EXISTS lineage_datasets (
  project TEXT NOT NULL, id TEXT NOT NULL, created_ms BIGINT NOT NULL, row_count BIGINT NOT NULL,
  manifest TEXT NOT NULL, PRIMARY KEY (project, id)
);
CREATE INDEX IF NOT EXISTS lineage_datasets_by_time ON lineage_datasets (project, created_ms);
CREATE TABLE IF NOT EXISTS lineage_materializations (
  project TEXT NOT NULL, online_store TEXT NOT NULL, run_id TEXT NOT NULL, feature_view TEXT NOT NULL,
  window_start_ms BIGINT NOT NULL, window_end_ms BIGINT NOT NULL, finished_ms BIGINT NOT NULL,
  outcome TEXT NOT NULL, record TEXT NOT NULL, seq BIGSERIAL, PRIMARY KEY (project, run_id)
);
CREATE INDEX IF NOT EXISTS lineage_materializations_by_view
  ON lineage_materializations (project, online_store, feature_view, window_end_ms);
`;

const VERSION_COLUMNS =
  "kind, name, version, content_hash, spec, created_ms, applied_by, git_commit, git_dirty, dependencies";

interface VersionRow {
  kind: string;
  name: string;
  version: number;
  content_hash: string;
  spec: string;
  created_ms: string;
  applied_by: string;
  git_commit: string;
  git_dirty: boolean;
  dependencies: string;
}

export class PostgresLineageStore implements LineageStore {
  readonly #project: string;
  readonly #pool: pg.Pool;
  readonly #where: string;
  #ready: Promise<void> | undefined;

  constructor(options: { project: string; url: string }) {
    this.#project = options.project;
    this.#where = redactedUrl(options.url);
    const url = postgresConnectionString(options.url);
    if (!url.ok) throw failedPrecondition(`lineage store: ${url.error}`);
    this.#pool = new pg.Pool({
      connectionString: url.value,
      max: 2,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: "fstore-lineage",
    });
    this.#pool.on("error", () => {});
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      this.#ready ??= this.#pool.query(SCHEMA_SQL).then(() => undefined);
      await this.#ready.catch((err) => {
        this.#ready = undefined;
        throw err;
      });
      return (await this.#pool.query<R>(sql, params)).rows;
    } catch (err) {
      throw this.#translate(err);
    }
  }

  async latestVersions(): Promise<LatestVersions> {
    const rows = await this.#query<{ kind: string; name: string; version: number; content_hash: string }>(
      `SELECT DISTINCT ON (kind, name) kind, name, version, content_hash FROM object_versions
       WHERE project = $1 ORDER BY kind, name, version DESC`,
      [this.#project],
    );
    return new Map(
      rows.map((r) => [objectKey(r.kind, r.name), { version: r.version, contentHash: r.content_hash }]),
    );
  }

  async recordVersions(versions: readonly ObjectVersion[]): Promise<void> {
    if (versions.length === 0) return;
    const values: unknown[] = [];
    const tuples = versions.map((v, i) => {
      values.push(
        this.#project,
        v.kind,
        v.name,
        v.version,
        v.contentHash,
        JSON.stringify(v.definition),
        v.createdAt.getTime(),
        v.appliedBy,
        v.gitCommit,
        v.gitDirty,
        JSON.stringify(v.dependencies),
      );
      const b = i * 11;
      return `(${Array.from({ length: 11 }, (_, k) => `$${b + k + 1}`).join(", ")})`;
    });
    // One statement: all or nothing.
    await this.#query(
      `INSERT INTO object_versions (project, ${VERSION_COLUMNS}) VALUES ${tuples.join(", ")}`,
      values,
    );
  }

  async history(name: string, kind?: string): Promise<ObjectVersion[]> {
    const rows = await this.#query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM object_versions WHERE project = $1 AND name = $2
       ${kind ? "AND kind = $3" : ""} ORDER BY kind, version`,
      [this.#project, name, ...(kind ? [kind] : [])],
    );
    return rows.map(versionOf);
  }

  async version(kind: string, name: string, version: number): Promise<ObjectVersion | undefined> {
    const [row] = await this.#query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM object_versions WHERE project = $1 AND kind = $2 AND name = $3 AND version = $4`,
      [this.#project, kind, name, version],
    );
    return row ? versionOf(row) : undefined;
  }

  async versionByHash(kind: string, name: string, hash: string): Promise<ObjectVersion | undefined> {
    const [row] = await this.#query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM object_versions
       WHERE project = $1 AND kind = $2 AND name = $3 AND content_hash = $4 ORDER BY version DESC LIMIT 1`,
      [this.#project, kind, name, hash],
    );
    return row ? versionOf(row) : undefined;
  }

  async recordDataset(manifest: DatasetManifest): Promise<void> {
    await this.#query(
      "INSERT INTO lineage_datasets (project, id, created_ms, row_count, manifest) VALUES ($1, $2, $3, $4, $5)",
      [
        this.#project,
        manifest.id,
        Date.parse(manifest.createdAt),
        manifest.rowCount,
        JSON.stringify(manifest),
      ],
    );
  }

  async dataset(id: string): Promise<DatasetManifest | undefined> {
    const [row] = await this.#query<{ manifest: string }>(
      "SELECT manifest FROM lineage_datasets WHERE project = $1 AND id = $2",
      [this.#project, id],
    );
    return row ? (JSON.parse(row.manifest) as DatasetManifest) : undefined;
  }

  async listDatasets(limit: number): Promise<{ id: string; createdAt: string; rowCount: number }[]> {
    const rows = await this.#query<{ id: string; created_ms: string; row_count: string }>(
      "SELECT id, created_ms, row_count FROM lineage_datasets WHERE project = $1 ORDER BY created_ms DESC, id LIMIT $2",
      [this.#project, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      createdAt: new Date(Number(r.created_ms)).toISOString(),
      rowCount: Number(r.row_count),
    }));
  }

  async recordMaterialization(onlineStore: string, run: MaterializationLineage): Promise<void> {
    await this.#query(
      `INSERT INTO lineage_materializations (project, online_store, run_id, feature_view, window_start_ms,
         window_end_ms, finished_ms, outcome, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        this.#project,
        onlineStore,
        run.runId,
        run.featureView,
        Date.parse(run.windowStart),
        Date.parse(run.windowEnd),
        Date.parse(run.finishedAt),
        run.outcome,
        JSON.stringify(run),
      ],
    );
  }

  async materializationsCovering(
    onlineStore: string,
    featureView: string,
    eventTime: Date,
  ): Promise<MaterializationLineage[]> {
    const rows = await this.#query<{ record: string }>(
      `SELECT record FROM lineage_materializations
       WHERE project = $1 AND online_store = $2 AND feature_view = $3 AND outcome = 'succeeded'
         AND window_start_ms <= $4 AND window_end_ms >= $4
       ORDER BY finished_ms DESC, seq DESC`,
      [this.#project, onlineStore, featureView, eventTime.getTime()],
    );
    return rows.map((r) => JSON.parse(r.record) as MaterializationLineage);
  }

  async recentMaterializations(
    onlineStore: string,
    featureView: string,
    limit: number,
  ): Promise<MaterializationLineage[]> {
    const rows = await this.#query<{ record: string }>(
      `SELECT record FROM lineage_materializations
       WHERE project = $1 AND online_store = $2 AND feature_view = $3
       ORDER BY finished_ms DESC, seq DESC LIMIT $4`,
      [this.#project, onlineStore, featureView, limit],
    );
    return rows.map((r) => JSON.parse(r.record) as MaterializationLineage);
  }

  async materialization(runId: string): Promise<MaterializationLineage | undefined> {
    const [row] = await this.#query<{ record: string }>(
      "SELECT record FROM lineage_materializations WHERE project = $1 AND run_id = $2",
      [this.#project, runId],
    );
    return row ? (JSON.parse(row.record) as MaterializationLineage) : undefined;
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => {});
  }

  #translate(err: unknown): FstoreError {
    if (err instanceof FstoreError) return err;
    const e = err as { code?: string; message?: string };
    const code = e.code ?? "";
    const detail = `lineage store (${this.#where}): ${e.message ?? String(err)}`;
    if (code === "23505")
      return failedPrecondition(`${detail} (a concurrent write recorded the same entry)`, err);
    if (code === "3D000" || code.startsWith("28") || code === "42501") return failedPrecondition(detail, err);
    if (/^E[A-Z]+$/.test(code) || code.startsWith("08") || code.startsWith("53") || code.startsWith("57P"))
      return unavailable(detail, err);
    return FstoreError.from(err);
  }
}

function versionOf(r: VersionRow): ObjectVersion {
  return {
    kind: r.kind as ObjectType,
    name: r.name,
    version: r.version,
    contentHash: r.content_hash,
    definition: JSON.parse(r.spec) as NamedDef,
    createdAt: new Date(Number(r.created_ms)),
    appliedBy: r.applied_by,
    gitCommit: r.git_commit,
    gitDirty: r.git_dirty,
    dependencies: JSON.parse(r.dependencies) as Record<string, number>,
  };
}

/**
 * Profiles and baselines, stored in the registry's SQLite file beside the
 * registry's own tables (its own connection; WAL lets it and the registry's
 * connection work side by side). The tables are created on first use and
 * scoped by project, like every registry table. A profile is kept as JSON
 * with its source and window as columns, so the history of one source can be
 * listed without parsing.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { RegistryConfig } from "../config/types.js";
import { Code, FstoreError, failedPrecondition, notFound, unavailable } from "../errors/index.js";
import type { DriftThresholds } from "./drift.js";
import type { Profile } from "./profile.js";
import { openPostgresProfileStore } from "./profile-store-pg.js";

const MONITORING_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS monitoring_profiles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  source_name TEXT NOT NULL,
  window_start_ms INTEGER,
  window_end_ms INTEGER,
  created_ms INTEGER NOT NULL,
  profile TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS monitoring_profiles_by_source
  ON monitoring_profiles (project, source_kind, source_name, id);
CREATE TABLE IF NOT EXISTS monitoring_baselines (
  project TEXT NOT NULL,
  feature_service TEXT NOT NULL,
  profile_id INTEGER NOT NULL,
  thresholds TEXT NOT NULL,
  saved_ms INTEGER NOT NULL,
  PRIMARY KEY (project, feature_service)
);
`;

/** A feature service's baseline: the profile drift is measured from, and the service's thresholds. */
export interface Baseline {
  featureService: string;
  profile: Profile;
  thresholds: DriftThresholds;
  saved: Date;
}

/** Profiles and baselines, in the registry's database (a SQLite file, or PostgreSQL: profile-store-pg.ts). */
export interface ProfileStore {
  /** Stores `profile` and returns it with its id. */
  saveProfile(profile: Profile): Promise<Profile>;
  getProfile(id: number): Promise<Profile>;
  /** The latest profiles of a source, newest first. */
  listProfiles(source: Profile["source"], limit: number): Promise<Profile[]>;
  /** Makes the stored profile `profileId` the service's baseline (replacing any). */
  saveBaseline(featureService: string, profileId: number, thresholds: DriftThresholds): Promise<Baseline>;
  getBaseline(featureService: string): Promise<Baseline | undefined>;
  close(): Promise<void>;
}

const msOf = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

/**
 * Opens the monitoring tables of the project's registry (creating them if
 * needed): in its SQLite file, or in its PostgreSQL database (connecting on
 * first use).
 */
export function openProfileStore(options: { project: string; registry: RegistryConfig }): ProfileStore {
  if (options.registry.registryType === "sql")
    return openPostgresProfileStore(options.project, options.registry.path);
  return openSqliteProfileStore(options.project, options.registry.path);
}

function openSqliteProfileStore(project: string, registryPath: string): ProfileStore {
  let db: Database.Database;
  try {
    mkdirSync(dirname(registryPath), { recursive: true });
    db = new Database(registryPath);
    db.pragma("busy_timeout = 10000");
    db.pragma("journal_mode = WAL");
    db.exec(MONITORING_SCHEMA_SQL);
  } catch (err) {
    throw failedPrecondition(
      `cannot open the monitoring tables of registry ${registryPath}: ${(err as Error).message}`,
      err,
    );
  }
  const guard = <T>(work: () => T): T => {
    try {
      return work();
    } catch (err) {
      if (err instanceof FstoreError) throw err;
      const code = (err as { code?: string }).code ?? "";
      if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
        throw unavailable(`registry is busy; retry: ${(err as Error).message}`, err);
      }
      if (!db.open)
        throw new FstoreError(Code.FailedPrecondition, "the profile store is closed", { cause: err });
      throw FstoreError.from(err);
    }
  };
  const parse = (row: { id: number; profile: string }): Profile => ({
    ...(JSON.parse(row.profile) as Profile),
    id: row.id,
  });
  const getProfile = (id: number): Profile =>
    guard(() => {
      const row = db
        .prepare("SELECT id, profile FROM monitoring_profiles WHERE project = ? AND id = ?")
        .get(project, id) as { id: number; profile: string } | undefined;
      if (!row) throw notFound(`profile ${id} is not in the registry`);
      return parse(row);
    });

  return {
    async saveProfile(profile) {
      return guard(() => {
        const { id: _id, ...body } = profile;
        const info = db
          .prepare(
            `INSERT INTO monitoring_profiles (project, source_kind, source_name, window_start_ms, window_end_ms, created_ms, profile)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            project,
            profile.source.kind,
            profile.source.name,
            msOf(profile.window?.start),
            msOf(profile.window?.end),
            Date.parse(profile.createdAt),
            JSON.stringify(body),
          );
        return { ...profile, id: Number(info.lastInsertRowid) };
      });
    },
    getProfile: async (id) => getProfile(id),
    async listProfiles(source, limit) {
      return guard(() =>
        (
          db
            .prepare(
              `SELECT id, profile FROM monitoring_profiles
               WHERE project = ? AND source_kind = ? AND source_name = ? ORDER BY id DESC LIMIT ?`,
            )
            .all(project, source.kind, source.name, limit) as { id: number; profile: string }[]
        ).map(parse),
      );
    },
    async saveBaseline(featureService, profileId, thresholds) {
      const profile = getProfile(profileId);
      const saved = new Date();
      guard(() =>
        db
          .prepare(
            `INSERT INTO monitoring_baselines (project, feature_service, profile_id, thresholds, saved_ms)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (project, feature_service) DO UPDATE SET profile_id = excluded.profile_id,
               thresholds = excluded.thresholds, saved_ms = excluded.saved_ms`,
          )
          .run(project, featureService, profileId, JSON.stringify(thresholds), saved.getTime()),
      );
      return { featureService, profile, thresholds, saved };
    },
    async getBaseline(featureService) {
      const row = guard(
        () =>
          db
            .prepare(
              "SELECT profile_id, thresholds, saved_ms FROM monitoring_baselines WHERE project = ? AND feature_service = ?",
            )
            .get(project, featureService) as
            | { profile_id: number; thresholds: string; saved_ms: number }
            | undefined,
      );
      if (!row) return undefined;
      return {
        featureService,
        profile: getProfile(row.profile_id),
        thresholds: JSON.parse(row.thresholds) as DriftThresholds,
        saved: new Date(row.saved_ms),
      };
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

/**
 * The SQLite registry's tables. Objects are JSON rows per kind and name
 * (model form), scoped by project so one file can hold several projects.
 * Bump SCHEMA_VERSION and add a migration when a table changes.
 *
 * 2: materialization intervals and runs belong to an online store
 *    (`online_store`, the store's identity from config/online-store-identity.ts).
 */
import type Database from "better-sqlite3";

export const SCHEMA_VERSION = 2;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  project TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (project, key)
);
CREATE TABLE IF NOT EXISTS objects (
  project TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (project, kind, name)
);
CREATE TABLE IF NOT EXISTS materialization_intervals (
  project TEXT NOT NULL,
  online_store TEXT NOT NULL DEFAULT '',
  feature_view TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  recorded_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS materialization_intervals_by_store
  ON materialization_intervals (project, online_store, feature_view, start_ms);
CREATE TABLE IF NOT EXISTS materialization_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project TEXT NOT NULL,
  online_store TEXT NOT NULL DEFAULT '',
  feature_view TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  rows_read INTEGER NOT NULL,
  entities_written INTEGER NOT NULL,
  error TEXT NOT NULL,
  scheduled INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS materialization_runs_by_store
  ON materialization_runs (project, online_store, feature_view, id);
`;

/**
 * Schema 1 -> 2: adds `online_store` to the materialization tables. The
 * intervals and runs recorded so far went to the store configured then, which
 * is taken to be the one configured now (`onlineStore`): the file's first
 * opener after the upgrade adopts them. Runs inside the caller's transaction.
 */
export function migrateToOnlineStoreScope(db: Database.Database, onlineStore: string): void {
  for (const table of ["materialization_intervals", "materialization_runs"]) {
    db.exec(`ALTER TABLE ${table} ADD COLUMN online_store TEXT NOT NULL DEFAULT ''`);
    db.prepare(`UPDATE ${table} SET online_store = ? WHERE online_store = ''`).run(onlineStore);
  }
  db.exec("DROP INDEX IF EXISTS materialization_intervals_by_view");
  db.exec("DROP INDEX IF EXISTS materialization_runs_by_view");
}

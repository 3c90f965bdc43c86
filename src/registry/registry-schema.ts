/**
 * The SQLite registry's tables. Objects are JSON rows per kind and name
 * (model form), scoped by project so one file can hold several projects.
 * Bump SCHEMA_VERSION and add a migration when a table changes.
 */
export const SCHEMA_VERSION = 1;

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
  feature_view TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  recorded_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS materialization_intervals_by_view
  ON materialization_intervals (project, feature_view, start_ms);
CREATE TABLE IF NOT EXISTS materialization_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project TEXT NOT NULL,
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
CREATE INDEX IF NOT EXISTS materialization_runs_by_view ON materialization_runs (project, feature_view, id);
`;

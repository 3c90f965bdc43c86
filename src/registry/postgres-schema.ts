/**
 * The PostgreSQL registry's tables: the SQLite registry's (registry-schema.ts)
 * with PostgreSQL types, prefixed `fstore_` so they can share a database with
 * other applications (Feast's own SQL registry included). Bump
 * PG_SCHEMA_VERSION and add a migration when a table changes.
 */

export const PG_SCHEMA_VERSION = 1;

/** The channel every apply notifies (payload: the project), so replicas refresh at once. */
export const PG_NOTIFY_CHANNEL = "fstore_registry";

/** Advisory lock key (any fixed bigint) serializing schema creation across servers starting together. */
export const PG_SCHEMA_LOCK = 7_304_215_118;

export const PG_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS fstore_schema (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fstore_meta (
  project TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (project, key)
);
CREATE TABLE IF NOT EXISTS fstore_objects (
  project TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  PRIMARY KEY (project, kind, name)
);
CREATE TABLE IF NOT EXISTS fstore_materialization_intervals (
  project TEXT NOT NULL,
  online_store TEXT NOT NULL,
  feature_view TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  recorded_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS fstore_materialization_intervals_by_store
  ON fstore_materialization_intervals (project, online_store, feature_view, start_ms);
CREATE TABLE IF NOT EXISTS fstore_materialization_runs (
  id BIGSERIAL PRIMARY KEY,
  project TEXT NOT NULL,
  online_store TEXT NOT NULL,
  feature_view TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  rows_read BIGINT NOT NULL,
  entities_written BIGINT NOT NULL,
  error TEXT NOT NULL,
  scheduled BOOLEAN NOT NULL,
  finished_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS fstore_materialization_runs_by_store
  ON fstore_materialization_runs (project, online_store, feature_view, id);
CREATE TABLE IF NOT EXISTS fstore_leases (
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  holder TEXT NOT NULL,
  slot_ms BIGINT NOT NULL,
  acquired_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  released_ms BIGINT,
  PRIMARY KEY (project, name)
);
`;

/** Every table scoped by project (teardown deletes the project's rows from each). */
export const PG_PROJECT_TABLES = [
  "fstore_meta",
  "fstore_objects",
  "fstore_materialization_intervals",
  "fstore_materialization_runs",
  "fstore_leases",
] as const;

/**
 * Profiles and baselines in the PostgreSQL registry's database (tables
 * `fstore_monitoring_profiles` and `fstore_monitoring_baselines`, scoped by
 * project like the registry's). Connects on first use, so opening is
 * synchronous like the SQLite store's; errors are translated like the
 * registry's (unreachable: UNAVAILABLE; misconfigured: FAILED_PRECONDITION),
 * never showing the password.
 */
import pg from "pg";
import { Code, FstoreError, failedPrecondition, notFound, truncated, unavailable } from "../errors/index.js";
import { PG_SCHEMA_LOCK } from "../registry/postgres-schema.js";
import { postgresConnectionString, redactedUrl } from "../registry/postgres-url.js";
import type { DriftThresholds } from "./drift.js";
import type { Profile } from "./profile.js";
import type { Baseline, ProfileStore } from "./profile-store.js";

export const PG_MONITORING_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS fstore_monitoring_profiles (
  id BIGSERIAL PRIMARY KEY,
  project TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  source_name TEXT NOT NULL,
  window_start_ms BIGINT,
  window_end_ms BIGINT,
  created_ms BIGINT NOT NULL,
  profile TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fstore_monitoring_profiles_by_source
  ON fstore_monitoring_profiles (project, source_kind, source_name, id);
CREATE TABLE IF NOT EXISTS fstore_monitoring_baselines (
  project TEXT NOT NULL,
  feature_service TEXT NOT NULL,
  profile_id BIGINT NOT NULL,
  thresholds TEXT NOT NULL,
  saved_ms BIGINT NOT NULL,
  PRIMARY KEY (project, feature_service)
);
`;

const msOf = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

export function openPostgresProfileStore(project: string, url: string): ProfileStore {
  const where = redactedUrl(url);
  const connection = postgresConnectionString(url);
  if (!connection.ok) throw failedPrecondition(`registry: ${connection.error}`);
  const pool = new pg.Pool({
    connectionString: connection.value,
    max: 2,
    connectionTimeoutMillis: 5000,
    application_name: "fstore-monitoring",
  });
  pool.on("error", () => {});
  let closed = false;
  const translate = (err: unknown, what: string): FstoreError => {
    if (err instanceof FstoreError) return err;
    const e = err as { code?: string; message?: string };
    const code = e.code ?? "";
    const detail = truncated(`profile store: cannot ${what} (${where}): ${e.message ?? String(err)}`, 512);
    if (code === "3D000" || code.startsWith("28") || code === "42501") return failedPrecondition(detail, err);
    if (/^E[A-Z]+$/.test(code) || code.startsWith("08") || code.startsWith("53") || code.startsWith("57P")) {
      return unavailable(detail, err);
    }
    return new FstoreError(Code.Internal, detail, { cause: err });
  };
  let ready: Promise<void> | undefined;
  const run = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (closed) throw new FstoreError(Code.FailedPrecondition, "the profile store is closed");
    try {
      ready ??= (async () => {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query("SELECT pg_advisory_xact_lock($1)", [PG_SCHEMA_LOCK]);
          await client.query(PG_MONITORING_SCHEMA_SQL);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => {});
          throw err;
        } finally {
          client.release();
        }
      })().catch((err) => {
        ready = undefined;
        throw err;
      });
      await ready;
      return await work();
    } catch (err) {
      throw translate(err, what);
    }
  };
  const parse = (row: { id: string; profile: string }): Profile => ({
    ...(JSON.parse(row.profile) as Profile),
    id: Number(row.id),
  });
  const getProfile = (id: number) =>
    run("read a profile", async () => {
      const { rows } = await pool.query<{ id: string; profile: string }>(
        "SELECT id, profile FROM fstore_monitoring_profiles WHERE project = $1 AND id = $2",
        [project, id],
      );
      const row = rows[0];
      if (!row) throw notFound(`profile ${id} is not in the registry`);
      return parse(row);
    });

  return {
    saveProfile: (profile) =>
      run("save a profile", async () => {
        const { id: _id, ...body } = profile;
        const { rows } = await pool.query<{ id: string }>(
          `INSERT INTO fstore_monitoring_profiles (project, source_kind, source_name, window_start_ms, window_end_ms, created_ms, profile)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            project,
            profile.source.kind,
            profile.source.name,
            msOf(profile.window?.start),
            msOf(profile.window?.end),
            Date.parse(profile.createdAt),
            JSON.stringify(body),
          ],
        );
        return { ...profile, id: Number(rows[0]?.id) };
      }),
    getProfile,
    listProfiles: (source, limit) =>
      run("list profiles", async () => {
        const { rows } = await pool.query<{ id: string; profile: string }>(
          `SELECT id, profile FROM fstore_monitoring_profiles
           WHERE project = $1 AND source_kind = $2 AND source_name = $3 ORDER BY id DESC LIMIT $4`,
          [project, source.kind, source.name, limit],
        );
        return rows.map(parse);
      }),
    async saveBaseline(featureService, profileId, thresholds): Promise<Baseline> {
      const profile = await getProfile(profileId);
      const saved = new Date();
      await run("save a baseline", () =>
        pool.query(
          `INSERT INTO fstore_monitoring_baselines (project, feature_service, profile_id, thresholds, saved_ms)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (project, feature_service) DO UPDATE SET profile_id = EXCLUDED.profile_id,
             thresholds = EXCLUDED.thresholds, saved_ms = EXCLUDED.saved_ms`,
          [project, featureService, profileId, JSON.stringify(thresholds), saved.getTime()],
        ),
      );
      return { featureService, profile, thresholds, saved };
    },
    async getBaseline(featureService) {
      const row = await run("read a baseline", async () => {
        const { rows } = await pool.query<{ profile_id: string; thresholds: string; saved_ms: string }>(
          "SELECT profile_id, thresholds, saved_ms FROM fstore_monitoring_baselines WHERE project = $1 AND feature_service = $2",
          [project, featureService],
        );
        return rows[0];
      });
      if (!row) return undefined;
      return {
        featureService,
        profile: await getProfile(Number(row.profile_id)),
        thresholds: JSON.parse(row.thresholds) as DriftThresholds,
        saved: new Date(Number(row.saved_ms)),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

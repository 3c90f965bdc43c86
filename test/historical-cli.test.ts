/**
 * `fstore historical` as a user runs it: a real repository applied to its
 * SQLite registry, entity rows in a Parquet file, the training set written as
 * Parquet, the summary on stdout and progress on stderr.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRepo } from "../src/registry/index.js";
import { createTempRepo, PROJECT_ROOT, type TempRepo } from "./support/temp-repo.js";

const DEFS = `import { Entity, FeatureService, FeatureView, Field, FileSource, Float64, Int64, OnDemandFeatureView } from "fstore";
export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: Int64 });
export const src = new FileSource({ name: "driver_src", path: "data/drivers.parquet",
  timestampField: "event_timestamp", createdTimestampColumn: "created", fieldMapping: { rating_raw: "rating" } });
export const stats = new FeatureView({ name: "driver_stats", entities: [driver], ttl: "1h",
  schema: [new Field({ name: "trips", dtype: Int64 }), new Field({ name: "rating", dtype: Float64 })], source: src });
export const svc = new FeatureService({ name: "model_v1", features: [stats.select(["rating"])] });
export const labels = new FileSource({ name: "labels", path: "data/labels.parquet", timestampField: "event_timestamp" });
export const derived = new OnDemandFeatureView({ name: "derived", sources: [stats.select(["trips", "rating"])],
  schema: [new Field({ name: "score", dtype: Float64 })],
  udf: (i) => ({ score: i.trips.map((t, k) => (t === null || i.rating[k] === null ? null : Number(t) * i.rating[k])) }) });
`;

let repo: TempRepo;
beforeAll(async () => {
  repo = createTempRepo({ files: { "defs.ts": DEFS } });
  await repo.writeParquet(
    "data/drivers.parquet",
    `SELECT * FROM (VALUES
       (1::BIGINT, TIMESTAMP '2026-01-01 10:00:00', TIMESTAMP '2026-01-01 10:05:00', 5::BIGINT, 4.5::DOUBLE),
       (1::BIGINT, TIMESTAMP '2026-01-01 10:00:00', TIMESTAMP '2026-01-01 10:30:00', 6::BIGINT, 4.6::DOUBLE),
       (2::BIGINT, TIMESTAMP '2026-01-01 08:00:00', TIMESTAMP '2026-01-01 08:00:00', 9::BIGINT, 3.0::DOUBLE)
     ) AS t(driver_id, event_timestamp, created, trips, rating_raw)`,
  );
  await repo.writeParquet(
    "data/labels.parquet",
    `SELECT * FROM (VALUES
       (1::BIGINT, TIMESTAMP '2026-01-01 10:30:00', true),
       (2::BIGINT, TIMESTAMP '2026-01-01 10:30:00', false),
       (1::BIGINT, TIMESTAMP '2026-01-01 09:59:59', true)
     ) AS t(driver_id, event_timestamp, label)`,
  );
  await applyRepo(repo.path, {});
});
afterAll(() => repo?.cleanup());

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, "bin/fstore.js"), ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("fstore historical", () => {
  it("writes the training set and prints the summary", async () => {
    const out = join(repo.path, "sets", "train.parquet");
    const r = cli(
      "historical",
      "--repo",
      repo.path,
      "--entities",
      join(repo.path, "data", "labels.parquet"),
      "--features",
      "driver_stats:trips",
      "driver_stats:rating",
      "--out",
      out,
      "--include-feature-timestamps",
    );
    expect(r.stderr).toMatch(/joined in/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote 3 rows to .*train\.parquet/);
    expect(r.stdout).toMatch(/driver_stats: 1 rows matched \(33\.3%\)/);
    expect(r.stdout).toMatch(/leakage audit: passed/);
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const rows = (
      await conn.runAndReadAll(
        `SELECT driver_id, label, trips, rating, epoch(driver_stats__event_timestamp)::BIGINT AS fts FROM read_parquet('${out}')`,
      )
    ).getRowObjectsJson();
    conn.closeSync();
    db.closeSync();
    // Driver 1 at 10:30 sees the 10:00 row created last (trips 6); driver 2's 08:00 row is past the 1h ttl;
    // driver 1 at 09:59:59 has nothing yet.
    expect(rows).toEqual([
      { driver_id: "1", label: true, trips: "6", rating: 4.6, fts: String(Date.UTC(2026, 0, 1, 10) / 1000) },
      { driver_id: "2", label: false, trips: null, rating: null, fts: null },
      { driver_id: "1", label: true, trips: null, rating: null, fts: null },
    ]);
  });

  it("reads entity rows from a registered source with a time range", () => {
    const out = join(repo.path, "sets", "range.parquet");
    const r = cli(
      "historical",
      "--repo",
      repo.path,
      "--entity-source",
      "labels",
      "--start",
      "2026-01-01T10:00:00Z",
      "--feature-service",
      "model_v1",
      "--out",
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote 2 rows/);
  });

  it("computes an on-demand feature view from its point-in-time inputs", async () => {
    const out = join(repo.path, "sets", "odfv.parquet");
    const r = cli(
      "historical",
      "--repo",
      repo.path,
      "--entity-source",
      "labels",
      "--features",
      "derived:score",
      "--out",
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote 3 rows/);
    expect(r.stdout).toMatch(
      /columns: driver_id INT64, event_timestamp UNIX_TIMESTAMP, label BOOL, score DOUBLE$/m,
    );
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const rows = (await conn.runAndReadAll(`SELECT driver_id, score FROM read_parquet('${out}')`)).getRows();
    conn.closeSync();
    db.closeSync();
    // As above: only driver 1 at 10:30 matches (trips 6, rating 4.6).
    expect(rows).toEqual([
      [1n, 6 * 4.6],
      [2n, null],
      [1n, null],
    ]);
  });

  it("reports a bad reference with its status and exit code 2", () => {
    const r = cli(
      "historical",
      "--repo",
      repo.path,
      "--entity-source",
      "labels",
      "--features",
      "driver_stats:nope",
      "--out",
      join(repo.path, "x.parquet"),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/NOT_FOUND: feature "nope" is not in feature view "driver_stats"/);
  });

  it("refuses feature references and feature services together, as the RPCs do", () => {
    const r = cli(
      "historical",
      "--repo",
      repo.path,
      "--entity-source",
      "labels",
      "--features",
      "driver_stats:trips",
      "--feature-service",
      "model_v1",
      "--out",
      join(repo.path, "both.parquet"),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/INVALID_ARGUMENT: .*give feature references or feature services, not both/);
  });
});

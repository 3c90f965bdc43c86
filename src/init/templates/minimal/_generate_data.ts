/**
 * Seeded sample data for this repository: 5 drivers (1001-1005), one row per
 * driver and hour for the 48 hours up to the current hour. Run by `fstore init`
 * and `fstore serve --init` (through `ensureExampleData`) when
 * data/driver_stats.parquet is missing; uses fstore's API only.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeParquet } from "fstore";

const DRIVERS = 5;
const HOURS = 48;
const SEED = 7;

/** Writes data/driver_stats.parquet with times ending at `end` (floored to the hour); returns its row count. */
export async function generateData(repoPath: string, end = new Date()): Promise<number> {
  const hour = new Date(Math.floor(end.getTime() / 3_600_000) * 3_600_000).toISOString();
  // r(k): a pseudo-random number in [0, 1) fixed by the seed, the row and the purpose k.
  const r = (k: number) => `((hash(${SEED}, ${k}, d, h) % 1000003) / 1000003.0)`;
  return writeParquet(
    join(repoPath, "data", "driver_stats.parquet"),
    `SELECT (1001 + d)::BIGINT AS driver_id,
            TIMESTAMPTZ '${hour}' - to_hours((${HOURS - 1} - h)::BIGINT) AS event_timestamp,
            TIMESTAMPTZ '${hour}' - to_hours((${HOURS - 1} - h)::BIGINT) + INTERVAL 5 MINUTE AS created,
            round(${r(1)}, 4)::FLOAT AS conv_rate,
            round(${r(2)}, 4)::FLOAT AS acc_rate,
            (${r(3)} * 1000)::BIGINT AS avg_daily_trips
     FROM range(${DRIVERS}) AS ds(d), range(${HOURS}) AS hs(h)
     ORDER BY event_timestamp, driver_id`,
  );
}

/** Generates the data if it is missing; returns the row count, or undefined when it was there. */
export async function ensureExampleData(repoPath: string): Promise<number | undefined> {
  if (existsSync(join(repoPath, "data", "driver_stats.parquet"))) return undefined;
  return generateData(repoPath);
}

/**
 * What the materialization benchmark's processes share: the data set (made
 * with DuckDB SQL, 1,000,000 drivers x 10 hourly rows = 10,000,000 rows, one
 * Parquet file per hour), the view over it, and peak-RSS reading.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FieldDef, FileSourceDef } from "../../src/registry/model.js";

export const T0 = Date.UTC(2025, 0, 1);
export const HOUR = 3_600_000;

const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });

export function benchView(dataDir: string): FeatureViewDef {
  const source: FileSourceDef = {
    kind: "file",
    name: "bench_driver_source",
    path: dataDir,
    timestampField: "event_ts",
    createdTimestampColumn: "created",
    fieldMapping: {},
    description: "",
    tags: {},
    owner: "",
  };
  return {
    name: "driver_hourly",
    entities: ["driver"],
    entityColumns: [field("driver_id", ValueType.INT64)],
    features: [
      field("conv_rate", ValueType.DOUBLE),
      field("acc_rate", ValueType.DOUBLE),
      field("trips", ValueType.INT64),
      field("name", ValueType.STRING),
      field("active", ValueType.BOOL),
    ],
    ttlSeconds: 0,
    source,
    online: true,
    description: "",
    tags: {},
    owner: "",
  };
}

/**
 * Writes `hours` Parquet files of `entities` rows each (hour h holds every
 * driver once, at a pseudo-random second of that hour), unless present.
 */
export async function ensureBenchData(dataDir: string, entities: number, hours: number): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const db = await DuckDBInstance.create(":memory:", { threads: "2" });
  const conn = await db.connect();
  try {
    for (let h = 0; h < hours; h++) {
      const file = join(dataDir, `hour-${String(h).padStart(2, "0")}.parquet`);
      if (existsSync(file)) continue;
      const tmp = `${file}.tmp`;
      await conn.run(`COPY (
        SELECT CAST(i AS BIGINT) AS driver_id,
               TIMESTAMP '2025-01-01' + to_hours(${h}) + to_seconds(CAST(hash(i, ${h}) % 3600 AS BIGINT)) AS event_ts,
               TIMESTAMP '2025-01-01' + to_hours(${h + 1}) AS created,
               (hash(i, ${h}, 1) % 1000000) / 1e6 AS conv_rate,
               (hash(i, ${h}, 2) % 1000000) / 1e6 AS acc_rate,
               CAST(hash(i, ${h}, 3) % 100000 AS BIGINT) AS trips,
               'driver_' || i AS name,
               hash(i, ${h}, 4) % 2 = 0 AS active
        FROM range(${entities}) t(i)
      ) TO '${tmp}' (FORMAT parquet)`);
      renameSync(tmp, file);
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/**
 * CPU seconds the whole machine has spent so far (all cores; user, nice,
 * system, irq, softirq) and seconds stolen by the hypervisor, from /proc/stat:
 * the difference over a measured section, minus the section's own client and
 * redis-server CPU, is what other processes took meanwhile.
 */
export function machineCpu(): { busy: number; steal: number } {
  const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).map(Number);
  const at = (i: number) => f[i] ?? 0;
  return { busy: (at(1) + at(2) + at(3) + at(6) + at(7)) / 100, steal: at(8) / 100 };
}

/** This process's peak resident set size in MB (VmHWM). */
export function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/**
 * The fuzzer's repository, built in code in a temp folder: one entity
 * (`driver`, int64), a Parquet history of 2,000 rows written by DuckDB, a
 * push source, a view on each (every scalar type and a list), a feature
 * service and an on-demand view, applied to a real SQLite registry. Small on
 * purpose: the fuzzer measures robustness, not speed.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { loadRepoConfig } from "../config/index.js";
import type { RepoConfig } from "../config/types.js";
import { openDuckDb } from "../offline/index.js";
import type { FeatureViewDef, FieldDef, FileSourceDef, RepoDefinitions } from "../registry/index.js";
import { openRegistry } from "../registry/index.js";

const described = { description: "", tags: {}, owner: "" };
const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });

export const FUZZ_ROWS = 2000;
export const FUZZ_DRIVERS = 100;
/** The data's newest event time: an hour ago, so materialization windows up to now hold it. */
export const fuzzDataEnd = () => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);

function source(name: string, path: string): FileSourceDef {
  return {
    ...described,
    kind: "file",
    name,
    path,
    timestampField: "event_ts",
    createdTimestampColumn: "created",
    fieldMapping: {},
  };
}

const features = [
  field("conv_rate", ValueType.DOUBLE),
  field("acc_rate", ValueType.FLOAT),
  field("trips", ValueType.INT64),
  field("rank", ValueType.INT32),
  field("name", ValueType.STRING),
  field("active", ValueType.BOOL),
  field("tags", ValueType.STRING_LIST),
];

export function fuzzDefinitions(): RepoDefinitions {
  const stats = source("driver_stats_source", "data/drivers");
  const pushed = source("driver_pushed_source", "data/pushed");
  const push = { ...described, kind: "push" as const, name: "driver_push", batchSource: pushed };
  const view = (name: string, src: FeatureViewDef["source"]): FeatureViewDef => ({
    ...described,
    name,
    entities: ["driver"],
    entityColumns: [field("driver_id", ValueType.INT64)],
    features,
    ttlSeconds: 86_400 * 30,
    source: src,
    online: true,
  });
  return {
    entities: [{ ...described, name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 }],
    dataSources: [stats, pushed, push],
    featureViews: [view("driver_stats", stats), view("driver_pushed", push)],
    featureServices: [
      {
        ...described,
        name: "driver_model",
        projections: [{ featureView: "driver_stats", features: ["conv_rate", "trips", "name"] }],
      },
    ],
    onDemandFeatureViews: [
      {
        ...described,
        name: "rate_plus",
        sources: [{ featureView: "driver_stats", features: ["conv_rate"] }],
        requestSchema: [field("bonus", ValueType.DOUBLE)],
        features: [field("boosted", ValueType.DOUBLE)],
        udfSource:
          "(inputs) => ({ boosted: inputs.conv_rate.map((v, i) => v === null || inputs.bonus[i] === null ? null : v + inputs.bonus[i]) })",
      },
    ],
  };
}

/**
 * Creates the repository (online store: SQLite, or the Redis at `redis`;
 * `rows` history rows, one a minute back from fuzzDataEnd) and returns its
 * config.
 */
export async function createFuzzRepo(online: { redis?: string } = {}, rows = FUZZ_ROWS): Promise<RepoConfig> {
  const dir = mkdtempSync(join(tmpdir(), "fstore-fuzz-"));
  const config = {
    project: "fuzz",
    provider: "local",
    registry: "data/registry.db",
    online_store: online.redis
      ? { type: "redis", connection_string: online.redis }
      : { type: "sqlite", path: "data/online.db" },
    offline_store: { type: "file", output_dir: "data/output" },
    materialization: { schedule: null },
  };
  writeFileSync(join(dir, "feature_store.yaml"), stringify(config));
  mkdirSync(join(dir, "data", "drivers"), { recursive: true });
  const db = await openDuckDb({ threads: 1, memoryLimit: "256MB" });
  try {
    const conn = await db.connect();
    const endUs = BigInt(fuzzDataEnd().getTime()) * 1000n;
    const file = join(dir, "data", "drivers", "part-0.parquet").replaceAll("'", "''");
    await conn.run(`COPY (
      SELECT CAST(1000 + i % ${FUZZ_DRIVERS} AS BIGINT) AS driver_id,
             make_timestamp(${endUs} - CAST(i AS BIGINT) * ${Math.max(1, Math.floor(60_000_000 / Math.max(1, rows / FUZZ_ROWS)))}) AS event_ts,
             make_timestamp(${endUs} - CAST(i AS BIGINT) * ${Math.max(1, Math.floor(60_000_000 / Math.max(1, rows / FUZZ_ROWS)))} + 1000000) AS created,
             CAST(i % 97 AS DOUBLE) / 97 AS conv_rate,
             CAST(i % 89 AS FLOAT) / 89 AS acc_rate,
             CAST(i AS BIGINT) * 3 AS trips,
             CAST(i % 1000 AS INTEGER) AS rank,
             'driver-' || i AS name,
             i % 2 = 0 AS active,
             ['t' || (i % 5), 'u'] AS tags
      FROM range(${rows}) t(i)) TO '${file}' (FORMAT parquet)`);
    conn.closeSync();
  } finally {
    db.closeSync();
  }
  const loaded = loadRepoConfig(dir);
  const registry = await openRegistry(loaded);
  try {
    await registry.apply(fuzzDefinitions());
  } finally {
    await registry.close();
  }
  return loaded;
}

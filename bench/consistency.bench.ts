/**
 * Benchmark: ValidateConsistency of 10,000 entities x 10 features on Redis.
 * Target: at most 1 second.
 *
 * Starts its own redis-server on a free loopback port, generates the offline
 * data with DuckDB SQL (10,000 entities x 24 hourly rows, ties included),
 * materializes the window into Redis, then validates a 10,000-entity sample:
 * in-process (the work itself) and through a real gRPC server and client (what
 * a caller sees). Prints one table. Run with `npm run bench -- consistency`
 * (under `flock /tmp/fstore-bench.lock` when other benchmarks may run).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { validateConsistency } from "../src/consistency/index.js";
import { materialize } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { FeatureViewDef, FieldDef, RepoDefinitions } from "../src/registry/model.js";
import { startRedis } from "../test/support/redis.js";
import { startTestServer, testConfig } from "../test/support/server.js";

const ENTITIES = 10_000;
const HOURS = 24;
const TARGET_SECONDS = 1;
const RUNS = Number(process.env.RUNS ?? 5);
const T0 = Date.UTC(2025, 0, 1);
const WINDOW_END = T0 + (HOURS - 1) * 3_600_000;

const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });
const FEATURES: FieldDef[] = [
  field("f_double_1", ValueType.DOUBLE),
  field("f_double_2", ValueType.DOUBLE),
  field("f_double_3", ValueType.DOUBLE),
  field("f_double_4", ValueType.DOUBLE),
  field("f_int_1", ValueType.INT64),
  field("f_int_2", ValueType.INT64),
  field("f_int_3", ValueType.INT64),
  field("f_str_1", ValueType.STRING),
  field("f_str_2", ValueType.STRING),
  field("f_bool", ValueType.BOOL),
];

function definitions(): RepoDefinitions {
  const described = { description: "", tags: {}, owner: "" };
  const view: FeatureViewDef = {
    name: "bench_view",
    entities: ["customer"],
    entityColumns: [field("customer_id", ValueType.INT64)],
    features: FEATURES,
    ttlSeconds: 0,
    source: {
      kind: "file",
      name: "bench_source",
      path: "data/bench.parquet",
      timestampField: "event_timestamp",
      createdTimestampColumn: "created",
      fieldMapping: {},
      ...described,
    },
    online: true,
    ...described,
  };
  return {
    entities: [{ name: "customer", joinKeys: ["customer_id"], valueType: ValueType.INT64, ...described }],
    dataSources: [view.source],
    featureViews: [view],
    featureServices: [],
    onDemandFeatureViews: [],
  };
}

/** Generates the offline rows with DuckDB SQL (hash-based pseudo-random values), plus a tie per 10th entity. */
async function generate(path: string): Promise<number> {
  const db = await openDuckDb({ threads: 2 });
  const conn = await db.connect();
  try {
    const rows = `SELECT e::BIGINT AS customer_id, h,
        make_timestamp(${T0 * 1000}::BIGINT + h * 3600000000) AS event_timestamp,
        make_timestamp(${T0 * 1000}::BIGINT + h * 3600000000) AS created
      FROM range(${ENTITIES}) r(e), range(${HOURS}) s(h)`;
    const ties = `SELECT e::BIGINT AS customer_id, ${HOURS - 1} AS h,
        make_timestamp(${WINDOW_END * 1000}::BIGINT) AS event_timestamp,
        make_timestamp(${WINDOW_END * 1000}::BIGINT + 60000000) AS created
      FROM range(0, ${ENTITIES}, 10) r(e)`;
    const value = (i: number) => `hash(customer_id, h, created, ${i})`;
    await conn.run(`COPY (
      SELECT customer_id, event_timestamp, created,
        (${value(1)} % 1000000) / 1000.0 AS f_double_1,
        (${value(2)} % 1000000) / 7.0 AS f_double_2,
        (${value(3)} % 1000) * 1.5 AS f_double_3,
        (${value(4)} % 100000) / 3.0 AS f_double_4,
        (${value(5)} % 1000000)::BIGINT AS f_int_1,
        (${value(6)} % 100)::BIGINT AS f_int_2,
        (${value(7)} >> 3)::BIGINT AS f_int_3,
        'cat-' || (${value(8)} % 50)::VARCHAR AS f_str_1,
        md5(${value(9)}::VARCHAR) AS f_str_2,
        (${value(10)} % 2) = 0 AS f_bool
      FROM (${rows} UNION ALL ${ties})
    ) TO '${path}' (FORMAT parquet)`);
    const r = await conn.runAndReadAll(`SELECT count(*) FROM '${path}'`);
    return Number(r.getRows()[0]?.[0]);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const repo = mkdtempSync(join(tmpdir(), "fstore-bench-consistency-"));
  const redis = await startRedis();
  try {
    mkdirSync(join(repo, "data"), { recursive: true });
    const rowCount = await generate(join(repo, "data", "bench.parquet"));
    const config = testConfig(repo, {
      project: "bench_consistency",
      online_store: { type: "redis", connection_string: redis.connectionString },
      materialization: { schedule: "off" },
    });
    const registry = await openRegistry(config);
    await registry.apply(definitions());
    const store = createOnlineStore(config);
    const db = await openDuckDb({ threads: 2 });

    const m0 = performance.now();
    for await (const _ of materialize(
      { config, registry, onlineStore: store, duckdb: async () => db },
      { start: new Date(T0), end: new Date(WINDOW_END), incremental: false },
    )) {
      // drain progress
    }
    const materializeSeconds = (performance.now() - m0) / 1000;

    const inProcess: number[] = [];
    let pairs = 0;
    let passed = true;
    for (let i = 0; i < RUNS + 1; i++) {
      const t0 = performance.now();
      const report = await validateConsistency(
        {
          repoPath: config.repoPath,
          snapshot: registry.snapshot(),
          registry,
          onlineStore: store,
          connect: () => db.connect(),
        },
        { featureViews: [], sampleFrom: "online", options: { sampleSize: ENTITIES } },
      );
      const seconds = (performance.now() - t0) / 1000;
      if (report.entitiesChecked !== ENTITIES) throw new Error(`checked ${report.entitiesChecked} entities`);
      pairs = report.features.reduce((n, f) => n + f.compared, 0);
      passed &&= report.passed;
      if (i > 0) inProcess.push(seconds); // the first run warms DuckDB and the Redis connection
    }

    const server = await startTestServer({ config, registry });
    const overGrpc: number[] = [];
    try {
      for (let i = 0; i < RUNS + 1; i++) {
        const t0 = performance.now();
        const report = await server.client.validateConsistency({ sampleSize: ENTITIES });
        const seconds = (performance.now() - t0) / 1000;
        passed &&= report.passed && report.entitiesChecked === ENTITIES;
        if (i > 0) overGrpc.push(seconds);
      }
    } finally {
      await server.shutdown();
    }
    db.closeSync();
    await store.close();
    await registry.close();

    const rows = [
      [
        "case",
        "entities",
        "features",
        "pairs",
        "median s",
        "min s",
        "pairs/s",
        `target <= ${TARGET_SECONDS} s`,
      ],
      ...[
        ["in-process", inProcess],
        ["gRPC (server + client)", overGrpc],
      ].map(([name, xs]) => {
        const m = median(xs as number[]);
        return [
          name as string,
          String(ENTITIES),
          String(FEATURES.length),
          String(pairs),
          m.toFixed(3),
          Math.min(...(xs as number[])).toFixed(3),
          Math.round(pairs / m).toLocaleString("en-US"),
          m <= TARGET_SECONDS ? "met" : "MISSED",
        ];
      }),
    ];
    const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
    console.log(
      `ValidateConsistency on Redis: ${ENTITIES.toLocaleString("en-US")} sampled entities x ${FEATURES.length} features, ` +
        `offline source ${rowCount.toLocaleString("en-US")} rows (Parquet), median of ${RUNS} runs after a warm-up`,
    );
    for (const r of rows)
      console.log(
        `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ")}`,
      );
    console.log(
      `  (setup: materialized ${ENTITIES} entities in ${materializeSeconds.toFixed(2)} s; every report passed: ${passed})`,
    );
    if (!passed) process.exitCode = 1;
    if (median(inProcess) > TARGET_SECONDS || median(overGrpc) > TARGET_SECONDS) process.exitCode = 1;
  } finally {
    await redis.close();
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();

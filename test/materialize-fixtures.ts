/**
 * Shared fixtures of the materialization, push and schedule tests: a driver
 * view with every kind of column, rows generated in TypeScript (so the oracle
 * is independent of DuckDB), Parquet written from them, and the brute-force
 * latest-row oracle.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { timestampValue } from "@duckdb/node-api";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import type { RepoConfig } from "../src/config/types.js";
import { readStoredRows } from "../src/online/index.js";
import type { OnlineStore, StoredRow } from "../src/online/online-store.js";
import type {
  DataSourceDef,
  EntityDef,
  FeatureViewDef,
  FieldDef,
  FileSourceDef,
  PushSourceDef,
  RepoDefinitions,
} from "../src/registry/model.js";
import type { NativeValue } from "../src/values/index.js";
import { testConfig } from "./support/server.js";

export const T0 = Date.UTC(2025, 0, 1);
export const HOUR = 3600_000;

const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });
const described = { description: "", tags: {}, owner: "" };

export const driverEntity: EntityDef = {
  name: "driver",
  joinKeys: ["driver_id"],
  valueType: ValueType.INT64,
  ...described,
};

/** A row as stored in the driver Parquet (source column names). */
export interface DriverRow {
  driver_id: bigint;
  event_ts: Date;
  created: Date;
  conv_rate: number | null;
  trips_src: bigint | null;
  name: string | null;
  active: boolean | null;
  tags: string[] | null;
}

/** The features of the driver view, in order; `trips` is read from the `trips_src` column (field_mapping). */
export const DRIVER_FEATURES = ["conv_rate", "trips", "name", "active", "tags"] as const;

export function driverSource(path: string, name = "driver_stats_source"): FileSourceDef {
  return {
    kind: "file",
    name,
    path,
    timestampField: "event_ts",
    createdTimestampColumn: "created",
    fieldMapping: { trips_src: "trips" },
    ...described,
  };
}

export function driverView(
  source: FileSourceDef | PushSourceDef,
  ttlSeconds = 0,
  name = "driver_stats",
): FeatureViewDef {
  return {
    name,
    entities: ["driver"],
    entityColumns: [field("driver_id", ValueType.INT64)],
    features: [
      field("conv_rate", ValueType.DOUBLE),
      field("trips", ValueType.INT64),
      field("name", ValueType.STRING),
      field("active", ValueType.BOOL),
      field("tags", ValueType.STRING_LIST),
    ],
    ttlSeconds,
    source,
    online: true,
    ...described,
  };
}

export function definitions(
  views: FeatureViewDef[],
  extraSources: (FileSourceDef | PushSourceDef)[] = [],
): RepoDefinitions {
  const sources = new Map<string, DataSourceDef>();
  for (const v of views) sources.set(v.source.name, v.source);
  for (const s of extraSources) sources.set(s.name, s);
  return {
    entities: [driverEntity],
    dataSources: [...sources.values()],
    featureViews: views,
    featureServices: [],
    onDemandFeatureViews: [],
  };
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` rows over `entities` drivers with event times in [T0 + fromH, T0 + toH)
 * whole hours (so many ties), created times that sometimes tie too, and nulls.
 */
export function generateRows(seed: number, n: number, entities: number, fromH = 0, toH = 48): DriverRow[] {
  const r = rng(seed);
  const rows: DriverRow[] = [];
  for (let i = 0; i < n; i++) {
    const h = fromH + Math.floor(r() * (toH - fromH));
    const nullish = r() < 0.05;
    rows.push({
      driver_id: BigInt(1000 + Math.floor(r() * entities)),
      event_ts: new Date(T0 + h * HOUR),
      created: new Date(T0 + h * HOUR + Math.floor(r() * 3) * 60_000),
      conv_rate: nullish ? null : Math.round(r() * 1e6) / 1e6,
      trips_src: BigInt(Math.floor(r() * 2 ** 40)) * 4096n + BigInt(i),
      name: nullish ? null : `driver-${i}-'quote"`,
      active: r() < 0.5,
      tags: nullish ? null : [`t${i % 7}`, `h${h}`],
    });
  }
  return rows;
}

/** Writes rows as a Parquet file with DuckDB (independent of the code under test). */
export async function writeDriverParquet(db: DuckDBInstance, path: string, rows: DriverRow[]): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const conn = await db.connect();
  try {
    const table = `t_${Math.floor(Math.random() * 1e9)}`;
    await conn.run(
      `CREATE TABLE ${table} (driver_id BIGINT, event_ts TIMESTAMP, created TIMESTAMP, conv_rate DOUBLE, trips_src BIGINT, name VARCHAR, active BOOLEAN, tags VARCHAR[])`,
    );
    const app = await conn.createAppender(table);
    const ts = (d: Date) => timestampValue(BigInt(d.getTime()) * 1000n);
    for (const row of rows) {
      app.appendBigInt(row.driver_id);
      app.appendTimestamp(ts(row.event_ts));
      app.appendTimestamp(ts(row.created));
      row.conv_rate === null ? app.appendNull() : app.appendDouble(row.conv_rate);
      row.trips_src === null ? app.appendNull() : app.appendBigInt(row.trips_src);
      row.name === null ? app.appendNull() : app.appendVarchar(row.name);
      row.active === null ? app.appendNull() : app.appendBoolean(row.active);
      row.tags === null ? app.appendNull() : app.appendList(row.tags);
      app.endRow();
    }
    app.closeSync();
    await conn.run(
      `COPY (SELECT * FROM ${table} ORDER BY rowid) TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`,
    );
    await conn.run(`DROP TABLE ${table}`);
  } finally {
    conn.closeSync();
  }
}

/** The expected online values of a driver row, in DRIVER_FEATURES order. */
export function expectedValues(row: DriverRow): NativeValue[] {
  return [row.conv_rate, row.trips_src, row.name, row.active, row.tags];
}

/**
 * Brute force: per driver, the row with event time in [start, end] that has
 * the latest (event time, created time, file index, row index).
 * `files` are in file-name order, as the reader sorts them.
 */
export function oracleLatest(files: DriverRow[][], start: number, end: number): Map<bigint, DriverRow> {
  const best = new Map<bigint, { row: DriverRow; key: number[] }>();
  files.forEach((rows, f) => {
    rows.forEach((row, i) => {
      const t = row.event_ts.getTime();
      if (t < start || t > end) return;
      const key = [t, row.created.getTime(), f, i];
      const seen = best.get(row.driver_id);
      if (!seen || compare(key, seen.key) > 0) best.set(row.driver_id, { row, key });
    });
  });
  return new Map([...best].map(([k, v]) => [k, v.row]));
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** Reads every driver in `ids` back from the store (in reads of 5,000 entities, like serving requests). */
export async function readDrivers(
  store: OnlineStore,
  view: FeatureViewDef,
  ids: bigint[],
): Promise<Map<bigint, StoredRow | undefined>> {
  const out = new Map<bigint, StoredRow | undefined>();
  for (let at = 0; at < ids.length; at += 5000) {
    const part = ids.slice(at, at + 5000);
    const [rows] = await readStoredRows(store, [
      { view, features: [...DRIVER_FEATURES], entityKeys: part.map((id) => [id]) },
    ]);
    part.forEach((id, i) => {
      out.set(id, rows?.[i]);
    });
  }
  return out;
}

/** A temp repository folder with a config whose online store is SQLite or the given Redis. */
export function tempRepo(online?: { redis: string }, extra: Record<string, unknown> = {}): RepoConfig {
  const dir = mkdtempSync(join(tmpdir(), "fstore-mat-"));
  const onlineStore = online
    ? { online_store: { type: "redis", connection_string: online.redis } }
    : { online_store: { type: "sqlite", path: "data/online.db" } };
  return testConfig(dir, { ...onlineStore, materialization: { schedule: null }, ...extra });
}

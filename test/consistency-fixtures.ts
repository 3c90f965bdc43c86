/**
 * Fixtures of the consistency tests: a driver view with numbers, strings,
 * bytes, booleans and lists, rows generated in TypeScript (the oracle never
 * asks DuckDB), Parquet written from them with DuckDB, a hand-rolled
 * "materialize" (latest row per entity in a window, computed in TS), and an
 * in-memory OnlineStore stand-in for tests that need no real store.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { deserializeEntityKey, serializeEntityKey, writeOnlineRows } from "../src/online/index.js";
import type {
  EncodedRows,
  EntityKeyValues,
  OnlineRow,
  OnlineStore,
  ViewLookup,
  WriteResult,
} from "../src/online/online-store.js";
import type {
  EntityDef,
  FeatureViewDef,
  FieldDef,
  FileSourceDef,
  RepoDefinitions,
} from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import type { NativeValue } from "../src/values/index.js";

export const T0 = Date.UTC(2025, 0, 1);
export const HOUR = 3_600_000;

const described = { description: "", tags: {}, owner: "" };
const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });

export const driverEntity: EntityDef = {
  name: "driver",
  joinKeys: ["driver_id"],
  valueType: ValueType.INT64,
  ...described,
};

/** The driver view's features, in order. `trips` comes from source column `trips_src` (field mapping). */
export const FEATURES: FieldDef[] = [
  field("conv_rate", ValueType.DOUBLE),
  field("trips", ValueType.INT64),
  field("name", ValueType.STRING),
  field("active", ValueType.BOOL),
  field("tags", ValueType.STRING_LIST),
  field("avatar", ValueType.BYTES),
];

/** One Parquet row, by feature name (the Parquet column of `trips` is `trips_src`). */
export interface DriverRow {
  driverId: bigint;
  eventMs: number;
  createdMs: number;
  values: Record<string, NativeValue>;
}

export function driverSource(path: string): FileSourceDef {
  return {
    kind: "file",
    name: "driver_stats_source",
    path,
    timestampField: "event_timestamp",
    createdTimestampColumn: "created",
    fieldMapping: { trips_src: "trips" },
    ...described,
  };
}

export function driverView(path: string, name = "driver_stats"): FeatureViewDef {
  return {
    name,
    entities: ["driver"],
    entityColumns: [field("driver_id", ValueType.INT64)],
    features: FEATURES,
    ttlSeconds: 0,
    source: driverSource(path),
    online: true,
    ...described,
  };
}

export function driverDefinitions(path: string): RepoDefinitions {
  const view = driverView(path);
  return {
    entities: [driverEntity],
    dataSources: [view.source],
    featureViews: [view],
    featureServices: [
      {
        name: "driver_model",
        projections: [{ featureView: "driver_stats", features: ["conv_rate", "trips"] }],
        ...described,
      },
    ],
    onDemandFeatureViews: [],
  };
}

/** A deterministic pseudo-random generator (mulberry32). */
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
 * `drivers` drivers with an hourly row each at T0 + h for h < hours, plus a
 * tie (same event time, later created time, different values) for every
 * fifth driver at its last hour. Some values are null.
 */
export function generateRows(drivers: number, hours: number, seed = 7): DriverRow[] {
  const r = rng(seed);
  const rows: DriverRow[] = [];
  const values = (d: number): Record<string, NativeValue> => ({
    conv_rate: r() < 0.05 ? null : Math.round(r() * 1e6) / 1e6,
    trips: BigInt(Math.floor(r() * 1000)) + (d % 3 === 0 ? 2n ** 53n : 0n),
    name: r() < 0.05 ? null : `driver-${d}-${Math.floor(r() * 100)}`,
    active: r() < 0.5,
    tags: r() < 0.1 ? [] : [`t${Math.floor(r() * 5)}`, `t${Math.floor(r() * 5)}`],
    avatar: new Uint8Array([d % 256, Math.floor(r() * 256), 0]),
  });
  for (let d = 0; d < drivers; d++) {
    for (let h = 0; h < hours; h++) {
      rows.push({
        driverId: BigInt(1000 + d),
        eventMs: T0 + h * HOUR,
        createdMs: T0 + h * HOUR,
        values: values(d),
      });
    }
    if (d % 5 === 0) {
      const h = hours - 1;
      rows.push({
        driverId: BigInt(1000 + d),
        eventMs: T0 + h * HOUR,
        createdMs: T0 + h * HOUR + 60_000,
        values: values(d),
      });
    }
  }
  return rows;
}

function sqlValue(v: NativeValue, dtype: ValueType): string {
  if (v === null) return "NULL";
  switch (dtype) {
    case ValueType.STRING:
      return `'${String(v).replaceAll("'", "''")}'`;
    case ValueType.STRING_LIST:
      return `[${(v as string[]).map((s) => `'${s.replaceAll("'", "''")}'`).join(", ")}]::VARCHAR[]`;
    case ValueType.BYTES:
      return `from_hex('${Buffer.from(v as Uint8Array).toString("hex")}')`;
    case ValueType.DOUBLE:
      return `${(v as number).toString()}::DOUBLE`;
    case ValueType.INT64:
      return `${String(v)}::BIGINT`;
    default:
      return String(v);
  }
}

/** Writes `rows` as a Parquet file at `path` with DuckDB (columns: driver_id, event_timestamp, created, features). */
export async function writeParquet(path: string, rows: readonly DriverRow[]): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const columns = [
      "driver_id",
      "event_timestamp",
      "created",
      "conv_rate",
      "trips_src",
      "name",
      "active",
      "tags",
      "avatar",
    ];
    const types = [
      "BIGINT",
      "TIMESTAMP",
      "TIMESTAMP",
      "DOUBLE",
      "BIGINT",
      "VARCHAR",
      "BOOLEAN",
      "VARCHAR[]",
      "BLOB",
    ];
    await conn.run(`CREATE TABLE t (${columns.map((c, i) => `${c} ${types[i]}`).join(", ")})`);
    for (let start = 0; start < rows.length; start += 500) {
      const chunk = rows.slice(start, start + 500).map((row) => {
        const cells = [
          `${row.driverId}::BIGINT`,
          `make_timestamp(${row.eventMs * 1000})`,
          `make_timestamp(${row.createdMs * 1000})`,
          ...FEATURES.map((f) => sqlValue(row.values[f.name] ?? null, f.dtype)),
        ];
        return `(${cells.join(", ")})`;
      });
      await conn.run(`INSERT INTO t VALUES ${chunk.join(", ")}`);
    }
    await conn.run(`COPY t TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The oracle of materialization: per driver, the latest row (event, then created time) inside [startMs, endMs]. */
export function latestRows(
  rows: readonly DriverRow[],
  startMs: number,
  endMs: number,
): Map<bigint, DriverRow> {
  const out = new Map<bigint, DriverRow>();
  for (const row of rows) {
    if (row.eventMs < startMs || row.eventMs > endMs) continue;
    const cur = out.get(row.driverId);
    if (!cur || row.eventMs > cur.eventMs || (row.eventMs === cur.eventMs && row.createdMs > cur.createdMs)) {
      out.set(row.driverId, row);
    }
  }
  return out;
}

/** Materializes by hand: the oracle's latest rows written with writeOnlineRows, then the interval recorded. */
export async function materializeByHand(
  store: OnlineStore,
  registry: Registry,
  view: FeatureViewDef,
  rows: readonly DriverRow[],
  startMs: number,
  endMs: number,
): Promise<Map<bigint, DriverRow>> {
  const latest = latestRows(rows, startMs, endMs);
  const online: OnlineRow[] = [...latest.values()].map((row) => ({
    entityKey: [row.driverId],
    eventTimeUs: row.eventMs * 1000,
    values: view.features.map((f) => row.values[f.name] ?? null),
  }));
  await writeOnlineRows(store, view, online);
  await registry.recordMaterializationInterval(view.name, new Date(startMs), new Date(endMs));
  return latest;
}

/** A temp feature repository folder. */
export function tempRepo(prefix = "fstore-consistency-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * An OnlineStore held in memory, following the contract (packed rows,
 * older-over-newer, ties to the incoming row). A stand-in for tests that
 * exercise validation logic without Redis or SQLite.
 */
export class MemoryOnlineStore implements OnlineStore {
  readonly type = "sqlite" as const;
  readonly #views = new Map<string, Map<string, { key: EntityKeyValues; eventMs: number; row: Buffer }>>();

  async write(view: FeatureViewDef, batch: EncodedRows): Promise<WriteResult> {
    const table = this.#views.get(view.name) ?? new Map();
    this.#views.set(view.name, table);
    let written = 0;
    let skippedStale = 0;
    for (let i = 0; i < batch.count; i++) {
      const keyBytes = batch.keys.subarray(i === 0 ? 0 : batch.keyEnds[i - 1], batch.keyEnds[i]);
      const k = keyBytes.toString("latin1");
      const eventMs = batch.eventTimesUs[i] as number;
      const cur = table.get(k);
      if (cur && cur.eventMs > eventMs) {
        skippedStale++;
        continue;
      }
      const row = Buffer.from(batch.rows.subarray(i === 0 ? 0 : batch.rowEnds[i - 1], batch.rowEnds[i]));
      table.set(k, { key: deserializeEntityKey(view.entityColumns, keyBytes), eventMs, row });
      written++;
    }
    return { written, skippedStale };
  }

  async read(lookups: ViewLookup[]): Promise<(Buffer | undefined)[][]> {
    return lookups.map((l) => {
      const table = this.#views.get(l.view.name);
      return l.entityKeys.map(
        (k) => table?.get(serializeEntityKey(l.view.entityColumns, k).toString("latin1"))?.row,
      );
    });
  }

  /** Test hook: drops one entity's row, as if its key was deleted. */
  deleteEntity(view: FeatureViewDef, key: EntityKeyValues): void {
    this.#views.get(view.name)?.delete(serializeEntityKey(view.entityColumns, key).toString("latin1"));
  }

  async sampleEntityKeys(view: FeatureViewDef, limit: number): Promise<EntityKeyValues[]> {
    return [...(this.#views.get(view.name)?.values() ?? [])].slice(0, limit).map((e) => e.key);
  }

  async deleteView(view: FeatureViewDef): Promise<void> {
    this.#views.delete(view.name);
  }

  async close(): Promise<void> {}
}

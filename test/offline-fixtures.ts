/**
 * Test fixtures for the offline store: Parquet files written by DuckDB from
 * plain rows, and registry snapshots built by hand (no registry needed).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import type { DuckDBInstance } from "@duckdb/node-api";
import type { RepeatedValue } from "../gen/fstore/v1/value_pb.js";
import { RepeatedValueSchema, ValueType } from "../gen/fstore/v1/value_pb.js";
import type {
  DataSourceDef,
  FeatureServiceDef,
  FeatureViewDef,
  FieldDef,
  FileSourceDef,
} from "../src/registry/model.js";
import type { RegistrySnapshot } from "../src/registry/registry.js";

export function tempDir(prefix = "fstore-offline-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const field = (name: string, dtype: ValueType): FieldDef => ({
  name,
  dtype,
  description: "",
  tags: {},
});

export function fileSource(name: string, path: string, extra: Partial<FileSourceDef> = {}): FileSourceDef {
  return {
    kind: "file",
    name,
    path,
    timestampField: "ts",
    createdTimestampColumn: "",
    fieldMapping: {},
    description: "",
    tags: {},
    owner: "",
    ...extra,
  };
}

export function featureView(
  name: string,
  keys: FieldDef[],
  features: FieldDef[],
  source: DataSourceDef,
  ttlSeconds = 0,
): FeatureViewDef {
  return {
    name,
    entities: keys.map((k) => k.name),
    entityColumns: keys,
    features,
    ttlSeconds,
    source,
    online: true,
    description: "",
    tags: {},
    owner: "",
  };
}

export function snapshotOf(
  views: FeatureViewDef[],
  services: FeatureServiceDef[] = [],
  sources: DataSourceDef[] = [],
): RegistrySnapshot {
  const allSources = new Map<string, DataSourceDef>();
  for (const v of views) allSources.set(v.source.name, v.source);
  for (const s of sources) allSources.set(s.name, s);
  return {
    project: "test",
    version: 1,
    entities: new Map(),
    dataSources: allSources,
    featureViews: new Map(views.map((v) => [v.name, v])),
    featureServices: new Map(services.map((s) => [s.name, s])),
    onDemandFeatureViews: new Map(),
    permissions: new Map(),
    meta: new Map(),
  };
}

export function service(
  name: string,
  projections: { featureView: string; features: string[] }[],
): FeatureServiceDef {
  return { name, projections, description: "", tags: {}, owner: "" };
}

/** A cell: null, a number (DOUBLE/INTEGER), bigint (BIGINT), string, boolean, or { micros } for a timestamp. */
export type Cell = null | number | bigint | string | boolean | { micros: bigint; tz?: boolean };

function literal(c: Cell, sqlType: string): string {
  if (c === null) return `CAST(NULL AS ${sqlType})`;
  if (typeof c === "object") {
    const ts = `make_timestamp(${c.micros}::BIGINT)`;
    return c.tz ? `CAST(${ts} AS TIMESTAMPTZ)` : ts;
  }
  if (typeof c === "string") return `CAST('${c.replaceAll("'", "''")}' AS ${sqlType})`;
  return `CAST(${String(c)} AS ${sqlType})`;
}

/** Writes `rows` as a Parquet file with the given column names and DuckDB types. */
export async function writeParquet(
  db: DuckDBInstance,
  path: string,
  columns: { name: string; type: string }[],
  rows: Cell[][],
): Promise<void> {
  const conn = await db.connect();
  try {
    const names = columns.map((c) => `"${c.name}"`).join(", ");
    const values =
      rows.length === 0
        ? `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS "${c.name}"`).join(", ")} WHERE false`
        : `SELECT * FROM (VALUES ${rows
            .map((r) => `(${r.map((c, i) => literal(c, (columns[i] as { type: string }).type)).join(", ")})`)
            .join(", ")}) AS t(${names})`;
    await conn.run(`COPY (${values}) TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
  }
}

export const T = ValueType;

import { fromBinary } from "@bufbuild/protobuf";
import type { Column, RecordBatch } from "../gen/fstore/v1/feature_service_pb.js";
import { RecordBatchSchema } from "../gen/fstore/v1/feature_service_pb.js";

/** Row objects of an encoded batch (decoded by protobuf-es, so the encoder is checked too). */
export function rowsOfBatch(encoded: Uint8Array): Record<string, unknown>[] {
  return rowsOfRecordBatch(fromBinary(RecordBatchSchema, encoded));
}

/** Row objects of a batch: null where masked; timestamps as bigint micros, int64 as bigint. */
export function rowsOfRecordBatch(batch: RecordBatch): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = Array.from({ length: batch.numRows }, () => ({}));
  for (const col of batch.columns) {
    const vals = valuesOf(col);
    for (let i = 0; i < batch.numRows; i++) {
      (rows[i] as Record<string, unknown>)[col.name] = col.nulls[i] ? null : vals[i];
    }
  }
  return rows;
}

function valuesOf(col: Column): readonly unknown[] {
  const v = col.values;
  if (v.case === undefined) return [];
  return (v.value as { val: readonly unknown[] }).val;
}

type ValueCase = "int64Val" | "int32Val" | "stringVal" | "doubleVal" | "boolVal";

/** A RepeatedValue column of one case; null (or undefined) items become explicit nulls. */
export function column(
  kind: ValueCase,
  xs: readonly (number | bigint | string | boolean | null | undefined)[],
): RepeatedValue {
  return create(RepeatedValueSchema, {
    val: xs.map((x) =>
      x === null || x === undefined
        ? { val: { case: "nullVal", value: 0 } }
        : { val: { case: kind, value: kind === "int64Val" ? BigInt(x as number) : x } },
    ),
  } as never);
}

/** A protobuf Timestamp init of whole seconds. */
export const seconds = (s: number) => ({ seconds: BigInt(s), nanos: 0 });

/** A deterministic PRNG (mulberry32) so failures reproduce. */
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

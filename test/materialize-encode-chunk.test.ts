/**
 * The columnar encoder of materialization (DuckDB chunks -> entity keys and
 * packed rows) against an independent oracle: the row path it replaces
 * (`appendChunkRows` row objects, `createEntityKeyEncoder`,
 * `encodePackedRows`) over the same query. Every type, nulls, strings inline
 * (<= 12 bytes) and not, multi-byte UTF-8, composite and generic keys, and
 * several chunks per batch.
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { appendChunkRows, rowConvertersOf } from "../src/materialize/chunk-rows.js";
import { EncodedRowsBuilder } from "../src/materialize/encode-chunk.js";
import { openDuckDb } from "../src/offline/index.js";
import { createEntityKeyEncoder } from "../src/online/entity-key.js";
import type { EncodedRows, OnlineRow } from "../src/online/online-store.js";
import { encodePackedRows } from "../src/online/packed-row.js";
import type { FeatureViewDef, FieldDef } from "../src/registry/model.js";

const f = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });

function viewOf(keys: FieldDef[], features: FieldDef[]): FeatureViewDef {
  return {
    name: "v",
    entities: [],
    entityColumns: keys,
    features,
    ttlSeconds: 0,
    source: {
      kind: "file",
      name: "s",
      path: "x",
      timestampField: "ts",
      createdTimestampColumn: "",
      fieldMapping: {},
      description: "",
      tags: {},
      owner: "",
    },
    online: true,
    description: "",
    tags: {},
    owner: "",
  };
}

/** Keys and rows of a batch, one Buffer each. */
function split(b: EncodedRows): { keys: Buffer[]; rows: Buffer[] } {
  const keys: Buffer[] = [];
  const rows: Buffer[] = [];
  for (let i = 0; i < b.count; i++) {
    keys.push(b.keys.subarray(i === 0 ? 0 : b.keyEnds[i - 1], b.keyEnds[i]));
    rows.push(b.rows.subarray(i === 0 ? 0 : b.rowEnds[i - 1], b.rowEnds[i]));
  }
  return { keys, rows };
}

async function viaBuilder(conn: DuckDBConnection, view: FeatureViewDef, sql: string, batch: number) {
  const builder = new EncodedRowsBuilder(view, 16);
  const result = await conn.stream(sql);
  const keys: Buffer[] = [];
  const rows: Buffer[] = [];
  const times: number[] = [];
  let rowsRead = 0;
  const flush = () => {
    const b = builder.take();
    const s = split(b);
    // Copies: the next batch must not share (and overwrite) this one's memory.
    keys.push(...s.keys.map((k) => Buffer.from(k)));
    rows.push(...s.rows.map((r) => Buffer.from(r)));
    times.push(...b.eventTimesUs);
  };
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    rowsRead += builder.append(chunk);
    if (builder.count >= batch) flush();
  }
  if (builder.count > 0) flush();
  return { keys, rows, times, rowsRead };
}

async function viaOracle(conn: DuckDBConnection, view: FeatureViewDef, sql: string) {
  const result = await conn.stream(sql);
  const all: OnlineRow[] = [];
  let rowsRead = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    rowsRead += appendChunkRows(chunk, rowConvertersOf(view), all);
  }
  const encodeKey = createEntityKeyEncoder(view.entityColumns);
  return {
    keys: all.map((r) => encodeKey(r.entityKey)),
    rows: encodePackedRows(view, all).map((b) => Buffer.from(b)),
    times: all.map((r) => r.eventTimeUs),
    rowsRead,
  };
}

describe("EncodedRowsBuilder: DuckDB chunks to keys and packed rows", () => {
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    db = await openDuckDb({ threads: 1, memoryLimit: "256MB" });
    conn = await db.connect();
  });
  afterAll(() => {
    conn?.closeSync();
    db?.closeSync();
  });

  it("matches the row encoder on every scalar type, nulls and strings of every length, over several chunks", async () => {
    const view = viewOf(
      [f("id", ValueType.INT64), f("city", ValueType.STRING), f("zone", ValueType.INT32)],
      [
        f("i32", ValueType.INT32),
        f("i64", ValueType.INT64),
        f("dbl", ValueType.DOUBLE),
        f("flt", ValueType.FLOAT),
        f("ok", ValueType.BOOL),
        f("name", ValueType.STRING),
        f("seen", ValueType.UNIX_TIMESTAMP),
        f("raw", ValueType.BYTES),
        f("counts", ValueType.INT64_LIST),
        f("names", ValueType.STRING_LIST),
        f("when", ValueType.UNIX_TIMESTAMP_LIST),
      ],
    );
    // 5,000 rows: three DuckDB chunks; nulls on different rows per column.
    const sql = `SELECT
        CAST(i * 7919 - 20000 AS BIGINT) AS k0,
        CASE i % 4 WHEN 0 THEN 'p' WHEN 1 THEN 'paris-' || i WHEN 2 THEN 'zürich-東京-' || i ELSE '' END AS k1,
        CAST(i % 5 - 2 AS INTEGER) AS k2,
        CASE WHEN i % 7 = 0 THEN NULL ELSE CAST(i * 31 - 70000 AS INTEGER) END,
        CASE WHEN i % 11 = 0 THEN NULL ELSE CAST(i AS BIGINT) * 1000000007 - 9223372036854775807 END,
        CASE WHEN i % 13 = 0 THEN NULL WHEN i % 13 = 1 THEN -0.0 ELSE i / 3.0 END,
        CASE WHEN i % 17 = 0 THEN NULL ELSE CAST(i / 7.0 AS FLOAT) END,
        CASE WHEN i % 19 = 0 THEN NULL ELSE i % 2 = 0 END,
        CASE WHEN i % 23 = 0 THEN NULL WHEN i % 3 = 0 THEN 'short' || i % 10 WHEN i % 3 = 1 THEN repeat('long-é', i % 40) ELSE '12-bytes-abc' END,
        CASE WHEN i % 29 = 0 THEN NULL ELSE CAST(1735689600000 + i * 1000 AS DOUBLE) END,
        CASE WHEN i % 31 = 0 THEN NULL ELSE CAST(repeat('x', i % 20) AS BLOB) END,
        CASE WHEN i % 37 = 0 THEN NULL ELSE [i, NULL, -i]::BIGINT[] END,
        CASE WHEN i % 41 = 0 THEN NULL ELSE ['a', 'bé' || i, repeat('z', i % 15)] END,
        CASE WHEN i % 43 = 0 THEN NULL ELSE [CAST(i AS DOUBLE), 1.5] END,
        CAST(1735689600000 + i * 3600 AS DOUBLE) AS ts,
        CAST(i % 9 + 1 AS DOUBLE) AS n
      FROM range(5000) t(i) ORDER BY i`;
    const got = await viaBuilder(conn, view, sql, 3000);
    const want = await viaOracle(conn, view, sql);
    expect(got.keys.length).toBe(5000);
    expect(got.rowsRead).toBe(want.rowsRead);
    expect(got.times).toEqual(want.times);
    for (let i = 0; i < 5000; i++) {
      if (!got.keys[i]?.equals(want.keys[i] as Buffer)) expect([i, got.keys[i]]).toEqual([i, want.keys[i]]);
      if (!got.rows[i]?.equals(want.rows[i] as Buffer)) expect([i, got.rows[i]]).toEqual([i, want.rows[i]]);
    }
  });

  it("refuses NaN and infinities in DOUBLE, FLOAT and their lists unless the view allows them, naming column and entity", async () => {
    const view = viewOf(
      [f("id", ValueType.INT64)],
      [
        f("d", ValueType.DOUBLE),
        f("r", ValueType.FLOAT),
        f("ds", ValueType.DOUBLE_LIST),
        f("n", ValueType.INT64),
      ],
    );
    const row = (d: string, r: string, ds: string) =>
      `SELECT 7::BIGINT, ${d}::DOUBLE, ${r}::FLOAT, ${ds}::DOUBLE[], 1::BIGINT, 1700000000000000::DOUBLE, 1::DOUBLE`;
    const cases: [string, RegExp][] = [
      [
        row("'nan'", "1", "[1.0]"),
        /column "d" holds nan in the source row of entity \(7\) at event time 2023-11-14/,
      ],
      [row("1", "'-inf'", "[1.0]"), /column "r" holds -inf in the source row of entity \(7\)/],
      [row("1", "1", "[1.0, 'inf'::DOUBLE]"), /column "ds" holds inf/],
    ];
    for (const [sql, message] of cases) {
      await expect(viaBuilder(conn, view, sql, 100)).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        message,
      });
      const allowing = { ...view, tags: { "fstore.allow_non_finite": "true" } };
      const allowed = await viaBuilder(conn, allowing, sql, 100);
      expect(allowed.rows).toEqual((await viaOracle(conn, allowing, sql)).rows);
    }
    // Finite values, nulls and empty lists pass.
    const fine = await viaBuilder(conn, view, row("-1e300", "NULL", "[]"), 100);
    expect(fine.rows).toHaveLength(1);
  });

  it("encodes keys without a raw form (bytes, timestamp) through the key encoder", async () => {
    const view = viewOf(
      [f("b", ValueType.BYTES), f("at", ValueType.UNIX_TIMESTAMP)],
      [f("x", ValueType.DOUBLE)],
    );
    const sql = `SELECT CAST('k' || i AS BLOB), CAST(1735689600000 + i * 1000 AS DOUBLE), CAST(i * 0.5 AS DOUBLE),
        CAST(1735689600000 AS DOUBLE), CAST(1 AS DOUBLE) FROM range(3000) t(i) ORDER BY i`;
    const got = await viaBuilder(conn, view, sql, 100);
    const want = await viaOracle(conn, view, sql);
    expect(got.keys).toEqual(want.keys);
    expect(got.rows).toEqual(want.rows);
  });

  it("batches own their memory: a taken batch is unchanged by later appends", async () => {
    const view = viewOf([f("id", ValueType.INT64)], [f("name", ValueType.STRING)]);
    const builder = new EncodedRowsBuilder(view, 4);
    const result = await conn.stream(
      `SELECT CAST(i AS BIGINT), 'name-' || i || '-long-enough', CAST(i AS DOUBLE), CAST(1 AS DOUBLE) FROM range(4096) t(i) ORDER BY i`,
    );
    const first = await result.fetchChunk();
    builder.append(first as NonNullable<typeof first>);
    const batch = builder.take();
    const before = Buffer.from(batch.rows);
    const second = await result.fetchChunk();
    builder.append(second as NonNullable<typeof second>);
    builder.take();
    expect(batch.count).toBe(2048);
    expect(batch.rows.equals(before)).toBe(true);
  });
});

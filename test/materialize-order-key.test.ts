/**
 * The packed BIGINT order key of the latest-row aggregate picks exactly the
 * rows the struct order picks, in DuckDB, over Parquet files with many ties
 * on event and created time (whole seconds, and microseconds), NULL created
 * times, and ties left to the file name and row.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { connectUtc } from "../src/materialize/duckdb.js";
import {
  latestRowsSql,
  type OrderStats,
  orderPacking,
  orderStatsSql,
} from "../src/materialize/latest-rows-sql.js";
import { openDuckDb } from "../src/offline/index.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import { tempRepo } from "./materialize-fixtures.js";

const f = (name: string, dtype: ValueType) => ({ name, dtype, description: "", tags: {} });

function viewOf(dir: string): FeatureViewDef {
  return {
    name: "v",
    entities: ["e"],
    entityColumns: [f("id", ValueType.INT64)],
    features: [f("tag", ValueType.STRING)],
    ttlSeconds: 0,
    source: {
      kind: "file",
      name: "s",
      path: dir,
      timestampField: "ts",
      createdTimestampColumn: "created",
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

async function rowsOf(conn: DuckDBConnection, sql: string): Promise<string[]> {
  const r = await conn.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY 1`);
  return r.getRows().map((row) => row.map(String).join("|"));
}

describe("latest rows: packed order key = struct order", () => {
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  let dir: string;
  beforeAll(async () => {
    db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
    conn = await connectUtc(db);
    dir = join(tempRepo().repoPath, "data");
    mkdirSync(dir, { recursive: true });
  });
  afterAll(() => {
    conn?.closeSync();
    db?.closeSync();
  });

  it.each([
    ["whole seconds", "1000000"],
    ["microseconds", "1"],
  ])("picks the same row per entity (%s)", async (name, step) => {
    const sub = join(dir, name.replace(" ", "-"));
    mkdirSync(sub, { recursive: true });
    // 4 files x 3,000 rows over 200 entities: few distinct times, so (event, created) ties are common
    // and file name and row decide; a fifth of the created times are NULL.
    for (let file = 0; file < 4; file++) {
      await conn.run(`COPY (
        SELECT CAST(i % 200 AS BIGINT) AS id,
               make_timestamp(1735689600000000 + CAST(hash(i, ${file}) % 5 AS BIGINT) * ${step}) AS ts,
               CASE WHEN hash(i, ${file}, 1) % 5 = 0 THEN NULL
                    ELSE make_timestamp(1735689600000000 + CAST(hash(i, ${file}, 2) % 3 AS BIGINT) * ${step}) END AS created,
               'f${file}-r' || i AS tag
        FROM range(3000) t(i)
      ) TO '${join(sub, `part-${file}.parquet`)}' (FORMAT parquet)`);
    }
    const view = viewOf(sub);
    const files = [0, 1, 2, 3].map((i) => join(sub, `part-${i}.parquet`));
    const start = new Date(Date.UTC(2025, 0, 1));
    const end = new Date(Date.UTC(2025, 0, 2));
    const s = (await conn.runAndReadAll(orderStatsSql(view, files, start, end))).getRows()[0] as (
      | bigint
      | null
    )[];
    const stats: OrderStats = {
      rows: s[0] as bigint,
      minT: s[1] ?? null,
      maxT: s[2] ?? null,
      tSub: s[3] ?? null,
      minC: s[4] ?? null,
      maxC: s[5] ?? null,
      cSub: s[6] ?? null,
      maxRow: s[7] ?? null,
    };
    expect(stats.rows).toBe(12_000n);
    expect(stats.tSub === 0n).toBe(step === "1000000");
    const packing = orderPacking(stats, files.length);
    expect(packing).not.toBeNull();
    const packed = await rowsOf(conn, latestRowsSql(view, files, start, end, packing));
    const struct = await rowsOf(conn, latestRowsSql(view, files, start, end));
    expect(packed).toHaveLength(200);
    expect(packed).toEqual(struct);
  });

  it("orders the same with rows without a key in the window (the statistics count them, the query drops them)", async () => {
    const sub = join(dir, "null-keys");
    mkdirSync(sub, { recursive: true });
    // Every third row has no key; those rows also hold the window's earliest and latest times
    // and the largest row numbers, so the statistics' bounds are wider than the keyed rows need.
    for (let file = 0; file < 2; file++) {
      await conn.run(`COPY (
        SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE CAST(i % 50 AS BIGINT) END AS id,
               make_timestamp(1735689600000000 + CASE WHEN i % 3 = 0 THEN i * 7 ELSE CAST(hash(i, ${file}) % 4 AS BIGINT) * 1000000 + 500000 END) AS ts,
               CASE WHEN hash(i, ${file}, 1) % 4 = 0 THEN NULL
                    ELSE make_timestamp(1735689600000000 + CAST(hash(i, ${file}, 2) % 3 AS BIGINT) * 1000000) END AS created,
               'f${file}-r' || i AS tag
        FROM range(600) t(i)
      ) TO '${join(sub, `part-${file}.parquet`)}' (FORMAT parquet)`);
    }
    const view = viewOf(sub);
    const files = [0, 1].map((i) => join(sub, `part-${i}.parquet`));
    const start = new Date(Date.UTC(2025, 0, 1));
    const end = new Date(Date.UTC(2025, 0, 2));
    const s = (await conn.runAndReadAll(orderStatsSql(view, files, start, end))).getRows()[0] as (
      | bigint
      | null
    )[];
    const stats: OrderStats = {
      rows: s[0] as bigint,
      minT: s[1] ?? null,
      maxT: s[2] ?? null,
      tSub: s[3] ?? null,
      minC: s[4] ?? null,
      maxC: s[5] ?? null,
      cSub: s[6] ?? null,
      maxRow: s[7] ?? null,
    };
    expect(stats.rows).toBe(1_200n);
    const packing = orderPacking(stats, files.length);
    expect(packing).not.toBeNull();
    const packed = await rowsOf(conn, latestRowsSql(view, files, start, end, packing));
    const struct = await rowsOf(conn, latestRowsSql(view, files, start, end));
    expect(packed).toHaveLength(50);
    expect(packed).toEqual(struct);
  });
});

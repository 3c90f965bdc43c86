/**
 * Materialization hands rows to the online store in the order of the stored
 * key bytes (so SQLite's B-tree inserts are sequential, not random): the
 * ORDER BY terms of `keyByteOrderTerms`, evaluated by DuckDB, sort rows as
 * `Buffer.compare` sorts their encoded keys, for every entity key type and
 * for composite keys (sorted by join-key name, as Feast serializes them).
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { connectUtc } from "../src/materialize/duckdb.js";
import { keyByteOrderTerms } from "../src/materialize/latest-rows-sql.js";
import { openDuckDb } from "../src/offline/index.js";
import { createEntityKeyEncoder } from "../src/online/entity-key.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import type { NativeValue } from "../src/values/index.js";

const f = (name: string, dtype: ValueType) => ({ name, dtype, description: "", tags: {} });

function viewWithKeys(keys: ReturnType<typeof f>[]): FeatureViewDef {
  return {
    name: "v",
    entities: ["e"],
    entityColumns: keys,
    features: [],
    ttlSeconds: 0,
    source: {
      kind: "file",
      name: "s",
      path: "/none",
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

/** A small deterministic generator (no Math.random: failures replay). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const int64s = (r: () => number) =>
  [0n, 1n, -1n, 255n, 256n, -256n, 2n ** 63n - 1n, -(2n ** 63n), 1001n].concat(
    Array.from(
      { length: 300 },
      () => BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * BigInt(1 + Math.floor(r() * 900)),
    ),
  );
const int32s = (r: () => number) =>
  [0, 1, -1, 255, 256, 2 ** 31 - 1, -(2 ** 31)].concat(
    Array.from({ length: 300 }, () => Math.floor((r() - 0.5) * 2 ** 32)),
  );
const strings = (r: () => number) =>
  ["", "a", "b", "ab", "é", "zz", "a\u0000b", "日本"].concat(
    Array.from({ length: 300 }, () =>
      Array.from({ length: Math.floor(r() * 300) }, () =>
        String.fromCharCode(32 + Math.floor(r() * 300)),
      ).join(""),
    ),
  );
const times = (r: () => number) =>
  [0, 1000, -1000, 1_767_225_600_000].concat(
    Array.from({ length: 300 }, () => Math.floor(((r() - 0.3) * 4e12) / 1000) * 1000),
  );

/** A DuckDB literal of a key value of type `t`, as `latestRowsSql` outputs it (timestamps: epoch ms DOUBLE). */
function literal(v: NativeValue, t: ValueType): string {
  switch (t) {
    case ValueType.STRING:
      // Through hex: the values include NUL and quotes.
      return `decode(from_hex('${Buffer.from(v as string, "utf8").toString("hex")}'))`;
    case ValueType.BYTES:
      return `from_hex('${Buffer.from(v as Uint8Array).toString("hex")}')`;
    case ValueType.INT32:
      return `CAST(${v} AS INTEGER)`;
    case ValueType.UNIX_TIMESTAMP:
      return `CAST(${(v as Date).getTime()} AS DOUBLE)`;
    default:
      return `CAST(${v} AS BIGINT)`;
  }
}

describe("keyByteOrderTerms: DuckDB sorts rows as the stored keys' bytes sort", () => {
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
    conn = await connectUtc(db);
  });
  afterAll(() => {
    conn?.closeSync();
    db?.closeSync();
  });

  const r = lcg(20);
  const bytesOf = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
  const cases: [string, ReturnType<typeof f>[], NativeValue[][]][] = [
    ["INT64", [f("id", ValueType.INT64)], int64s(r).map((v) => [v])],
    ["INT32", [f("id", ValueType.INT32)], int32s(r).map((v) => [v])],
    ["STRING", [f("id", ValueType.STRING)], strings(r).map((v) => [v])],
    ["BYTES", [f("id", ValueType.BYTES)], strings(r).map((v) => [bytesOf(v)])],
    ["UNIX_TIMESTAMP", [f("at", ValueType.UNIX_TIMESTAMP)], times(r).map((v) => [new Date(v)])],
    [
      "composite (columns not in name order)",
      [f("zone", ValueType.STRING), f("customer", ValueType.INT64), f("day", ValueType.INT32)],
      Array.from({ length: 600 }, () => [
        ["", "a", "ab", "b", "é"][Math.floor(r() * 5)] as string,
        BigInt(Math.floor(r() * 5)) - 2n,
        Math.floor(r() * 600) - 300,
      ]),
    ],
  ];

  it.each(cases)("%s", async (_, keys, rows) => {
    const view = viewWithKeys(keys);
    const values = rows
      .map(
        (row, i) =>
          `(${i}, ${row.map((v, c) => literal(v, (keys[c] as ReturnType<typeof f>).dtype)).join(", ")})`,
      )
      .join(",\n");
    const columns = ["i", ...keys.map((_, c) => `k${c}`)].join(", ");
    const sql = `SELECT i FROM (VALUES ${values}) AS t(${columns}) ORDER BY ${keyByteOrderTerms(view).join(", ")}, i`;
    const order = (await conn.runAndReadAll(sql)).getRows().map((row) => Number(row[0]));
    const encode = createEntityKeyEncoder(keys, "proj");
    const encoded = rows.map((row) => encode(row));
    const expected = rows
      .map((_, i) => i)
      .sort((a, b) => Buffer.compare(encoded[a] as Buffer, encoded[b] as Buffer) || a - b);
    expect(order).toEqual(expected);
  });
});

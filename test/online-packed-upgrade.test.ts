/**
 * Rows written by the previous packed version (1: event time in ms) are still
 * read correctly after the upgrade to microsecond event times (version 2),
 * on SQLite (a file of the previous format, `event_ts` in ms) and on Redis,
 * and the older-over-newer rule compares them with new rows at full
 * precision. Version 1 rows are built byte by byte here from the format.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEntityKeyEncoder,
  createOnlineStore,
  type OnlineStore,
  readStoredRows,
  writeOnlineRows,
} from "../src/online/index.js";
import { packedSchemaOf } from "../src/online/packed-row.js";
import { featureView, field, redisStoreConfig, repoConfig, ValueType } from "./support/online-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";

const view = featureView(
  "legacy",
  [field("id", ValueType.INT64)],
  [field("x", ValueType.DOUBLE), field("s", ValueType.STRING)],
);
const MS = 1_700_000_000_123;

/** A version 1 packed row: u8 1 | f64 ms | u32 fingerprint | u16 n | per feature u32 tag, u8 type, payload. */
function v1Row(ms: number, x: number, s: string): Buffer {
  const schema = packedSchemaOf(view);
  const text = Buffer.from(s, "utf8");
  const b = Buffer.alloc(15 + (4 + 1 + 8) + (4 + 1 + 4 + text.length));
  b[0] = 1;
  b.writeDoubleLE(ms, 1);
  b.writeUInt32LE(schema.fingerprint, 9);
  b.writeUInt16LE(2, 13);
  let p = 15;
  b.writeUInt32LE(schema.tags[0] as number, p);
  b[p + 4] = ValueType.DOUBLE;
  b.writeDoubleLE(x, p + 5);
  p += 13;
  b.writeUInt32LE(schema.tags[1] as number, p);
  b[p + 4] = ValueType.STRING;
  b.writeUInt32LE(text.length, p + 5);
  text.copy(b, p + 9);
  return b;
}

async function expectUpgradeBehaviour(store: OnlineStore): Promise<void> {
  const lookup = { view, features: ["x", "s"], entityKeys: [[1n], [2n]] };
  const [rows] = await readStoredRows(store, [lookup]);
  expect(rows?.map((r) => r && [r.eventTimeUs, r.values.get("x"), r.values.get("s")])).toEqual([
    [MS * 1000, 1.5, "old one"],
    [MS * 1000, 2.5, "old two"],
  ]);
  // 1 µs older than the version 1 row: skipped; at its time (a tie): written; the other 1 µs newer: written.
  expect(
    await writeOnlineRows(store, view, [
      { entityKey: [1n], eventTimeUs: MS * 1000 - 1, values: [9, "older"] },
    ]),
  ).toEqual({ written: 0, skippedStale: 1 });
  expect(
    await writeOnlineRows(store, view, [
      { entityKey: [1n], eventTimeUs: MS * 1000, values: [3.5, "tie"] },
      { entityKey: [2n], eventTimeUs: MS * 1000 + 1, values: [4.5, "newer"] },
    ]),
  ).toEqual({ written: 2, skippedStale: 0 });
  const [after] = await readStoredRows(store, [lookup]);
  expect(after?.map((r) => r && [r.eventTimeUs, r.values.get("s")])).toEqual([
    [MS * 1000, "tie"],
    [MS * 1000 + 1, "newer"],
  ]);
}

describe("reading rows of the previous packed version", () => {
  let redis: StartedRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it("SQLite: a file of the previous format (event_ts in ms, version 1 rows)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "fstore-upgrade-")), "online.db");
    // The previous schema, as that version created it (user_version 0).
    const db = new Database(path);
    db.exec(`CREATE TABLE online_rows (
      view TEXT NOT NULL, entity_key BLOB NOT NULL, event_ts REAL NOT NULL, row BLOB NOT NULL,
      PRIMARY KEY (view, entity_key)) WITHOUT ROWID;
      CREATE TABLE online_locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at REAL NOT NULL);`);
    const key = createEntityKeyEncoder(view.entityColumns, "p_up");
    const insert = db.prepare("INSERT INTO online_rows VALUES (?, ?, ?, ?)");
    insert.run("legacy", key([1n]), MS, v1Row(MS, 1.5, "old one"));
    insert.run("legacy", key([2n]), MS, v1Row(MS, 2.5, "old two"));
    db.close();
    const store = createOnlineStore(repoConfig({ type: "sqlite", path }, "p_up"));
    try {
      await expectUpgradeBehaviour(store);
    } finally {
      await store.close();
    }
    // The file now records its format: opening it again converts nothing twice.
    const reopened = new Database(path);
    expect(reopened.pragma("user_version", { simple: true })).toBe(2);
    expect(reopened.prepare("SELECT event_ts FROM online_rows ORDER BY entity_key").pluck().all()).toEqual([
      MS * 1000,
      MS * 1000 + 1,
    ]);
    reopened.close();
    const again = createOnlineStore(repoConfig({ type: "sqlite", path }, "p_up"));
    try {
      const [rows] = await readStoredRows(again, [{ view, features: ["s"], entityKeys: [[2n]] }]);
      expect(rows?.[0]?.eventTimeUs).toBe(MS * 1000 + 1);
    } finally {
      await again.close();
    }
  });

  it("Redis packed: version 1 rows in the hash field, older-over-newer in µs in the write script", async () => {
    const raw = new Redis({ host: "127.0.0.1", port: redis.port });
    const key = createEntityKeyEncoder(view.entityColumns, "p_up");
    await raw.hset(key([1n]), "legacy", v1Row(MS, 1.5, "old one"));
    await raw.hset(key([2n]), "legacy", v1Row(MS, 2.5, "old two"));
    raw.disconnect();
    const store = createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "packed"), "p_up"));
    try {
      await expectUpgradeBehaviour(store);
    } finally {
      await store.close();
    }
  });
});

/**
 * The Redis packed layout's bulk write (`write` of an encoded batch): HSETNX
 * first, the compare-and-set script only for fields that exist. Older never
 * overwrites newer on both steps (a newer row written by `writeOnlineRows`, as
 * Push does, survives an older batch), ties go to the
 * incoming row, a key ttl is set on both paths, and a cluster routes rows to
 * their nodes. Batches are built with the row encoders (`createEntityKeyEncoder`,
 * `encodePackedRows`), independently of the DuckDB chunk encoder.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntityKeyEncoder } from "../src/online/entity-key.js";
import { createOnlineStore, type OnlineStore, readStoredRows, writeOnlineRows } from "../src/online/index.js";
import type { EncodedRows, OnlineRow } from "../src/online/online-store.js";
import { encodePackedRows } from "../src/online/packed-row.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import { featureView, field, redisStoreConfig, repoConfig, ValueType } from "./support/online-fixtures.js";
import { type RedisCluster, type StartedRedis, startRedis, startRedisCluster } from "./support/redis.js";

const driverId = field("driver_id", ValueType.INT64);
const stats = featureView(
  "driver_stats",
  [driverId],
  [field("rate", ValueType.DOUBLE), field("trips", ValueType.INT64), field("city", ValueType.STRING)],
);
const other = featureView("driver_other", [driverId], [field("score", ValueType.FLOAT)]);

function row(id: number, ms: number, tag: string): OnlineRow {
  return { entityKey: [BigInt(id)], eventTimeUs: ms * 1000, values: [id / 8, BigInt(id * 3), tag] };
}

/** An encoded batch of `rows` made by the row encoders. */
function encoded(view: FeatureViewDef, rows: OnlineRow[]): EncodedRows {
  const encodeKey = createEntityKeyEncoder(view.entityColumns);
  const keys = rows.map((r) => encodeKey(r.entityKey));
  const packed = encodePackedRows(view, rows);
  const ends = (parts: Buffer[]) => {
    const out = new Uint32Array(parts.length);
    let at = 0;
    parts.forEach((p, i) => {
      at += p.length;
      out[i] = at;
    });
    return out;
  };
  return {
    count: rows.length,
    keys: Buffer.concat(keys),
    keyEnds: ends(keys),
    rows: Buffer.concat(packed),
    rowEnds: ends(packed),
    eventTimesUs: Float64Array.from(rows, (r) => r.eventTimeUs),
  };
}

async function writeEncoded(store: OnlineStore, view: FeatureViewDef, rows: OnlineRow[]) {
  return store.write(view, encoded(view, rows));
}

/** Stored (event ms, city) per id, through the store's ordinary read. */
async function stored(store: OnlineStore, ids: number[]): Promise<([number, string] | undefined)[]> {
  const [rows] = await readStoredRows(store, [
    { view: stats, features: ["rate", "trips", "city"], entityKeys: ids.map((id) => [BigInt(id)]) },
  ]);
  return (rows ?? []).map((r) => r && [r.eventTimeUs / 1000, r.values.get("city") as string]);
}

function commandCalls(info: string, cmd: string): number {
  return Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describe("Redis packed bulk writes (standalone)", () => {
  let redis: StartedRedis;
  let admin: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis({ host: "127.0.0.1", port: redis.port });
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it("writes new fields with HSETNX alone and sends only existing fields through the script", async () => {
    const store = createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "packed"), "p1"));
    try {
      await admin.config("RESETSTAT");
      const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
      expect(
        await writeEncoded(
          store,
          stats,
          ids.map((id) => row(id, 1000, "a")),
        ),
      ).toEqual({
        written: 1000,
        skippedStale: 0,
      });
      let info = await admin.info("commandstats");
      expect(commandCalls(info, "hsetnx")).toBe(1000);
      expect(commandCalls(info, "eval") + commandCalls(info, "evalsha") + commandCalls(info, "hset")).toBe(0);
      expect(await stored(store, [1, 500, 1000])).toEqual([
        [1000, "a"],
        [1000, "a"],
        [1000, "a"],
      ]);
      // Another view of the same entities: its own field, so HSETNX writes it beside the first.
      await admin.config("RESETSTAT");
      const res = await store.write(
        other,
        encoded(
          other,
          ids.map((id) => ({ entityKey: [BigInt(id)], eventTimeUs: 1 * 1000, values: [0.5] })),
        ),
      );
      expect(res).toEqual({ written: 1000, skippedStale: 0 });
      info = await admin.info("commandstats");
      expect(commandCalls(info, "eval")).toBe(0);
      // Existing fields: 1,000 HSETNX replies 0, then 2 script calls of 500 rows.
      await admin.config("RESETSTAT");
      expect(
        await writeEncoded(
          store,
          stats,
          ids.map((id) => row(id, 2000, "b")),
        ),
      ).toEqual({
        written: 1000,
        skippedStale: 0,
      });
      info = await admin.info("commandstats");
      expect(commandCalls(info, "hsetnx")).toBe(1000);
      expect(commandCalls(info, "eval")).toBe(2);
      expect(await stored(store, [1, 1000])).toEqual([
        [2000, "b"],
        [2000, "b"],
      ]);
    } finally {
      await store.close();
    }
  });

  it("skips HSETNX after a batch of mostly existing fields (the script alone keeps the rule), and probes again every 8th batch", async () => {
    const store = createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "packed"), "p5"));
    try {
      const ids = Array.from({ length: 100 }, (_, i) => i + 1);
      await writeEncoded(
        store,
        stats,
        ids.map((id) => row(id, 1000, "a")),
      );
      // Every field exists: HSETNX-first learns it (100 HSETNX replying 0, then the script).
      expect(
        await writeEncoded(
          store,
          stats,
          ids.map((id) => row(id, 2000, "b")),
        ),
      ).toEqual({
        written: 100,
        skippedStale: 0,
      });
      await admin.config("RESETSTAT");
      // Script only now: new entities (201..210) are still written, older rows still refused.
      const mixed = [
        ...Array.from({ length: 10 }, (_, i) => row(201 + i, 500, "new")),
        row(1, 1500, "older"),
        row(2, 3000, "newer"),
      ];
      expect(await writeEncoded(store, stats, mixed)).toEqual({ written: 11, skippedStale: 1 });
      let info = await admin.info("commandstats");
      expect(commandCalls(info, "hsetnx")).toBe(0);
      expect(commandCalls(info, "eval")).toBe(1);
      expect(await stored(store, [1, 2, 201, 210])).toEqual([
        [2000, "b"],
        [3000, "newer"],
        [500, "new"],
        [500, "new"],
      ]);
      // Batches 2..7 of script-only mode, then the 8th probes with HSETNX again.
      for (let b = 0; b < 6; b++) await writeEncoded(store, stats, [row(3, 4000 + b, "s")]);
      info = await admin.info("commandstats");
      expect(commandCalls(info, "hsetnx")).toBe(0);
      await writeEncoded(
        store,
        stats,
        Array.from({ length: 10 }, (_, i) => row(301 + i, 1, "probe")),
      );
      info = await admin.info("commandstats");
      expect(commandCalls(info, "hsetnx")).toBe(10);
      expect(await stored(store, [301])).toEqual([[1, "probe"]]);
    } finally {
      await store.close();
    }
  });

  it("probes a sample: HSETNX for the first 256 rows of a probing batch, the script for the rest", async () => {
    const store = createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "packed"), "p6"));
    try {
      const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
      await writeEncoded(
        store,
        stats,
        ids.map((id) => row(id, 1000, "a")),
      );
      // Every field exists: script-only from the next batch on (this one learns it with 1,000 HSETNX).
      await writeEncoded(
        store,
        stats,
        ids.map((id) => row(id, 2000, "b")),
      );
      for (let b = 0; b < 7; b++) await writeEncoded(store, stats, [row(1, 3000 + b, "s")]);
      // The 8th script-only batch probes: 256 HSETNX (all existing), then 1,000 rows through the script
      // (two calls of 500), every tenth row older than what is stored.
      await admin.config("RESETSTAT");
      const update = ids.map((id) => row(id, id % 10 === 0 ? 1500 : 4000, "c"));
      expect(await writeEncoded(store, stats, update)).toEqual({ written: 900, skippedStale: 100 });
      let info = await admin.info("commandstats");
      expect(commandCalls(info, "hsetnx")).toBe(256);
      expect(commandCalls(info, "eval")).toBe(2);
      expect(await stored(store, [1, 10, 301, 1000])).toEqual([
        [4000, "c"],
        [2000, "b"],
        [4000, "c"],
        [2000, "b"],
      ]);
      // Still script-only; the next probe finds new entities: 256 written by HSETNX, 744 by the script,
      // and HSETNX-first comes back for the batch after it.
      for (let b = 0; b < 7; b++) await writeEncoded(store, stats, [row(1, 5000 + b, "s")]);
      await admin.config("RESETSTAT");
      const fresh = ids.map((id) => row(5000 + id, 100, "new"));
      expect(await writeEncoded(store, stats, fresh)).toEqual({ written: 1000, skippedStale: 0 });
      info = await admin.info("commandstats");
      expect(commandCalls(info, "hsetnx")).toBe(256);
      expect(commandCalls(info, "eval")).toBe(2);
      await admin.config("RESETSTAT");
      await writeEncoded(
        store,
        stats,
        ids.map((id) => row(7000 + id, 100, "new")),
      );
      info = await admin.info("commandstats");
      expect(commandCalls(info, "hsetnx")).toBe(1000);
      expect(commandCalls(info, "eval")).toBe(0);
      const [got] = await readStoredRows(store, [
        {
          view: stats,
          features: ["city"],
          entityKeys: [5001, 5256, 5257, 6000, 7001, 8000].map((id) => [BigInt(id)]),
        },
      ]);
      expect(got?.map((r) => r?.values.get("city"))).toEqual(["new", "new", "new", "new", "new", "new"]);
    } finally {
      await store.close();
    }
  });

  it("never replaces a newer row (written as Push writes) with an older one; ties go to the incoming row", async () => {
    const store = createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "packed"), "p2"));
    try {
      // Newer rows for ids 1..10 through the ordinary write (the script, as Push uses).
      await writeOnlineRows(
        store,
        stats,
        Array.from({ length: 10 }, (_, i) => row(i + 1, 5000, "pushed")),
      );
      // An older batch for ids 1..20: 11..20 are new (HSETNX), 1..10 hold newer rows (the script refuses).
      const ids = Array.from({ length: 20 }, (_, i) => i + 1);
      expect(
        await writeEncoded(
          store,
          stats,
          ids.map((id) => row(id, 4000, "older")),
        ),
      ).toEqual({
        written: 10,
        skippedStale: 10,
      });
      const after = await stored(store, ids);
      expect(after.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => [5000, "pushed"]));
      expect(after.slice(10)).toEqual(Array.from({ length: 10 }, () => [4000, "older"]));
      // A tie goes to the incoming row; a newer one replaces; an older one still does not.
      expect(
        await writeEncoded(store, stats, [row(1, 5000, "tie"), row(2, 6000, "newer"), row(3, 1, "old")]),
      ).toEqual({ written: 2, skippedStale: 1 });
      expect(await stored(store, [1, 2, 3])).toEqual([
        [5000, "tie"],
        [6000, "newer"],
        [5000, "pushed"],
      ]);
    } finally {
      await store.close();
    }
  });

  it("sets key_ttl_seconds on keys HSETNX wrote and on keys the script updated", async () => {
    const store = createOnlineStore(
      repoConfig(redisStoreConfig(redis.connectionString, "packed", "redis", 3600), "p3"),
    );
    const plain = createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "packed"), "p3"));
    try {
      // id 2 exists without a ttl (written by a store without one): the script path must set it.
      await writeOnlineRows(plain, stats, [row(2, 1000, "x")]);
      const key = (id: number) =>
        Buffer.concat([createEntityKeyEncoder(stats.entityColumns)([BigInt(id)]), Buffer.from("p3")]);
      expect(await admin.ttl(key(2))).toBe(-1);
      expect(await writeEncoded(store, stats, [row(1, 2000, "n"), row(2, 2000, "u")])).toEqual({
        written: 2,
        skippedStale: 0,
      });
      for (const id of [1, 2]) {
        const ttl = await admin.ttl(key(id));
        expect(ttl).toBeGreaterThan(3500);
        expect(ttl).toBeLessThanOrEqual(3600);
      }
    } finally {
      await store.close();
      await plain.close();
    }
  });
});

describe("Redis packed bulk writes (cluster)", () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it("routes rows to their nodes by slot, on both paths", async () => {
    const store = createOnlineStore(
      repoConfig(redisStoreConfig(cluster.connectionString, "packed", "redis_cluster"), "cl_bulk"),
    );
    try {
      const ids = Array.from({ length: 300 }, (_, i) => i + 1);
      // Every tenth id already holds a newer row (the script path must refuse those).
      await writeOnlineRows(
        store,
        stats,
        ids.filter((id) => id % 10 === 0).map((id) => row(id, 9000, "newer")),
      );
      expect(
        await writeEncoded(
          store,
          stats,
          ids.map((id) => row(id, 3000, "m")),
        ),
      ).toEqual({
        written: 270,
        skippedStale: 30,
      });
      const perNode = cluster.nodes.map((n) =>
        Number(/keys=(\d+)/.exec(n.cli("info", "keyspace"))?.[1] ?? 0),
      );
      expect(perNode.filter((k) => k > 0)).toHaveLength(3);
      expect(perNode.reduce((a, b) => a + b, 0)).toBe(300);
      const got = await stored(store, ids);
      expect(got).toEqual(ids.map((id) => (id % 10 === 0 ? [9000, "newer"] : [3000, "m"])));
      // Again, newer: every row exists now, so all go through the script, per node.
      expect(
        await writeEncoded(
          store,
          stats,
          ids.map((id) => row(id, 10_000, "z")),
        ),
      ).toEqual({
        written: 300,
        skippedStale: 0,
      });
      expect(await stored(store, [1, 150, 300])).toEqual([
        [10_000, "z"],
        [10_000, "z"],
        [10_000, "z"],
      ]);
    } finally {
      await store.close();
    }
  });
});

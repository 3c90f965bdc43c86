/**
 * The online store conformance suite (Feast's "universal" tests idea): the
 * same cases against SQLite, Redis standalone (packed and feast layouts) and
 * a 3-node Redis Cluster (both layouts), each started by the test itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOnlineStore,
  type OnlineRow,
  type OnlineStore,
  readStoredRows,
  writeOnlineRows,
} from "../src/online/index.js";
import { decodePackedRow, packedReadPlan } from "../src/online/packed-row.js";
import type { NativeValue } from "../src/values/index.js";
import {
  featureView,
  field,
  redisStoreConfig,
  repoConfig,
  sqliteStoreConfig,
  ValueType,
} from "./support/online-fixtures.js";
import { type RedisCluster, type StartedRedis, startRedis, startRedisCluster } from "./support/redis.js";

let redis: StartedRedis;
let cluster: RedisCluster;
beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startRedisCluster(3)]);
});
afterAll(async () => {
  await redis?.close();
  await cluster?.close();
});

const driver = field("driver_id", ValueType.INT64);
const stats = featureView(
  "driver_stats",
  [driver],
  [
    field("conv_rate", ValueType.FLOAT),
    field("acc_rate", ValueType.DOUBLE),
    field("trips", ValueType.INT64),
    field("city", ValueType.STRING),
    field("active", ValueType.BOOL),
    field("tags", ValueType.STRING_LIST),
    field("scores", ValueType.DOUBLE_LIST),
    field("seen", ValueType.UNIX_TIMESTAMP),
    field("blob", ValueType.BYTES),
    field("small", ValueType.INT32),
  ],
);
const other = featureView("driver_other", [driver], [field("x", ValueType.DOUBLE)]);
const pair = featureView(
  "pair_stats",
  [field("zone", ValueType.STRING), driver],
  [field("n", ValueType.INT64)],
);

const t0 = new Date("2024-01-01T00:00:00.000Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function statsRow(id: number, ts: Date, k = id): OnlineRow {
  const values: NativeValue[] = [
    Math.fround(k / 7),
    k / 3,
    BigInt(k) * 10_000_000_000n,
    `city-${k}`,
    k % 2 === 0,
    [`t${k}`, "x"],
    [k, -k],
    new Date(t0.getTime() + k * 1000),
    new Uint8Array([k & 255, 1]),
    k % 1000,
  ];
  if (k % 5 === 0) values[1] = null;
  return { entityKey: [BigInt(id)], eventTimeUs: ts.getTime() * 1000, values };
}

/** One SQLite file for every project, as one Redis is. */
const sqliteFile = sqliteStoreConfig();

/** Each store opened under a project of its own, so stores sharing one Redis do not see each other's keys. */
const stores: [string, string, (project: string) => OnlineStore][] = [
  ["sqlite", "p_sqlite", (project) => createOnlineStore(repoConfig(sqliteFile, project))],
  [
    "redis packed",
    "p_packed",
    (project) => createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "packed"), project)),
  ],
  [
    "redis feast",
    "p_feast",
    (project) => createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "feast"), project)),
  ],
  [
    "redis cluster packed",
    "p_cpacked",
    (project) =>
      createOnlineStore(
        repoConfig(redisStoreConfig(cluster.connectionString, "packed", "redis_cluster"), project),
      ),
  ],
  [
    "redis cluster feast",
    "p_cfeast",
    (project) =>
      createOnlineStore(
        repoConfig(redisStoreConfig(cluster.connectionString, "feast", "redis_cluster"), project),
      ),
  ],
];

describe.each(stores)("online store conformance: %s", (_name, project, open) => {
  let store: OnlineStore;
  beforeAll(async () => {
    store = open(project);
  });
  afterAll(async () => {
    await store.close();
  });
  const names = stats.features.map((f) => f.name);

  it("reads back what it wrote, value by value, for 2,000 entities", async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => statsRow(i + 1, at(i % 17)));
    const res = await writeOnlineRows(store, stats, rows);
    expect(res).toEqual({ written: 2000, skippedStale: 0 });
    const keys = rows.map((r) => r.entityKey);
    const [read] = await readStoredRows(store, [{ view: stats, features: names, entityKeys: keys }]);
    expect(read).toHaveLength(2000);
    rows.forEach((row, i) => {
      const got = read?.[i];
      expect(got?.eventTimeUs).toEqual(row.eventTimeUs);
      expect(names.map((n) => got?.values.get(n))).toEqual(row.values);
    });
  });

  it("returns undefined for unknown entities and only the features asked for", async () => {
    await writeOnlineRows(store, stats, [statsRow(5001, at(0))]);
    const [read] = await readStoredRows(store, [
      { view: stats, features: ["trips", "city"], entityKeys: [[5001n], [999_999n], [5001n]] },
    ]);
    expect(read?.[1]).toBeUndefined();
    expect([...(read?.[0]?.values.keys() ?? [])].sort()).toEqual(["city", "trips"]);
    expect(read?.[0]?.values.get("trips")).toBe(50_010_000_000_000n);
    expect(read?.[2]?.values.get("city")).toBe("city-5001");
  });

  it("reads each entity's packed row, duplicates included, holding what was written", async () => {
    await writeOnlineRows(store, stats, [statsRow(8001, at(5)), statsRow(8002, at(6))]);
    const lookup = {
      view: stats,
      features: ["city", "nope", "trips"],
      entityKeys: [[8002n], [8001n], [999_998n], [8002n]],
    };
    const [packed] = await store.read([lookup]);
    expect(packed).toHaveLength(4);
    expect(packed?.[2]).toBeUndefined();
    expect(Buffer.compare(packed?.[0] as Buffer, packed?.[3] as Buffer)).toBe(0);
    // Every layout hands back the whole row of the view: decoded with all features, it is the row written.
    const all = packedReadPlan(stats, names);
    for (const [i, id] of [
      [0, 8002],
      [1, 8001],
    ] as const) {
      const row = decodePackedRow(all, packed?.[i] as Buffer);
      const want = statsRow(id, at(id - 8001 + 5));
      expect(row.eventTimeUs).toEqual(want.eventTimeUs);
      expect(names.map((n) => row.values.get(n))).toEqual(want.values);
    }
  });

  it("reads several views, including composite keys, in one call", async () => {
    await writeOnlineRows(store, other, [
      { entityKey: [7n], eventTimeUs: at(3).getTime() * 1000, values: [2.5] },
    ]);
    await writeOnlineRows(store, pair, [
      { entityKey: ["north", 7n], eventTimeUs: at(4).getTime() * 1000, values: [11n] },
      { entityKey: ["south", 7n], eventTimeUs: at(4).getTime() * 1000, values: [12n] },
    ]);
    await writeOnlineRows(store, stats, [statsRow(7, at(1))]);
    const [s, o, p] = await readStoredRows(store, [
      { view: stats, features: ["trips"], entityKeys: [[7n]] },
      { view: other, features: ["x"], entityKeys: [[7n], [8n]] },
      {
        view: pair,
        features: ["n"],
        entityKeys: [
          ["south", 7n],
          ["north", 7n],
          ["east", 7n],
        ],
      },
    ]);
    expect(s?.[0]?.values.get("trips")).toBe(70_000_000_000n);
    expect(o?.[0]?.values.get("x")).toBe(2.5);
    expect(o?.[1]).toBeUndefined();
    expect(p?.map((r) => r?.values.get("n"))).toEqual([12n, 11n, undefined]);
  });

  it("never replaces a newer row with an older one; ties go to the incoming row", async () => {
    await writeOnlineRows(store, stats, [statsRow(6001, at(100), 1)]);
    const older = await writeOnlineRows(store, stats, [statsRow(6001, at(50), 2)]);
    expect(older).toEqual({ written: 0, skippedStale: 1 });
    let [read] = await readStoredRows(store, [{ view: stats, features: ["city"], entityKeys: [[6001n]] }]);
    expect(read?.[0]?.values.get("city")).toBe("city-1");
    expect(read?.[0]?.eventTimeUs).toEqual(at(100).getTime() * 1000);
    const tie = await writeOnlineRows(store, stats, [statsRow(6001, at(100), 3)]);
    expect(tie).toEqual({ written: 1, skippedStale: 0 });
    const newer = await writeOnlineRows(store, stats, [statsRow(6001, at(101), 4), statsRow(6002, at(1), 4)]);
    expect(newer).toEqual({ written: 2, skippedStale: 0 });
    [read] = await readStoredRows(store, [{ view: stats, features: ["city"], entityKeys: [[6001n]] }]);
    expect(read?.[0]?.values.get("city")).toBe("city-4");
    expect(read?.[0]?.eventTimeUs).toEqual(at(101).getTime() * 1000);
  });

  it("keeps microseconds and applies the rule to rows 1 µs apart", async () => {
    const t = at(200).getTime() * 1000 + 123_456;
    const row = (us: number, x: number) => ({ entityKey: [9101n], eventTimeUs: us, values: [x] });
    expect(await writeOnlineRows(store, other, [row(t + 1, 1)])).toEqual({ written: 1, skippedStale: 0 });
    expect(await writeOnlineRows(store, other, [row(t, 2)])).toEqual({ written: 0, skippedStale: 1 });
    expect(await writeOnlineRows(store, other, [row(t + 1, 3)])).toEqual({ written: 1, skippedStale: 0 });
    const [read] = await readStoredRows(store, [{ view: other, features: ["x"], entityKeys: [[9101n]] }]);
    expect([read?.[0]?.eventTimeUs, read?.[0]?.values.get("x")]).toEqual([t + 1, 3]);
  });

  it("applies the rule per row inside one batch", async () => {
    await writeOnlineRows(store, other, [
      { entityKey: [9001n], eventTimeUs: at(10).getTime() * 1000, values: [1] },
      { entityKey: [9002n], eventTimeUs: at(10).getTime() * 1000, values: [1] },
    ]);
    const res = await writeOnlineRows(store, other, [
      { entityKey: [9001n], eventTimeUs: at(5).getTime() * 1000, values: [2] },
      { entityKey: [9002n], eventTimeUs: at(20).getTime() * 1000, values: [3] },
      { entityKey: [9003n], eventTimeUs: at(1).getTime() * 1000, values: [4] },
    ]);
    expect(res).toEqual({ written: 2, skippedStale: 1 });
    const [read] = await readStoredRows(store, [
      { view: other, features: ["x"], entityKeys: [[9001n], [9002n], [9003n]] },
    ]);
    expect(read?.map((r) => r?.values.get("x"))).toEqual([1, 3, 4]);
  });

  it("never decodes a row written before the view's schema changed into wrong values", async () => {
    const v1 = featureView("evolving", [driver], [field("a", ValueType.DOUBLE), field("b", ValueType.INT64)]);
    await writeOnlineRows(store, v1, [
      { entityKey: [1n], eventTimeUs: at(0).getTime() * 1000, values: [1.5, 2n] },
    ]);
    // b retyped to STRING, c added, a kept.
    const v2 = featureView(
      "evolving",
      [driver],
      [field("c", ValueType.DOUBLE), field("b", ValueType.STRING), field("a", ValueType.DOUBLE)],
    );
    const [read] = await readStoredRows(store, [{ view: v2, features: ["a", "b", "c"], entityKeys: [[1n]] }]);
    expect(read?.[0]?.values.get("a")).toBe(1.5);
    expect(read?.[0]?.values.has("b")).toBe(false);
    expect(read?.[0]?.values.has("c")).toBe(false);
  });

  it("samples entity keys of a view and deletes a view's rows", async () => {
    const v = featureView("sampled", [driver], [field("x", ValueType.DOUBLE)]);
    const rows = Array.from({ length: 30 }, (_, i) => ({
      entityKey: [BigInt(i + 100)],
      eventTimeUs: at(0).getTime() * 1000,
      values: [i],
    }));
    await writeOnlineRows(store, v, rows);
    const sample = await store.sampleEntityKeys(v, 10);
    expect(sample).toHaveLength(10);
    const all = new Set(rows.map((r) => String(r.entityKey[0])));
    for (const k of sample) expect(all.has(String(k[0]))).toBe(true);
    expect(new Set(sample.map(String)).size).toBe(10);
    const everything = await store.sampleEntityKeys(v, 1000);
    expect(everything.map((k) => String(k[0])).sort()).toEqual([...all].sort());

    await store.deleteView(v);
    const [read] = await readStoredRows(store, [
      { view: v, features: ["x"], entityKeys: rows.map((r) => r.entityKey) },
    ]);
    expect(read?.every((r) => r === undefined)).toBe(true);
    // Other views of the same entities are untouched.
    const [still] = await readStoredRows(store, [{ view: stats, features: ["trips"], entityKeys: [[100n]] }]);
    expect(still?.[0]?.values.get("trips")).toBe(1_000_000_000_000n);
  });

  it("samples and deletes only its own project's rows when another project's name ends with its own", async () => {
    // Keys end with the project's bytes: project "xp_sqlite" ends with "p_sqlite".
    const other = open(`x${project}`);
    try {
      const v = featureView("shared_name", [driver], [field("x", ValueType.DOUBLE)]);
      const rowsOf = (ids: number[]) =>
        ids.map((id) => ({ entityKey: [BigInt(id)], eventTimeUs: at(0).getTime() * 1000, values: [id] }));
      const mine = rowsOf([501, 502, 503]);
      const theirs = rowsOf([601, 602, 603, 604]);
      await writeOnlineRows(store, v, mine);
      await writeOnlineRows(other, v, theirs);
      expect((await store.sampleEntityKeys(v, 100)).map((k) => String(k[0])).sort()).toEqual([
        "501",
        "502",
        "503",
      ]);
      await store.deleteView(v);
      const keys = theirs.map((r) => r.entityKey);
      const [kept] = await readStoredRows(other, [{ view: v, features: ["x"], entityKeys: keys }]);
      expect(kept?.map((r) => r?.values.get("x"))).toEqual([601, 602, 603, 604]);
      const [gone] = await readStoredRows(store, [
        { view: v, features: ["x"], entityKeys: mine.map((r) => r.entityKey) },
      ]);
      expect(gone?.every((r) => r === undefined)).toBe(true);
      await other.deleteView(v);
    } finally {
      await other.close();
    }
  });

  it("rejects values of the wrong type with INVALID_ARGUMENT and writes nothing", async () => {
    await expect(
      writeOnlineRows(store, other, [
        { entityKey: [77_001n], eventTimeUs: at(0).getTime() * 1000, values: [1] },
        { entityKey: [77_002n], eventTimeUs: at(0).getTime() * 1000, values: ["nope"] },
      ]),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    const [read] = await readStoredRows(store, [{ view: other, features: ["x"], entityKeys: [[77_001n]] }]);
    expect(read?.[0]).toBeUndefined();
  });
});

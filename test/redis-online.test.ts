/**
 * Redis-specific online behaviour: Feast byte compatibility of the `feast`
 * layout (published bytes, and data written by hand as Feast would), key
 * ttl, a 3-node cluster served over gRPC, and outages (killed or hung Redis)
 * giving UNAVAILABLE within the deadline, then recovery.
 */

import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FstoreClientError } from "../clients/typescript/src/index.js";
import { createOnlineStore, type OnlineStore, readStoredRows, writeOnlineRows } from "../src/online/index.js";
import type { RepoDefinitions } from "../src/registry/model.js";
import { featureView, field, redisStoreConfig, repoConfig, ValueType } from "./support/online-fixtures.js";
import {
  freePort,
  type RedisCluster,
  type StartedRedis,
  startRedis,
  startRedisCluster,
} from "./support/redis.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

const require = createRequire(import.meta.url);
/** An independent murmur3 implementation (the npm package), to check the field names. */
const refMurmur = require("murmurhash3js-revisited") as {
  x86: { hash32(b: Uint8Array, seed?: number): number };
};
const fieldOf = (ref: string) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(refMurmur.x86.hash32(Buffer.from(ref), 0));
  return b.toString("hex");
};

/** A protobuf varint, written here from the wire format (independent of fstore's encoders). */
function varint(n: number): Buffer {
  const out: number[] = [];
  let x = n;
  while (x >= 0x80) {
    out.push((x % 0x80) | 0x80);
    x = Math.floor(x / 0x80);
  }
  out.push(x);
  return Buffer.from(out);
}

/** Reads a varint at `at`: [value, next offset]. */
function readVarint(b: Buffer, at: number): [number, number] {
  let v = 0;
  let mul = 1;
  let p = at;
  for (;;) {
    const c = b[p++] as number;
    v += (c & 0x7f) * mul;
    mul *= 128;
    if (c < 0x80) return [v, p];
  }
}

/**
 * Which field of a serialized Feast `Value` is set, decoded from its first
 * tag (Value's fields: 1 bytes_val, 2 string_val, 3 int32_val, 4 int64_val,
 * 5 double_val, 6 float_val, 7 bool_val, 8 unix_timestamp_val, 19 null_val):
 * null when none is, which Feast's `to_dict()` turns into None.
 */
function feastValueByHand(b: Buffer): string | null {
  if (b.length === 0) return null;
  const [tag] = readVarint(b, 0);
  const names: Record<number, string> = {
    1: "bytes_val",
    2: "string_val",
    3: "int32_val",
    4: "int64_val",
    5: "double_val",
    6: "float_val",
    7: "bool_val",
    8: "unix_timestamp_val",
    19: "null_val",
  };
  return names[Math.floor(tag / 8)] ?? `field ${Math.floor(tag / 8)}`;
}

/** [seconds, nanos] of a serialized `google.protobuf.Timestamp` (fields 1 and 2, varints). */
function timestampByHand(b: Buffer): [number, number] {
  let seconds = 0;
  let nanos = 0;
  let p = 0;
  while (p < b.length) {
    const [tag, q] = readVarint(b, p);
    const [v, r] = readVarint(b, q);
    if (tag === 0x08) seconds = v;
    else if (tag === 0x10) nanos = v;
    p = r;
  }
  return [seconds, nanos];
}

const driverId = field("driver_id", ValueType.INT64);
const hourly = featureView(
  "driver_hourly_stats",
  [driverId],
  [field("conv_rate", ValueType.FLOAT), field("trips", ValueType.INT64), field("city", ValueType.STRING)],
  0,
  ["driver"],
);
/** SPEC's worked example: driver_id=1001 (int64), project my_proj. */
const KEY_1001 =
  `01000000020000000900000064726976${"65725f6964"}040000000800000` +
  `0e903000000000000${Buffer.from("my_proj").toString("hex")}`;

let redis: StartedRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe("feast layout: byte compatibility with Feast", () => {
  let store: OnlineStore;
  let raw: Redis;
  beforeAll(async () => {
    store = createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, "feast"), "my_proj"));
    raw = new Redis({ host: "127.0.0.1", port: redis.port });
  });
  afterAll(async () => {
    await store.close();
    raw.disconnect();
  });

  it("writes Feast's key, field names and Value/Timestamp bytes", async () => {
    const ts = new Date(1_700_000_000_000);
    await writeOnlineRows(store, hourly, [
      { entityKey: [1001n], eventTimeUs: ts.getTime() * 1000, values: [0.5, 1001n, "abc"] },
    ]);
    const key = Buffer.from(KEY_1001, "hex");
    // Field names are binary: read them back by their expected bytes, and check there are no others.
    const expected: [string, string][] = [
      [fieldOf("driver_hourly_stats:conv_rate"), "350000003f"], // float_val 0.5
      [fieldOf("driver_hourly_stats:trips"), "20e907"], // int64_val 1001
      [fieldOf("driver_hourly_stats:city"), "1203616263"], // string_val "abc"
      [Buffer.from("_ts:driver_hourly_stats").toString("hex"), "0880e2cfaa06"], // seconds 1700000000
    ];
    expect(await raw.hlen(key)).toBe(expected.length);
    const got = await raw.hmgetBuffer(key, ...expected.map(([f]) => Buffer.from(f, "hex")));
    expect(got.map((v) => v?.toString("hex"))).toEqual(expected.map(([, v]) => v));
  });

  it("reads rows written by hand in Feast's layout (raw HSET of Feast bytes)", async () => {
    const key = Buffer.from(KEY_1001.replace("e903000000000000", "ea03000000000000"), "hex"); // driver 1002
    await raw.hset(
      key,
      Buffer.from(fieldOf("driver_hourly_stats:conv_rate"), "hex"),
      Buffer.from("35cdcc4c3f", "hex"), // 0.8f
      Buffer.from(fieldOf("driver_hourly_stats:trips"), "hex"),
      Buffer.from("202a", "hex"), // 42
      Buffer.from("_ts:driver_hourly_stats"),
      Buffer.from("0880e2cfaa061080cab5ee01", "hex"), // 1700000000.5 s
    );
    const [rows] = await readStoredRows(store, [
      { view: hourly, features: ["conv_rate", "trips", "city"], entityKeys: [[1002n]] },
    ]);
    expect(rows?.[0]?.eventTimeUs).toEqual(new Date(1_700_000_000_500).getTime() * 1000);
    expect(rows?.[0]?.values.get("conv_rate")).toBe(Math.fround(0.8));
    expect(rows?.[0]?.values.get("trips")).toBe(42n);
    expect(rows?.[0]?.values.has("city")).toBe(false);
    // The older-over-newer rule reads Feast's timestamp bytes too.
    const stale = await writeOnlineRows(store, hourly, [
      { entityKey: [1002n], eventTimeUs: 1_700_000_000_000 * 1000, values: [0.1, 1n, "x"] },
    ]);
    expect(stale).toEqual({ written: 0, skippedStale: 1 });
  });

  it("writes nulls and a NaN as Feast does (an empty Value) and _ts as seconds + nanos of the µs", async () => {
    const us = 1_700_000_000_000_000 + 123_457;
    await writeOnlineRows(store, hourly, [
      { entityKey: [1003n], eventTimeUs: us, values: [Number.NaN, null, "q"] },
      { entityKey: [1004n], eventTimeUs: us, values: [Number.POSITIVE_INFINITY, 7n, null] },
    ]);
    const fields = ["conv_rate", "trips", "city"].map((f) =>
      Buffer.from(fieldOf(`driver_hourly_stats:${f}`), "hex"),
    );
    const ts = Buffer.from("_ts:driver_hourly_stats");
    const read = async (id: string) => {
      const key = Buffer.from(KEY_1001.replace("e903000000000000", id), "hex");
      const got = await raw.hmgetBuffer(key, ...fields, ts);
      return [
        ...got.slice(0, 3).map((b) => feastValueByHand(b as Buffer)),
        timestampByHand(got[3] as Buffer),
      ];
    };
    // Feast's SDK reads an empty Value as None; an infinity stays a value (Feast writes it so).
    expect(await read("eb03000000000000")).toEqual([null, null, "string_val", [1_700_000_000, 123_457_000]]);
    expect(await read("ec03000000000000")).toEqual([
      "float_val",
      "int64_val",
      null,
      [1_700_000_000, 123_457_000],
    ]);
    const [rows] = await readStoredRows(store, [
      { view: hourly, features: ["conv_rate", "trips", "city"], entityKeys: [[1003n], [1004n]] },
    ]);
    expect(
      rows?.map((r) => r && [r.eventTimeUs, ...["conv_rate", "trips", "city"].map((f) => r.values.get(f))]),
    ).toEqual([
      [us, null, null, "q"],
      [us, Number.POSITIVE_INFINITY, 7n, null],
    ]);
  });

  it("reads Feast-form rows with sub-millisecond nanos and both null forms, and compares at full precision", async () => {
    const key = Buffer.from(KEY_1001.replace("e903000000000000", "ed03000000000000"), "hex"); // driver 1005
    // seconds 1700000000, nanos 500000 (0.0005 s): Feast's Timestamp of datetime(…, microsecond=500).
    const tsBytes = Buffer.concat([
      Buffer.from([0x08]),
      varint(1_700_000_000),
      Buffer.from([0x10]),
      varint(500_000),
    ]);
    await raw.hset(
      key,
      Buffer.from(fieldOf("driver_hourly_stats:conv_rate"), "hex"),
      Buffer.alloc(0), // Feast's null: an empty Value
      Buffer.from(fieldOf("driver_hourly_stats:trips"), "hex"),
      Buffer.from("980100", "hex"), // null_val, as fstore wrote nulls before
      Buffer.from(fieldOf("driver_hourly_stats:city"), "hex"),
      Buffer.from("1203616263", "hex"),
      Buffer.from("_ts:driver_hourly_stats"),
      tsBytes,
    );
    const at = 1_700_000_000_000_000 + 500;
    const lookup = { view: hourly, features: ["conv_rate", "trips", "city"], entityKeys: [[1005n]] };
    let [rows] = await readStoredRows(store, [lookup]);
    expect(rows?.[0]?.eventTimeUs).toBe(at);
    expect([...(rows?.[0]?.values ?? [])]).toEqual([
      ["conv_rate", null],
      ["trips", null],
      ["city", "abc"],
    ]);
    // 1 µs older than Feast's row: skipped; at its exact time: the incoming row wins the tie.
    expect(
      await writeOnlineRows(store, hourly, [
        { entityKey: [1005n], eventTimeUs: at - 1, values: [1, 1n, "old"] },
      ]),
    ).toEqual({ written: 0, skippedStale: 1 });
    expect(
      await writeOnlineRows(store, hourly, [{ entityKey: [1005n], eventTimeUs: at, values: [1, 2n, "tie"] }]),
    ).toEqual({ written: 1, skippedStale: 0 });
    [rows] = await readStoredRows(store, [lookup]);
    expect(rows?.[0]?.values.get("city")).toBe("tie");
  });

  it("sets key_ttl_seconds as the entity hash's expiry", async () => {
    const withTtl = createOnlineStore(
      repoConfig(redisStoreConfig(redis.connectionString, "packed", "redis", 3600), "ttl_proj"),
    );
    try {
      await writeOnlineRows(withTtl, hourly, [
        { entityKey: [5n], eventTimeUs: Date.now() * 1000, values: [1, 2n, "c"] },
      ]);
      const key = Buffer.concat([
        Buffer.from(KEY_1001.slice(0, -14 - 16), "hex"),
        Buffer.from("0500000000000000", "hex"),
        Buffer.from("ttl_proj"),
      ]);
      const ttl = await raw.ttl(key);
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
    } finally {
      await withTtl.close();
    }
  });
});

function defs(): RepoDefinitions {
  return {
    entities: [
      {
        name: "driver",
        joinKeys: ["driver_id"],
        valueType: ValueType.INT64,
        description: "",
        tags: {},
        owner: "",
      },
    ],
    dataSources: [hourly.source],
    featureViews: [hourly],
    featureServices: [],
    onDemandFeatureViews: [],
  };
}

async function serve(
  onlineStore: Record<string, unknown>,
  project: string,
): Promise<{ t: TestServer; store: OnlineStore }> {
  const config = testConfig(mkdtempSync(join(tmpdir(), "fstore-redis-rpc-")), {
    online_store: onlineStore,
    project,
  });
  const store = createOnlineStore(config);
  const t = await startTestServer({ config, registry: createMemoryRegistry(project, defs()) });
  return { t, store };
}

describe("Redis Cluster over gRPC", () => {
  let cluster: RedisCluster;
  afterAll(async () => {
    await cluster?.close();
  });

  it.each(["packed", "feast"])(
    "serves %s rows spread over 3 nodes with one read call per node",
    async (layout) => {
      cluster ??= await startRedisCluster(3);
      const { t, store } = await serve(
        { type: "redis", redis_type: "redis_cluster", connection_string: cluster.connectionString, layout },
        `cl_${layout}`,
      );
      try {
        const ids = Array.from({ length: 60 }, (_, i) => BigInt(i + 1));
        const ts = new Date(Date.now() - 1000);
        await writeOnlineRows(
          store,
          hourly,
          ids
            .filter((id) => id % 7n !== 0n)
            .map((id) => ({
              entityKey: [id],
              eventTimeUs: ts.getTime() * 1000,
              values: [Number(id) / 4, id * 3n, `c${id}`],
            })),
        );
        const perNode = cluster.nodes.map((n) =>
          Number(/keys=(\d+)/.exec(n.cli("info", "keyspace"))?.[1] ?? 0),
        );
        expect(perNode.filter((k) => k > 0)).toHaveLength(3);
        const scriptCalls = () =>
          cluster.nodes
            .map((n) => {
              const info = n.cli("info", "commandstats");
              const calls = (cmd: string) =>
                Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
              return calls("evalsha") + calls("eval");
            })
            .reduce((a, b) => a + b, 0);
        const before = scriptCalls();
        const res = await t.client.getOnlineFeatures({
          features: ["driver_hourly_stats:trips", "driver_hourly_stats:city"],
          entities: { driver_id: ids },
        });
        // One read script call per node holding some of the keys, sent in parallel.
        expect(scriptCalls() - before).toBe(3);
        expect(res.columns[1]?.values).toEqual(ids.map((id) => (id % 7n === 0n ? null : id * 3n)));
        expect(res.columns[2]?.statuses).toEqual(ids.map((id) => (id % 7n === 0n ? "NOT_FOUND" : "PRESENT")));
      } finally {
        await t.shutdown();
        await store.close();
      }
    },
  );
});

describe("Redis outages", () => {
  it("answers UNAVAILABLE within the read bound, naming the address, when Redis refuses connections", async () => {
    // Nothing listens on this port: every connection is refused, from the server's start on.
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const request = { features: ["driver_hourly_stats:trips"], entities: { driver_id: [1n, 2n] } };
    for (const [bound, configured] of [
      [1000, {}],
      [300, { read_timeout_ms: 300 }],
    ] as const) {
      const { t, store } = await serve(
        { type: "redis", connection_string: address, ...configured },
        `refused_${bound}`,
      );
      try {
        for (let i = 0; i < 3; i++) {
          const start = Date.now();
          const err = (await t.client.getOnlineFeatures(request, { timeoutMs: 10_000 }).then(
            () => undefined,
            (e: unknown) => e,
          )) as FstoreClientError | undefined;
          const ms = Date.now() - start;
          expect(err?.codeName).toBe("UNAVAILABLE");
          // The store's own words: its address and the bound it waited (not the connect wait's 3 s).
          expect(err?.message).toContain(`Redis at ${address} is unavailable`);
          expect(err?.message).toContain(`waited ${bound} ms`);
          // The whole call, gRPC included, well under the 3 s each call took before.
          expect(ms).toBeLessThan(bound + 1500);
        }
      } finally {
        await t.shutdown();
        await store.close();
      }
    }
  });

  it("answers UNAVAILABLE within the deadline while Redis is down or hung, and recovers when it returns", async () => {
    const outage = await startRedis();
    const { t, store } = await serve({ type: "redis", connection_string: outage.connectionString }, "outage");
    const request = { features: ["driver_hourly_stats:trips"], entities: { driver_id: [1n, 2n] } };
    const seedRow = () =>
      writeOnlineRows(store, hourly, [
        { entityKey: [1n], eventTimeUs: Date.now() * 1000, values: [0.5, 9n, "x"] },
      ]);
    /** One call with a 3 s deadline: its status name and how long it took. */
    const timed = async () => {
      const start = Date.now();
      const code = await t.client.getOnlineFeatures(request, { timeoutMs: 3000 }).then(
        () => "OK",
        (e: FstoreClientError) => e.codeName,
      );
      return { code, ms: Date.now() - start };
    };
    try {
      await seedRow();
      expect((await t.client.getOnlineFeatures(request)).columns[1]?.values).toEqual([9n, null]);

      // Killed while requests are in flight: every call ends OK or UNAVAILABLE, fast; none hangs.
      const inFlight = Array.from({ length: 20 }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 10)).then(timed),
      );
      await new Promise((r) => setTimeout(r, 60));
      await outage.stop();
      const during = await Promise.all(inFlight);
      for (const c of during) {
        expect(["OK", "UNAVAILABLE"]).toContain(c.code);
        expect(c.ms).toBeLessThan(2000);
      }
      for (let i = 0; i < 5; i++) {
        const c = await timed();
        expect(c.code).toBe("UNAVAILABLE");
        expect(c.ms).toBeLessThan(1500);
      }

      // Back (empty: no persistence): serving recovers on its own.
      await outage.start();
      const until = Date.now() + 10_000;
      let last = await timed();
      while (last.code !== "OK" && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        last = await timed();
      }
      expect(last.code).toBe("OK");
      await seedRow();
      expect((await t.client.getOnlineFeatures(request)).columns[1]?.statuses).toEqual([
        "PRESENT",
        "NOT_FOUND",
      ]);

      // Hung (SIGSTOP): the read timeout answers UNAVAILABLE instead of waiting for the deadline.
      process.kill(outage.pid as number, "SIGSTOP");
      try {
        const hung = await timed();
        expect(hung.code).toBe("UNAVAILABLE");
        expect(hung.ms).toBeLessThan(2500);
      } finally {
        process.kill(outage.pid as number, "SIGCONT");
      }
      const untilBack = Date.now() + 10_000;
      let again = await timed();
      while (again.code !== "OK" && Date.now() < untilBack) {
        await new Promise((r) => setTimeout(r, 100));
        again = await timed();
      }
      expect(again.code).toBe("OK");
    } finally {
      await t.shutdown();
      await store.close();
      await outage.close();
    }
  });
});

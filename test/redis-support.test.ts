import Redis from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { startRedis, startRedisCluster } from "./support/redis.js";

describe("test/support/redis", () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it("starts, stops and restarts a standalone server on the same port", async () => {
    const redis = await startRedis();
    closers.push(() => redis.close());
    expect(redis.port).not.toBe(6379);
    expect(redis.cli("ping").trim()).toBe("PONG");
    await redis.stop();
    expect(() => redis.cli("ping")).toThrow();
    await redis.start();
    expect(redis.cli("ping").trim()).toBe("PONG");
  });

  it("starts a 3-node cluster that serves keys in every slot", async () => {
    const cluster = await startRedisCluster(3);
    closers.push(() => cluster.close());
    const client = new Redis.Cluster(
      cluster.connectionString.split(",").map((a) => {
        const [host, port] = a.split(":");
        return { host: host as string, port: Number(port) };
      }),
    );
    try {
      for (let i = 0; i < 30; i++) await client.set(`k${i}`, String(i));
      for (let i = 0; i < 30; i++) expect(await client.get(`k${i}`)).toBe(String(i));
      const keysPerNode = cluster.nodes.map((n) => Number(n.cli("dbsize").trim()));
      expect(keysPerNode.reduce((a, b) => a + b, 0)).toBe(30);
      expect(keysPerNode.filter((k) => k > 0).length).toBe(3);
    } finally {
      client.disconnect();
    }
  });
});

import { describe, expect, it } from "vitest";
import { onlineStoreIdentity } from "./online-store-identity.js";

const redis = (connectionString: string, extra: Partial<{ layout: "packed" | "feast" }> = {}) =>
  onlineStoreIdentity({
    type: "redis",
    connectionString,
    redisType: "redis",
    keyTtlSeconds: null,
    layout: extra.layout ?? "packed",
  });

describe("onlineStoreIdentity", () => {
  it("names a SQLite store by its file", () => {
    expect(onlineStoreIdentity({ type: "sqlite", path: "/r/data/online.db" })).toBe(
      "sqlite:/r/data/online.db",
    );
  });

  it("names a Redis store by its hosts, database and layout, without secrets", () => {
    expect(redis("b:6379,a:6380,password=s3cret,ssl=true,db=2")).toBe("redis:packed:a:6380,b:6379/2");
    expect(redis("localhost:6379")).toBe("redis:packed:localhost:6379/0");
    expect(redis("localhost:6379", { layout: "feast" })).not.toBe(redis("localhost:6379"));
    expect(redis("localhost:6379,password=a")).toBe(redis("localhost:6379,password=b"));
  });
});

/**
 * Client error typing: every failure is an FstoreClientError carrying the
 * gRPC status (from the server, a deadline, a cancel, or no server at all).
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFstoreClient, FstoreClientError } from "../clients/typescript/src/index.js";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

let t: TestServer;
beforeAll(async () => {
  const registry = createMemoryRegistry("errs", {
    entities: [
      { name: "e", joinKeys: ["k"], valueType: ValueType.STRING, description: "", tags: {}, owner: "" },
    ],
    dataSources: [],
    featureViews: [],
    featureServices: [],
    onDemandFeatureViews: [],
  });
  // Every FeatureService handler starts 1.5 s late, so deadlines and cancels hit a call in flight.
  t = await startTestServer({
    config: testConfig(mkdtempSync(join(tmpdir(), "fstore-errs-"))),
    registry,
    handlerDelayMs: 1500,
  });
});
afterAll(async () => {
  await t?.shutdown();
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("FstoreClientError", () => {
  it("carries a server status with its code, name, details and method", async () => {
    const err = await t.client.getFeatureView("missing").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FstoreClientError);
    expect(err).toBeInstanceOf(Error);
    const e = err as FstoreClientError;
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.codeName).toBe("NOT_FOUND");
    expect(e.method).toBe("GetFeatureView");
    expect(e.details).toMatch(/feature view "missing" not found/);
    expect(e.message).toBe(`GetFeatureView: NOT_FOUND: ${e.details}`);
    expect(e.metadata).toBeInstanceOf(Metadata);
    expect(e.retryable).toBe(false);
  });

  it("is DEADLINE_EXCEEDED when the call outlives its timeout", async () => {
    const started = Date.now();
    const err = await t.client.listEntities({}, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as FstoreClientError).code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it("accepts an absolute deadline", async () => {
    const err = await t.client
      .listEntities({}, { deadline: new Date(Date.now() + 200) })
      .catch((e: unknown) => e);
    expect((err as FstoreClientError).code).toBe(status.DEADLINE_EXCEEDED);
  });

  it("is CANCELLED when the caller aborts", async () => {
    const ac = new AbortController();
    const call = t.client.listEntities({}, { signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 100);
    const err = await call;
    expect((err as FstoreClientError).code).toBe(status.CANCELLED);
  });

  it("cancels a streaming call when the caller aborts", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await (async () => {
      for await (const _ of t.client.materialize({}, { signal: ac.signal })) {
        /* nothing arrives before the abort */
      }
    })().catch((e: unknown) => e);
    expect((err as FstoreClientError).code).toBe(status.CANCELLED);
    expect((err as FstoreClientError).method).toBe("Materialize");
  });

  it("is UNAVAILABLE (and retryable) when no server listens", async () => {
    const c = createFstoreClient({ address: `127.0.0.1:${await closedPort()}`, timeoutMs: 5_000 });
    const err = await c.listEntities().catch((e: unknown) => e);
    c.close();
    expect((err as FstoreClientError).code).toBe(status.UNAVAILABLE);
    expect((err as FstoreClientError).retryable).toBe(true);
    expect((err as FstoreClientError).method).toBe("ListEntities");
  });

  it("sends per-call metadata", async () => {
    // A wrong bearer token is only noticed if metadata reaches the server: use an auth server.
    const config = testConfig(mkdtempSync(join(tmpdir(), "fstore-md-")), {
      server: { auth: { tokens: ["tok"] } },
    });
    const s = await startTestServer({ config, registry: t.server.deps.registry });
    try {
      const ok = await s.client.listEntities({}, { metadata: { authorization: "Bearer tok" } });
      expect(ok.map((e) => e.name)).toEqual(["e"]);
    } finally {
      await s.shutdown();
    }
  });

  it("wraps non-gRPC failures as UNKNOWN", () => {
    const e = FstoreClientError.from(new Error("boom"), "X");
    expect(e.code).toBe(status.UNKNOWN);
    expect(e.details).toBe("boom");
  });
});

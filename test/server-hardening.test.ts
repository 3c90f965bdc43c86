/**
 * The server's defences against hostile and careless clients, on a real
 * server: failed authentication limited per peer (RESOURCE_EXHAUSTED with
 * RetryInfo), a metrics endpoint that can require a token, warnings for
 * exposed credentials, bounded error messages and log lines, request bounds,
 * and an output path that can neither stall the server nor leave folders.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Client, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetHistoricalFeaturesRequestSchema,
  GetOnlineFeaturesRequestSchema,
  ListEntitiesRequestSchema,
  PushRequestSchema,
  ValidateConsistencyRequestSchema,
} from "../gen/fstore/v1/feature_service_pb.js";
import { createRawClient } from "../src/fuzz/index.js";
import { createLogger } from "../src/server/logger.js";
import { exposureWarnings, isLoopbackHost } from "../src/server/loopback.js";
import { createExampleRepo, startTestServer, type TestServer, testConfig } from "./support/server.js";

const list = toBinary(ListEntitiesRequestSchema, create(ListEntitiesRequestSchema));

/** A ListEntities call with `authorization` metadata; resolves the status and trailing metadata. */
function listWith(
  address: string,
  authorization: string,
): Promise<{ code: number; details: string; metadata: Metadata }> {
  const client = new Client(address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", authorization);
  const id = (b: Buffer | Uint8Array) => Buffer.from(b);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/fstore.v1.FeatureService/ListEntities",
      id,
      id,
      Buffer.from(list),
      metadata,
      { deadline: Date.now() + 10_000 },
      (err: ServiceError | null) => {
        client.close();
        resolve(
          err
            ? { code: err.code, details: err.details, metadata: err.metadata }
            : { code: 0, details: "", metadata: new Metadata() },
        );
      },
    );
  });
}

/** The retry delay (ms) of a google.rpc.Status with a RetryInfo detail. */
function retryDelayMs(bytes: Uint8Array): { code: number; typeUrl: string; delayMs: number } {
  const status = new BinaryReader(bytes);
  let code = 0;
  let any: Uint8Array = new Uint8Array();
  while (status.pos < status.len) {
    const [no] = status.tag();
    if (no === 1) code = status.int32();
    else if (no === 3) any = status.bytes();
    else status.skip(2);
  }
  const a = new BinaryReader(any);
  let typeUrl = "";
  let retryInfo: Uint8Array = new Uint8Array();
  while (a.pos < a.len) {
    const [no] = a.tag();
    if (no === 1) typeUrl = a.string();
    else retryInfo = a.bytes();
  }
  const r = new BinaryReader(retryInfo);
  r.tag();
  const d = new BinaryReader(r.bytes());
  let ms = 0;
  while (d.pos < d.len) {
    const [no] = d.tag();
    if (no === 1) ms += Number(d.int64()) * 1000;
    else ms += d.int32() / 1e6;
  }
  return { code, typeUrl, delayMs: ms };
}

describe("failed authentication is limited per peer", () => {
  let t: TestServer;
  beforeAll(async () => {
    const repo = mkdtempSync(join(tmpdir(), "fstore-throttle-"));
    t = await startTestServer({
      config: testConfig(repo, { server: { auth: { tokens: ["s3cret"], max_failures_per_minute: 3 } } }),
    });
  });
  afterAll(async () => {
    await t?.shutdown();
  });

  it("answers RESOURCE_EXHAUSTED with RetryInfo after the limit, even to a right token, until the minute ends", async () => {
    expect((await listWith(t.address, "Bearer s3cret")).code).toBe(0);
    for (let i = 0; i < 3; i++)
      expect((await listWith(t.address, `Bearer guess-${i}`)).code).toBe(status.PERMISSION_DENIED);
    for (const token of ["guess-4", "s3cret"]) {
      const r = await listWith(t.address, `Bearer ${token}`);
      expect(r.code, token).toBe(status.RESOURCE_EXHAUSTED);
      expect(r.details).toMatch(/too many failed authentication attempts from 127\.0\.0\.1; retry in \d+ s/);
      const [details] = r.metadata.get("grpc-status-details-bin") as Buffer[];
      const info = retryDelayMs(details as Buffer);
      expect(info.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(info.typeUrl).toBe("type.googleapis.com/google.rpc.RetryInfo");
      expect(info.delayMs).toBeGreaterThan(0);
      expect(info.delayMs).toBeLessThanOrEqual(60_000);
      expect(Number(r.metadata.get("retry-after-ms")[0])).toBeGreaterThan(0);
    }
  });
});

describe("metrics endpoint protection", () => {
  let t: TestServer;
  beforeAll(async () => {
    const repo = mkdtempSync(join(tmpdir(), "fstore-metrics-token-"));
    t = await startTestServer({
      config: testConfig(repo, { metrics: { enabled: true, port: 0, token: "scrape-me" } }),
    });
  });
  afterAll(async () => {
    await t?.shutdown();
  });

  it("binds to loopback by default and requires its token when one is set", async () => {
    const address = t.server.deps.metrics?.httpAddress ?? "";
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await fetch(`http://${address}/metrics`)).status).toBe(401);
    const wrong = await fetch(`http://${address}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`http://${address}/metrics`, {
      headers: { authorization: "Bearer scrape-me" },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain("fstore_rpc_requests_total");
  });
});

describe("exposure warnings", () => {
  const repo = mkdtempSync(join(tmpdir(), "fstore-exposure-"));
  it("warns for tokens over plaintext on a non-loopback address, and for open metrics there", () => {
    const authed = testConfig(repo, { server: { auth: { tokens: ["t"] } } });
    expect(exposureWarnings(authed, "0.0.0.0", false)).toEqual([
      expect.stringMatching(/authentication over plaintext on the non-loopback address 0\.0\.0\.0/),
    ]);
    expect(exposureWarnings(authed, "127.0.0.1", false)).toEqual([]);
    expect(exposureWarnings(authed, "::1", false)).toEqual([]);
    const tls = testConfig(repo, {
      server: { auth: { tokens: ["t"] }, tls: { cert_path: "c", key_path: "k" } },
    });
    expect(exposureWarnings(tls, "10.1.2.3", false)).toEqual([]);
    const metrics = testConfig(repo, { metrics: { enabled: true, host: "0.0.0.0" } });
    expect(exposureWarnings(metrics, "127.0.0.1", true)).toEqual([
      expect.stringMatching(/without metrics\.token/),
    ]);
    const tokened = testConfig(repo, { metrics: { enabled: true, host: "0.0.0.0", token: "x" } });
    expect(exposureWarnings(tokened, "127.0.0.1", true)).toEqual([]);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("127.8.9.1")).toBe(true);
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("::")).toBe(false);
    expect(isLoopbackHost("192.168.1.1")).toBe(false);
  });
});

describe("hostile requests on the example repository", () => {
  let t: TestServer;
  let lines: string[];
  let outputDir: string;
  beforeAll(async () => {
    const repo = await createExampleRepo();
    lines = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    t = await startTestServer({
      repoPath: repo.path,
      logger: createLogger({ level: "info", destination: sink }),
    });
    outputDir = t.config.offlineStore.outputDir;
  });
  afterAll(async () => {
    await t?.shutdown();
  });

  it("echoes a 20 MiB name as its start and length, in the status and the log line", async () => {
    const raw = createRawClient(t.address);
    try {
      const huge = "n".repeat(20 * 1024 * 1024);
      const r = await raw.call(
        "GetOnlineFeatures",
        toBinary(
          GetOnlineFeaturesRequestSchema,
          create(GetOnlineFeaturesRequestSchema, { selection: { featureServices: [huge] } }),
        ),
      );
      expect(r.code).toBe(status.NOT_FOUND);
      expect(r.details.length).toBeLessThan(2048);
      expect(r.details).toMatch(/20971520/);
      const push = await raw.call(
        "Push",
        toBinary(PushRequestSchema, create(PushRequestSchema, { pushSourceName: huge })),
      );
      expect(push.code).toBe(status.NOT_FOUND);
      expect(push.details.length).toBeLessThan(2048);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(4096);
    } finally {
      raw.close();
    }
  });

  it("bounds explicit entities of ValidateConsistency and inline historical rows", async () => {
    const raw = createRawClient(t.address);
    try {
      const ids = (n: number) => ({
        val: Array.from({ length: n }, (_, i) => ({ val: { case: "int64Val" as const, value: BigInt(i) } })),
      });
      const v = await raw.call(
        "ValidateConsistency",
        toBinary(
          ValidateConsistencyRequestSchema,
          create(ValidateConsistencyRequestSchema, { entities: { vehicle_id: ids(10_001) } }),
        ),
      );
      expect(v.code).toBe(status.INVALID_ARGUMENT);
      expect(v.details).toMatch(/10001 entities given; at most 10000/);
    } finally {
      raw.close();
    }
  });

  it("refuses a deep output path at once, creating nothing, and keeps serving other calls meanwhile", async () => {
    const raw = createRawClient(t.address);
    try {
      const before = existsSync(outputDir) ? readdirSync(outputDir) : [];
      const deep = (path: string) =>
        toBinary(
          GetHistoricalFeaturesRequestSchema,
          create(GetHistoricalFeaturesRequestSchema, {
            selection: { features: ["vehicle_hourly_stats:current_price"] },
            entities: { case: "entitySource", value: { source: "vehicle_hourly_source" } },
            parquetOutput: { path },
          }),
        );
      const calls = [
        raw.call("GetHistoricalFeatures", deep(`${"f/".repeat(2040)}x.parquet`)),
        raw.call("GetHistoricalFeatures", deep(`${"d/".repeat(1000)}x.parquet`)),
        raw.call("GetHistoricalFeatures", deep(`${"n".repeat(247)}.parquet`)),
        raw.call("GetHistoricalFeatures", deep("$(touch x).parquet")),
      ];
      // Unrelated calls on the same server keep answering within a short deadline.
      const others = await Promise.all(
        Array.from({ length: 20 }, () => raw.call("ListEntities", list, { deadlineMs: 5000 })),
      );
      expect(others.map((o) => o.code)).toEqual(Array(20).fill(0));
      for (const r of await Promise.all(calls)) {
        expect(r.code, r.details.slice(0, 200)).toBe(status.INVALID_ARGUMENT);
        expect(r.details.length).toBeLessThan(600);
      }
      // A request refused after its path was accepted (an unknown feature) creates no folder either.
      const unknown = await raw.call(
        "GetHistoricalFeatures",
        toBinary(
          GetHistoricalFeaturesRequestSchema,
          create(GetHistoricalFeaturesRequestSchema, {
            selection: { features: ["vehicle_hourly_stats:nope"] },
            entities: { case: "entitySource", value: { source: "vehicle_hourly_source" } },
            parquetOutput: { path: "new-folder/x.parquet" },
          }),
        ),
      );
      expect(unknown.code).toBe(status.NOT_FOUND);
      expect(existsSync(outputDir) ? readdirSync(outputDir) : []).toEqual(before);
    } finally {
      raw.close();
    }
  });
});

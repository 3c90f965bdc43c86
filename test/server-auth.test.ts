/**
 * Static bearer-token auth and TLS from `server` in feature_store.yaml,
 * against a real server: through the TypeScript client, raw grpc-js, and
 * `buf curl` (reflection is guarded too; health checks are open).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFstoreClient, FstoreClientError } from "../clients/typescript/src/index.js";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { createAuthenticator } from "../src/auth/index.js";
import { Code, type FstoreError } from "../src/errors/index.js";
import { bufCurl } from "./support/grpc.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";
import { selfSignedCertificate } from "./support/tls.js";

const registry = () =>
  createMemoryRegistry("auth", {
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
    dataSources: [],
    featureViews: [],
    featureServices: [],
    onDemandFeatureViews: [],
  });

const codeOf = (e: unknown) => (e instanceof FstoreClientError ? e.code : `not an FstoreClientError: ${e}`);

describe("static tokens", () => {
  const authenticate = createAuthenticator({
    tokens: [
      { token: "alpha", name: "a", roles: ["reader"] },
      { token: "beta-token", name: "b", roles: [] },
    ],
    jwt: null,
    clientCertificates: [],
    maxFailuresPerMinute: 10,
  });
  const codeOfAttempt = (values: string[]) => {
    try {
      authenticate(values, undefined);
    } catch (err) {
      return (err as FstoreError).code;
    }
    return "accepted";
  };
  it.each([
    [[], Code.Unauthenticated],
    [["Basic abc"], Code.Unauthenticated],
    [["Bearer"], Code.Unauthenticated],
    [["Bearer "], Code.Unauthenticated],
    [["Bearer gamma"], Code.PermissionDenied],
    [["Bearer alph"], Code.PermissionDenied],
    [["Bearer alphaa"], Code.PermissionDenied],
  ])("rejects %j with %s", (values, code) => {
    expect(codeOfAttempt(values)).toBe(code);
  });
  it.each([
    [["Bearer alpha"], { name: "a", roles: ["reader"] }],
    [["bearer beta-token"], { name: "b", roles: [] }],
    [["Bearer  alpha "], { name: "a", roles: ["reader"] }],
  ])("accepts %j as its identity", (values, identity) => {
    expect(authenticate(values, undefined)).toEqual(identity);
  });
});

describe("bearer-token auth", () => {
  let t: TestServer;
  beforeAll(async () => {
    const config = testConfig(mkdtempSync(join(tmpdir(), "fstore-auth-")), {
      server: { auth: { tokens: ["s3cret", "other-token"] } },
    });
    t = await startTestServer({ config, registry: registry() });
  });
  afterAll(async () => {
    await t?.shutdown();
  });

  it("answers UNAUTHENTICATED without a token, naming the metadata to send", async () => {
    const err = await t.client.listEntities().catch((e: unknown) => e);
    expect(codeOf(err)).toBe(status.UNAUTHENTICATED);
    expect((err as FstoreClientError).details).toContain("authorization: Bearer");
  });

  it("answers PERMISSION_DENIED for an unknown token", async () => {
    const c = createFstoreClient({ address: t.address, token: "guess" });
    expect(codeOf(await c.listEntities().catch((e: unknown) => e))).toBe(status.PERMISSION_DENIED);
    c.close();
  });

  it("serves callers with any configured token", async () => {
    for (const token of ["s3cret", "other-token"]) {
      const c = createFstoreClient({ address: t.address, token });
      expect((await c.listEntities()).map((e) => e.name)).toEqual(["driver"]);
      c.close();
    }
  });

  it("guards streaming RPCs too", async () => {
    const err = await (async () => {
      for await (const _ of t.client.materialize({})) {
        /* no messages expected */
      }
    })().catch((e: unknown) => e);
    expect(codeOf(err)).toBe(status.UNAUTHENTICATED);
  });

  it("leaves health checks open (probes carry no credentials)", async () => {
    expect(await t.client.healthCheck()).toBe("SERVING");
  });

  it("guards reflection: buf curl needs the header", async () => {
    const without = await bufCurl(t.address, "", ["--list-methods"]);
    expect(without.exitCode).not.toBe(0);
    expect(without.stderr.toLowerCase()).toContain("not authenticated");
    const withToken = await bufCurl(t.address, "fstore.v1.FeatureService/ListEntities", [
      "-H",
      "authorization: Bearer s3cret",
      "--reflect-header",
      "*",
      "-d",
      "{}",
    ]);
    expect(withToken.exitCode).toBe(0);
    expect(JSON.parse(withToken.stdout)).toMatchObject({ entities: [{ name: "driver" }] });
  });
});

describe("TLS", () => {
  let t: TestServer;
  let cert: Buffer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "fstore-tls-"));
    selfSignedCertificate(dir);
    cert = readFileSync(join(dir, "cert.pem"));
    const config = testConfig(dir, { server: { tls: { cert_path: "cert.pem", key_path: "key.pem" } } });
    t = await startTestServer({ config, registry: registry() });
  });
  afterAll(async () => {
    await t?.shutdown();
  });

  it("serves a client that trusts the certificate", async () => {
    const c = createFstoreClient({ address: t.address, tls: { rootCert: cert }, timeoutMs: 10_000 });
    expect((await c.listEntities()).map((e) => e.name)).toEqual(["driver"]);
    expect(await c.healthCheck()).toBe("SERVING");
    c.close();
  });

  it("refuses a plaintext client", async () => {
    const c = createFstoreClient({ address: t.address, timeoutMs: 5_000 });
    const err = await c.listEntities().catch((e: unknown) => e);
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(codeOf(err));
    c.close();
  });

  it("names the config key when the certificate file is missing", async () => {
    const config = testConfig(mkdtempSync(join(tmpdir(), "fstore-tls-missing-")), {
      server: { tls: { cert_path: "nope.pem", key_path: "nope-key.pem" } },
    });
    await expect(startTestServer({ config, registry: registry() })).rejects.toThrow(
      /server\.tls\.cert_path.*nope\.pem/,
    );
  });
});

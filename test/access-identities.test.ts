/**
 * Identities from OIDC/JWT bearer tokens and from client certificates, on a
 * real server. JWTs are signed by keys the test makes and verified against a
 * JWKS the test serves on loopback: a valid token's roles come from its
 * claim; expired, wrong audience, wrong issuer, unknown key id, a foreign
 * signature and `alg: none` are UNAUTHENTICATED. Under mutual TLS, a client
 * certificate signed by the configured CA is the identity (roles by CN or
 * SAN); one signed by another CA, or none, is refused by the handshake.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import { status } from "@grpc/grpc-js";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFstoreClient } from "../clients/typescript/src/index.js";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { createJwtVerifier } from "../src/auth/index.js";
import { Code } from "../src/errors/index.js";
import type { RepoDefinitions } from "../src/registry/model.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";
import { certificateAuthority, selfSignedCertificate, signedCertificate } from "./support/tls.js";

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** One entity, describable only by the "viewer" role. */
const DEFS: RepoDefinitions = {
  entities: [
    { name: "user", joinKeys: ["user_id"], valueType: ValueType.INT64, description: "", tags: {}, owner: "" },
  ],
  dataSources: [],
  featureViews: [],
  featureServices: [],
  onDemandFeatureViews: [],
  permissions: [
    {
      name: "viewers",
      types: ["Entity"],
      namePatterns: [],
      requiredTags: {},
      actions: ["DESCRIBE"],
      policy: { kind: "role_based", roles: ["viewer"] },
    },
  ],
};

const dir = mkdtempSync(join(tmpdir(), "fstore-identities-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("JWT bearer tokens", () => {
  const ISSUER = "https://idp.example.test";
  const AUDIENCE = "fstore";
  let jwks: Server;
  let t: TestServer;
  let key: SigningKey;
  let foreignKey: SigningKey;

  beforeAll(async () => {
    const pair = await generateKeyPair("ES256");
    key = pair.privateKey;
    foreignKey = (await generateKeyPair("ES256")).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    jwks = createServer((_, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    t = await startTestServer({
      config: testConfig(dir, {
        server: {
          auth: {
            jwt: { jwks_url: jwksUrl, issuer: ISSUER, audience: AUDIENCE, roles_claim: "realm_access.roles" },
            max_failures_per_minute: 100,
          },
        },
      }),
      registry: createMemoryRegistry("jwt", DEFS),
    });
  });

  afterAll(async () => {
    await t?.shutdown();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  const now = () => Math.floor(Date.now() / 1000);
  function token(
    claims: JWTPayload = {},
    options: { kid?: string; signWith?: SigningKey; issuer?: string; audience?: string; exp?: number } = {},
  ) {
    return new SignJWT({ realm_access: { roles: ["viewer"] }, ...claims })
      .setProtectedHeader({ alg: "ES256", kid: options.kid ?? "k1" })
      .setSubject("alice")
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.exp ?? now() + 600)
      .sign(options.signWith ?? key);
  }

  async function entitiesWith(jwt: string): Promise<string[]> {
    const client = createFstoreClient({ address: t.address, token: jwt, timeoutMs: 30_000 });
    try {
      return (await client.listEntities()).map((e) => e.name);
    } finally {
      client.close();
    }
  }

  it("takes the caller's roles from the configured claim", async () => {
    expect(await entitiesWith(await token())).toEqual(["user"]);
    expect(await entitiesWith(await token({ realm_access: { roles: ["other"] } }))).toEqual([]);
    // Remembered until it expires: the same token again is still accepted.
    expect(await entitiesWith(await token())).toEqual(["user"]);
  });

  it.each([
    ["expired", () => token({}, { exp: now() - 3600 }), "the token has expired"],
    ["for another audience", () => token({}, { audience: "billing" }), 'claim "aud"'],
    ["from another issuer", () => token({}, { issuer: "https://evil.test" }), 'claim "iss"'],
    [
      "signed by an unknown key id",
      () => token({}, { kid: "k2", signWith: foreignKey }),
      "no key of the JWKS",
    ],
    ["signed by a foreign key under a known key id", () => token({}, { signWith: foreignKey }), "signature"],
    [
      "unsigned (alg: none)",
      async () =>
        new UnsecuredJWT({ realm_access: { roles: ["viewer"] } })
          .setSubject("alice")
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime(now() + 600)
          .encode(),
      "bearer JWT rejected",
    ],
  ])("rejects a token %s as UNAUTHENTICATED", async (_, make, reason) => {
    const jwt = await make();
    await expect(entitiesWith(jwt)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(entitiesWith(jwt)).rejects.toThrow(reason);
  });
});

describe("an unreachable JWKS", () => {
  it("is UNAVAILABLE (the identity provider's fault), not UNAUTHENTICATED", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const verify = createJwtVerifier({
      jwks: { url: `http://127.0.0.1:${port}/jwks.json`, cacheSeconds: 60 },
      issuer: "https://idp.example.test",
      audience: "fstore",
      rolesClaim: "roles",
      nameClaim: "sub",
      clockToleranceSeconds: 0,
    });
    const { privateKey } = await generateKeyPair("ES256");
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer("https://idp.example.test")
      .setAudience("fstore")
      .setExpirationTime("10m")
      .sign(privateKey);
    await expect(verify(jwt)).rejects.toMatchObject({ code: Code.Unavailable });
  });
});

describe("mutual TLS", () => {
  let t: TestServer;
  let serverCert: Buffer;
  const certs = join(dir, "certs");
  let ca: { certPath: string; keyPath: string };
  let otherCa: { certPath: string; keyPath: string };

  beforeAll(async () => {
    mkdirSync(certs, { recursive: true });
    const server = selfSignedCertificate(certs);
    serverCert = readFileSync(server.certPath);
    ca = certificateAuthority(certs, "clients");
    otherCa = certificateAuthority(certs, "other");
    t = await startTestServer({
      config: testConfig(dir, {
        server: {
          tls: { cert_path: server.certPath, key_path: server.keyPath, client_ca_path: ca.certPath },
          auth: { client_certificates: [{ subject: "spiffe://example.test/billing", roles: ["viewer"] }] },
        },
      }),
      registry: createMemoryRegistry("mtls", DEFS),
    });
  });

  afterAll(async () => {
    await t?.shutdown();
  });

  async function entitiesAs(cert: { certPath: string; keyPath: string } | undefined): Promise<string[]> {
    const client = createFstoreClient({
      address: t.address,
      tls: {
        rootCert: serverCert,
        ...(cert ? { clientCert: readFileSync(cert.certPath), clientKey: readFileSync(cert.keyPath) } : {}),
      },
      timeoutMs: 10_000,
    });
    try {
      return (await client.listEntities()).map((e) => e.name);
    } finally {
      client.close();
    }
  }

  it("maps a client certificate's SAN to roles", async () => {
    const billing = signedCertificate(certs, ca, "billing", "URI:spiffe://example.test/billing");
    expect(await entitiesAs(billing)).toEqual(["user"]);
  });

  it("authenticates another certificate of the CA without roles", async () => {
    const reports = signedCertificate(certs, ca, "reports", "DNS:reports.example.test");
    expect(await entitiesAs(reports)).toEqual([]);
  });

  it("reads a connection's certificate once, however many calls it carries", async () => {
    const billing = signedCertificate(certs, ca, "billing-many", "URI:spiffe://example.test/billing");
    const client = createFstoreClient({
      address: t.address,
      tls: {
        rootCert: serverCert,
        clientCert: readFileSync(billing.certPath),
        clientKey: readFileSync(billing.keyPath),
      },
      timeoutMs: 10_000,
    });
    // Node parses the peer certificate into a new object on each getPeerCertificate: count them.
    const original = TLSSocket.prototype.getPeerCertificate;
    let reads = 0;
    TLSSocket.prototype.getPeerCertificate = function (this: TLSSocket, ...args: [boolean?]) {
      reads++;
      return original.apply(this, args as [true]);
    } as typeof original;
    try {
      expect((await client.listEntities()).map((e) => e.name)).toEqual(["user"]);
      const afterFirst = reads;
      for (let i = 0; i < 20; i++) {
        expect((await client.listEntities()).map((e) => e.name)).toEqual(["user"]);
      }
      expect(reads).toBe(afterFirst);
    } finally {
      TLSSocket.prototype.getPeerCertificate = original;
      client.close();
    }
  });

  it("refuses a certificate signed by another CA, and a client without one", async () => {
    const stranger = signedCertificate(certs, otherCa, "stranger", "URI:spiffe://example.test/billing");
    await expect(entitiesAs(stranger)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(entitiesAs(undefined)).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });
});

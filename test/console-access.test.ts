/**
 * The web console behind mutual TLS: it speaks HTTPS with the server's
 * certificate, refuses a client without a certificate from the client CA,
 * and names the caller by its certificate, whose roles decide what it may
 * DESCRIBE (a PII view for one subject, not for another). Requests are made
 * with Node's https client, which presents certificates exactly as a browser
 * would.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRepoConfig } from "../src/config/index.js";
import { type RunningConsole, startConsole } from "../src/console/index.js";
import { applyRepo, openRegistry, type Registry } from "../src/registry/index.js";
import { createLogger } from "../src/server/index.js";
import { BASIC_CONFIG, createTempRepo, type TempRepo } from "./support/temp-repo.js";
import { certificateAuthority, selfSignedCertificate, signedCertificate } from "./support/tls.js";

const DEFS = `import { Entity, FeatureView, Field, FileSource, Int64, Permission, RoleBasedPolicy } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
export const profile = new FeatureView({ name: "profile", entities: [user], ttl: "0s", tags: { pii: "true" },
  source: new FileSource({ name: "profile_src", path: "data/profile.parquet", timestampField: "ts" }),
  schema: [new Field({ name: "age", dtype: Int64 })] });
export const activity = new FeatureView({ name: "activity", entities: [user], ttl: "0s", tags: { pii: "false" },
  source: new FileSource({ name: "activity_src", path: "data/activity.parquet", timestampField: "ts" }),
  schema: [new Field({ name: "clicks", dtype: Int64 })] });
export const publicRead = new Permission({ name: "public_read", types: [FeatureView], requiredTags: { pii: "false" },
  actions: ["DESCRIBE"], policy: new RoleBasedPolicy({ roles: ["reader", "pii-reader"] }) });
export const piiRead = new Permission({ name: "pii_read", types: [FeatureView], requiredTags: { pii: "true" },
  actions: ["DESCRIBE"], policy: new RoleBasedPolicy({ roles: ["pii-reader"] }) });
`;

let repo: TempRepo;
let registry: Registry;
let ui: RunningConsole;
type Pair = { certPath: string; keyPath: string };
let serverCert: Buffer;
let fraud: Pair;
let analyst: Pair;
let stranger: Pair;

beforeAll(async () => {
  repo = createTempRepo({ files: { "defs.ts": DEFS } });
  const certs = join(repo.path, "certs");
  mkdirSync(certs);
  const server = selfSignedCertificate(certs);
  serverCert = readFileSync(server.certPath);
  const ca = certificateAuthority(certs, "clients");
  fraud = signedCertificate(certs, ca, "fraud-svc", "URI:spiffe://example.test/fraud");
  analyst = signedCertificate(certs, ca, "analyst", "DNS:analyst.internal");
  // Same names, another CA (in its own folder: the files are named after the CN).
  const elsewhere = join(certs, "elsewhere");
  mkdirSync(elsewhere);
  stranger = signedCertificate(
    elsewhere,
    certificateAuthority(elsewhere, "other"),
    "fraud-svc",
    "URI:spiffe://example.test/fraud",
  );
  repo.write(
    "feature_store.yaml",
    `${BASIC_CONFIG}server:
  tls: { cert_path: ${server.certPath}, key_path: ${server.keyPath}, client_ca_path: ${ca.certPath} }
  auth:
    client_certificates:
      - { subject: "spiffe://example.test/fraud", roles: [pii-reader] }
      - { subject: analyst, roles: [reader] }
`,
  );
  for (const view of ["profile", "activity"]) {
    await repo.writeParquet(
      `data/${view}.parquet`,
      `SELECT 1::BIGINT AS user_id, TIMESTAMP '2026-01-01' AS ts, 5::BIGINT AS ${view === "profile" ? "age" : "clicks"}`,
    );
  }
  await applyRepo(repo.path, {});
  const config = loadRepoConfig(repo.path);
  registry = await openRegistry(config);
  ui = await startConsole({ config, registry, logger: createLogger({ level: "silent" }), port: 0 });
}, 120_000);

afterAll(async () => {
  await ui?.close();
  await registry?.close();
  repo?.cleanup();
});

function get(path: string, cert: Pair | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${ui.url}${path}`,
      {
        ca: serverCert,
        ...(cert ? { cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) } : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("web console over mutual TLS", () => {
  it("serves HTTPS and shows each certificate what its roles may describe", async () => {
    expect(ui.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const asFraud = await get("/api/views", fraud);
    expect(asFraud.status).toBe(200);
    expect(JSON.parse(asFraud.body).items.map((v: { name: string }) => v.name)).toEqual([
      "activity",
      "profile",
    ]);
    const asAnalyst = await get("/api/views", analyst);
    expect(JSON.parse(asAnalyst.body).items.map((v: { name: string }) => v.name)).toEqual(["activity"]);
    expect((await get("/api/views/profile", analyst)).status).toBe(404);
    expect((await get("/api/views/profile", fraud)).status).toBe(200);
    // The page names the caller by its certificate.
    expect((await get("/views", fraud)).body).toContain("cert:fraud-svc");
  });

  it("refuses a client without a certificate, or with one from another CA", async () => {
    await expect(get("/api/views", undefined)).rejects.toThrow();
    await expect(get("/api/views", stranger)).rejects.toThrow();
  });
});

/**
 * Permissions on stored profiles: GetFeatureStatistics by `profile_id` and
 * DetectDrift with `baseline_profile_id` read a profile the caller did not
 * name the objects of, so they are checked on what the profile covers (its
 * view or service, the views of its features) exactly like the same request
 * by name: READ_OFFLINE. A caller who may not even DESCRIBE a covered object
 * gets NOT_FOUND, worded like a missing profile (the object stays hidden, as
 * in the List RPCs and the console); one who may describe but not read gets
 * PERMISSION_DENIED naming it. Real server, static tokens, real SQLite registry.
 * The console's service page, which a caller who may describe a service sees,
 * leaves out the drift of features of views the caller may not READ_OFFLINE,
 * and a feature's page shows statistics only with READ_OFFLINE on its view.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFstoreClient, type FstoreClient, FstoreClientError } from "../clients/typescript/src/index.js";
import type { FeatureModel, ServiceMonitoringModel } from "../src/console/monitoring-data.js";
import { DEFAULT_THRESHOLDS } from "../src/monitoring/index.js";
import { applyRepo } from "../src/registry/index.js";
import { serverProfileStore } from "../src/server/handlers/monitoring.js";
import { startTestServer, type TestServer } from "./support/server.js";
import { BASIC_CONFIG, createTempRepo, type TempRepo } from "./support/temp-repo.js";

const DEFS = `import { Entity, FeatureService, FeatureView, Field, FileSource, Int64, Permission,
  RoleBasedPolicy } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
const profileSrc = new FileSource({ name: "profile_src", path: "data/profile.parquet", timestampField: "ts" });
const activitySrc = new FileSource({ name: "activity_src", path: "data/activity.parquet", timestampField: "ts" });
export const profile = new FeatureView({ name: "profile", entities: [user], ttl: "30d",
  schema: [new Field({ name: "age", dtype: Int64 })], source: profileSrc, tags: { pii: "true" } });
export const activity = new FeatureView({ name: "activity", entities: [user], ttl: "30d",
  schema: [new Field({ name: "clicks", dtype: Int64 })], source: activitySrc, tags: { pii: "false" } });
export const mixed = new FeatureService({ name: "mixed", features: [profile, activity], tags: { pii: "false" } });
export const publicService = new FeatureService({ name: "public_service", features: [activity], tags: { pii: "false" } });

const readers = ["READ_OFFLINE", "DESCRIBE"] as const;
export const publicRead = new Permission({ name: "public_read", types: [FeatureView, FeatureService],
  requiredTags: { pii: "false" }, actions: [...readers], policy: new RoleBasedPolicy({ roles: ["reader", "pii-reader"] }) });
export const piiRead = new Permission({ name: "pii_read", types: [FeatureView, FeatureService],
  requiredTags: { pii: "true" }, actions: [...readers], policy: new RoleBasedPolicy({ roles: ["pii-reader"] }) });
export const catalog = new Permission({ name: "catalog", types: [FeatureView, FeatureService],
  actions: ["DESCRIBE"], policy: new RoleBasedPolicy({ roles: ["cataloguer"] }) });
export const admin = new Permission({ name: "admin", policy: new RoleBasedPolicy({ roles: ["admin"] }) });
`;

const CONFIG = `${BASIC_CONFIG}server:
  audit_log: data/audit.log
  auth:
    tokens:
      - { token: tok-admin, name: ops, roles: [admin] }
      - { token: tok-pii, name: fraud-team, roles: [pii-reader] }
      - { token: tok-reader, name: analytics, roles: [reader] }
      - { token: tok-catalog, name: catalog, roles: [cataloguer] }
      - { token: tok-nobody, name: intern }
`;

type Role = "admin" | "pii-reader" | "reader" | "cataloguer" | "nobody";
const TOKENS: Record<Role, string> = {
  admin: "tok-admin",
  "pii-reader": "tok-pii",
  reader: "tok-reader",
  cataloguer: "tok-catalog",
  nobody: "tok-nobody",
};

let repo: TempRepo;
let t: TestServer;
const clients = {} as Record<Role, FstoreClient>;
/** Stored profiles (saved by the admin): their ids. */
const ids = { activity: 0n, profile: 0n, mixed: 0n, publicService: 0n, trainingMixed: 0n };

beforeAll(async () => {
  repo = createTempRepo({ config: CONFIG, files: { "defs.ts": DEFS } });
  await repo.writeParquet(
    "data/profile.parquet",
    "SELECT i::BIGINT AS user_id, (20 + i * 7)::BIGINT AS age, TIMESTAMP '2024-02-01' AS ts FROM range(1, 6) t(i)",
  );
  await repo.writeParquet(
    "data/activity.parquet",
    "SELECT i::BIGINT AS user_id, (i * 100)::BIGINT AS clicks, TIMESTAMP '2024-02-01' AS ts FROM range(1, 6) t(i)",
  );
  // A training set of the mixed service, where the server writes them.
  await repo.writeParquet(
    "data/output/mixed_training.parquet",
    "SELECT i::BIGINT AS user_id, TIMESTAMP '2024-02-02' AS event_timestamp, (20 + i * 7)::BIGINT AS age, (i * 100)::BIGINT AS clicks FROM range(1, 6) t(i)",
  );
  await applyRepo(repo.path);
  t = await startTestServer({ repoPath: repo.path, start: { uiPort: 0 } });
  for (const role of Object.keys(TOKENS) as Role[]) {
    clients[role] = createFstoreClient({ address: t.address, token: TOKENS[role], timeoutMs: 30_000 });
  }
  const save = async (source: Parameters<FstoreClient["getFeatureStatistics"]>[0]["source"]) =>
    (await clients.admin.getFeatureStatistics({ source, save: true })).id;
  ids.activity = await save({ source: { case: "featureView", value: "activity" } });
  ids.profile = await save({ source: { case: "featureView", value: "profile" } });
  ids.mixed = await save({ source: { case: "featureService", value: "mixed" } });
  ids.publicService = await save({ source: { case: "featureService", value: "public_service" } });
  ids.trainingMixed = await save({
    source: { case: "trainingSet", value: "mixed_training.parquet" },
    trainingSetFeatureService: "mixed",
  });
}, 120_000);

afterAll(async () => {
  for (const c of Object.values(clients)) c.close();
  await t?.shutdown();
  repo?.cleanup();
});

/** The call's outcome: "ok" with the result, or the status code and message. */
async function attempt<T>(call: () => Promise<T>): Promise<{ code: number; message: string; value?: T }> {
  try {
    return { code: status.OK, message: "", value: await call() };
  } catch (err) {
    if (!(err instanceof FstoreClientError)) throw err;
    return { code: err.code, message: err.message };
  }
}

const byId = (role: Role, profileId: bigint) =>
  attempt(() => clients[role].getFeatureStatistics({ profileId }));

const auditLines = () =>
  (existsSync(join(repo.path, "data/audit.log"))
    ? readFileSync(join(repo.path, "data/audit.log"), "utf8")
    : ""
  )
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("GetFeatureStatistics by profile_id", () => {
  it("the stored profiles cover what they were made of", async () => {
    const names = async (id: bigint) =>
      (await clients.admin.getFeatureStatistics({ profileId: id })).features.map((f) => f.name);
    expect(await names(ids.activity)).toEqual(["activity:clicks"]);
    expect(await names(ids.profile)).toEqual(["profile:age"]);
    expect(await names(ids.mixed)).toEqual(["profile:age", "activity:clicks"]);
    expect(await names(ids.trainingMixed)).toEqual(["profile:age", "activity:clicks"]);
  });

  // Who may read each stored profile by id: exactly who may profile the same source by name.
  const table: [keyof typeof ids, Role[]][] = [
    ["activity", ["admin", "pii-reader", "reader"]],
    ["publicService", ["admin", "pii-reader", "reader"]],
    ["profile", ["admin", "pii-reader"]],
    ["mixed", ["admin", "pii-reader"]],
    ["trainingMixed", ["admin", "pii-reader"]],
  ];
  const roles: Role[] = ["admin", "pii-reader", "reader", "cataloguer", "nobody"];
  it.each(table.flatMap(([profile, allowed]) => roles.map((role) => [profile, role, allowed] as const)))(
    "profile of %s as %s",
    async (profile, role, allowed) => {
      const got = await byId(role, ids[profile]);
      if (allowed.includes(role)) {
        expect(got.code).toBe(status.OK);
        expect(got.value?.id).toBe(ids[profile]);
        return;
      }
      // The same profile is never handed out; hidden objects are not named.
      expect(got.value).toBeUndefined();
      if (role === "cataloguer") {
        // May describe everything, read nothing: denied, naming the first object it may not read.
        expect(got.code).toBe(status.PERMISSION_DENIED);
        expect(got.message).toMatch(/may not READ_OFFLINE (FeatureView|FeatureService) "/);
      } else {
        expect(got.code).toBe(status.NOT_FOUND);
        expect(got.message).toContain(`profile ${ids[profile]} is not in the registry`);
        expect(got.message).not.toMatch(/"profile"|mixed|activity/);
      }
    },
  );

  it("agrees with the same request by name", async () => {
    // The reader may not profile the PII view or the mixed service by name either.
    const byName = await attempt(() =>
      clients.reader.getFeatureStatistics({ source: { source: { case: "featureView", value: "profile" } } }),
    );
    expect(byName.code).toBe(status.PERMISSION_DENIED);
    const mixedByName = await attempt(() =>
      clients.reader.getFeatureStatistics({ source: { source: { case: "featureService", value: "mixed" } } }),
    );
    expect(mixedByName.code).toBe(status.PERMISSION_DENIED);
    // A missing id reads the same to everyone.
    const missing = await byId("reader", 999_999n);
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.message).toContain("profile 999999 is not in the registry");
  });

  it("audits the denial", async () => {
    // Lines are written asynchronously: wait for the earlier calls' lines to settle first.
    let before = auditLines().length;
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      const now = auditLines().length;
      if (now === before) break;
      before = now;
    }
    await byId("reader", ids.profile);
    const deadline = Date.now() + 10_000;
    while (auditLines().length <= before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(auditLines().slice(before)).toEqual([
      expect.objectContaining({
        identity: "analytics",
        rpc: "GetFeatureStatistics",
        decision: "deny",
        code: "NOT_FOUND",
        rows: 0,
      }),
    ]);
  });
});

describe("DetectDrift with baseline_profile_id", () => {
  const drift = (role: Role, baselineProfileId: bigint) =>
    attempt(() => clients[role].detectDrift({ featureService: "public_service", baselineProfileId }));

  it("compares with a stored profile the caller may read", async () => {
    const got = await drift("reader", ids.publicService);
    expect(got.code).toBe(status.OK);
    expect(got.value?.baselineProfileId).toBe(ids.publicService);
    expect(got.value?.features.map((f) => f.feature)).toEqual(["activity:clicks"]);
  });

  it("never compares with (and so reports) a stored profile of objects the caller may not read", async () => {
    for (const id of [ids.profile, ids.mixed, ids.trainingMixed]) {
      const got = await drift("reader", id);
      expect(got.code).toBe(status.NOT_FOUND);
      expect(got.message).toContain(`profile ${id} is not in the registry`);
    }
    // The PII reader may.
    const pii = await drift("pii-reader", ids.mixed);
    expect(pii.code).toBe(status.OK);
    expect(pii.value?.features.map((f) => f.feature).sort()).toEqual(["activity:clicks", "profile:age"]);
  });
});

describe("the console's service page", () => {
  it("shows the drift of a service's features only for the views the caller may describe", async () => {
    // The mixed service's baseline, then a later profile of it: the page compares the two.
    await serverProfileStore(t.server.deps).saveBaseline("mixed", Number(ids.mixed), DEFAULT_THRESHOLDS);
    await clients.admin.getFeatureStatistics({
      source: { source: { case: "featureService", value: "mixed" } },
      save: true,
    });
    const page = async (token: string) => {
      const res = await fetch(`${t.server.consoleUrl}/api/services/mixed`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as { monitoring: ServiceMonitoringModel } };
    };
    const pii = await page(TOKENS["pii-reader"]);
    expect(pii.status).toBe(200);
    expect(pii.body.monitoring.latest?.features.map((f) => f.feature)).toEqual([
      "profile:age",
      "activity:clicks",
    ]);
    expect(pii.body.monitoring.hiddenFeatures).toBe(0);
    // The reader may describe the (public) service but not the PII view in it.
    const reader = await page(TOKENS.reader);
    expect(reader.status).toBe(200);
    expect(reader.body.monitoring.latest?.features.map((f) => f.feature)).toEqual(["activity:clicks"]);
    expect(reader.body.monitoring.hiddenFeatures).toBe(1);
    expect(JSON.stringify(reader.body)).not.toContain("profile:age");
    const html = await (
      await fetch(`${t.server.consoleUrl}/services/mixed`, {
        headers: { authorization: `Bearer ${TOKENS.reader}` },
      })
    ).text();
    expect(html).toContain("1 more feature of views you may not read (READ_OFFLINE) is not shown");
    expect(html).not.toContain("profile:age");
    // The cataloguer may describe every view and service but read none: the page is there, the
    // statistics are not (as GetFeatureStatistics asks READ_OFFLINE).
    const catalog = await page(TOKENS.cataloguer);
    expect(catalog.status).toBe(200);
    expect(catalog.body.monitoring.latest?.features).toEqual([]);
    expect(catalog.body.monitoring.hiddenFeatures).toBe(2);
  });

  it("shows a feature's statistics only to a caller who may READ_OFFLINE its view", async () => {
    const feature = async (token: string) => {
      const res = await fetch(`${t.server.consoleUrl}/api/views/profile/features/age`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as FeatureModel };
    };
    const pii = await feature(TOKENS["pii-reader"]);
    expect(pii.status).toBe(200);
    expect(pii.body.profile?.feature.name).toBe("profile:age");
    // The stored profile of the view: ages 27, 34, 41, 48, 55.
    expect(pii.body.profile?.feature.numeric?.min).toBe(27);
    expect(pii.body.profile?.feature.numeric?.max).toBe(55);
    const catalog = await feature(TOKENS.cataloguer);
    expect(catalog.status).toBe(200);
    expect(catalog.body.profile).toBeNull();
    expect(catalog.body.drift).toEqual([]);
    expect(catalog.body.monitoringNote).toMatch(/need READ_OFFLINE/);
    expect(JSON.stringify(catalog.body)).not.toMatch(/"(min|max|mean)"/);
    expect((await feature(TOKENS.reader)).status).toBe(404);
  });
});

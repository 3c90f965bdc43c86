/**
 * Access control on a real server: a repository with permissions applied to a
 * real SQLite registry, static tokens with roles, and a matrix of roles x RPCs
 * x objects (a PII view, a public view, an on-demand view over the PII view,
 * a feature service mixing both) whose expected decisions come from the table
 * below, written by hand. Lists are filtered; every call, denials included,
 * leaves one audit line.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFstoreClient, type FstoreClient, FstoreClientError } from "../clients/typescript/src/index.js";
import { applyRepo } from "../src/registry/index.js";
import { startTestServer, type TestServer } from "./support/server.js";
import { BASIC_CONFIG, createTempRepo, type TempRepo } from "./support/temp-repo.js";

const DEFS = `import { Entity, FeatureService, FeatureView, Field, FileSource, Int64, OnDemandFeatureView, Permission,
  RoleBasedPolicy } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
const profileSrc = new FileSource({ name: "profile_src", path: "data/profile.parquet", timestampField: "ts" });
const activitySrc = new FileSource({ name: "activity_src", path: "data/activity.parquet", timestampField: "ts" });
export const profile = new FeatureView({ name: "profile", entities: [user], ttl: "30d",
  schema: [new Field({ name: "age", dtype: Int64 })], source: profileSrc, tags: { pii: "true" } });
export const activity = new FeatureView({ name: "activity", entities: [user], ttl: "30d",
  schema: [new Field({ name: "clicks", dtype: Int64 })], source: activitySrc, tags: { pii: "false" } });
export const ageBucket = new OnDemandFeatureView({ name: "age_bucket", sources: [profile.select(["age"])],
  schema: [new Field({ name: "decade", dtype: Int64 })], tags: { pii: "false" },
  udf: (inputs) => ({ decade: inputs.age.map((a: bigint | null) => (a === null ? null : (a / 10n) * 10n)) }) });
export const mixed = new FeatureService({ name: "mixed", features: [profile, activity], tags: { pii: "false" } });
export const publicService = new FeatureService({ name: "public_service", features: [activity], tags: { pii: "false" } });

const readers = ["READ_ONLINE", "READ_OFFLINE", "DESCRIBE"] as const;
export const publicRead = new Permission({ name: "public_read", types: [FeatureView, OnDemandFeatureView, FeatureService],
  requiredTags: { pii: "false" }, actions: [...readers], policy: new RoleBasedPolicy({ roles: ["reader", "pii-reader"] }) });
export const piiRead = new Permission({ name: "pii_read", types: [FeatureView, OnDemandFeatureView, FeatureService],
  requiredTags: { pii: "true" }, actions: [...readers], policy: new RoleBasedPolicy({ roles: ["pii-reader"] }) });
export const admin = new Permission({ name: "admin", policy: new RoleBasedPolicy({ roles: ["admin"] }) });
`;

const ROLES = ["admin", "pii-reader", "reader", "nobody"] as const;
type Role = (typeof ROLES)[number];
const TOKENS: Record<Role, string> = {
  admin: "tok-admin",
  "pii-reader": "tok-pii",
  reader: "tok-reader",
  nobody: "tok-nobody",
};

const CONFIG = `${BASIC_CONFIG}server:
  audit_log: data/audit.log
  auth:
    tokens:
      - { token: tok-admin, name: ops, roles: [admin] }
      - { token: tok-pii, name: fraud-team, roles: [pii-reader] }
      - { token: tok-reader, name: analytics, roles: [reader] }
      - { token: tok-nobody, name: intern }
`;

const T0 = new Date("2024-03-01T00:00:00Z");
const USERS = [1n, 2n];

/** One call of the matrix: what it does, and the roles allowed to do it (the rest get PERMISSION_DENIED). */
interface Case {
  name: string;
  call: (c: FstoreClient) => Promise<unknown>;
  allowed: readonly Role[];
  /** The action and object a denial names (the first check a role fails). */
  denial: string;
  /** Where a role fails an earlier check (e.g. a role with no grant fails on the service itself). */
  denialOf?: Partial<Record<Role, string>>;
}

const ALL_READERS: readonly Role[] = ["admin", "pii-reader", "reader"];
const PII_READERS: readonly Role[] = ["admin", "pii-reader"];
const drain = async (it: AsyncIterable<unknown>) => {
  for await (const _ of it);
};
const rows = { columns: { user_id: USERS }, eventTimestamps: [T0, T0] };

const CASES: Case[] = [
  {
    name: "GetOnlineFeatures public view",
    call: (c) => c.getOnlineFeatures({ features: ["activity:clicks"], entities: { user_id: USERS } }),
    allowed: ALL_READERS,
    denial: 'may not READ_ONLINE FeatureView "activity"',
  },
  {
    name: "GetOnlineFeatures PII view",
    call: (c) => c.getOnlineFeatures({ features: ["profile:age"], entities: { user_id: USERS } }),
    allowed: PII_READERS,
    denial: 'may not READ_ONLINE FeatureView "profile"',
  },
  {
    name: "GetOnlineFeatures on-demand view over the PII view",
    call: (c) => c.getOnlineFeatures({ features: ["age_bucket:decade"], entities: { user_id: USERS } }),
    allowed: PII_READERS,
    // The on-demand view itself is public; its input is not.
    denial: 'may not READ_ONLINE FeatureView "profile"',
    denialOf: { nobody: 'may not READ_ONLINE OnDemandFeatureView "age_bucket"' },
  },
  {
    name: "GetOnlineFeatures service mixing PII and public",
    call: (c) => c.getOnlineFeatures({ featureServices: ["mixed"], entities: { user_id: USERS } }),
    allowed: PII_READERS,
    denial: 'may not READ_ONLINE FeatureView "profile"',
    denialOf: { nobody: 'may not READ_ONLINE FeatureService "mixed"' },
  },
  {
    name: "GetOnlineFeatures public service",
    call: (c) => c.getOnlineFeatures({ featureServices: ["public_service"], entities: { user_id: USERS } }),
    allowed: ALL_READERS,
    denial: 'may not READ_ONLINE FeatureService "public_service"',
  },
  {
    name: "GetHistoricalFeatures public view",
    call: (c) => c.getHistoricalFeatures({ features: ["activity:clicks"], entityRows: rows }),
    allowed: ALL_READERS,
    denial: 'may not READ_OFFLINE FeatureView "activity"',
  },
  {
    name: "GetHistoricalFeatures PII view",
    call: (c) => c.getHistoricalFeatures({ features: ["profile:age"], entityRows: rows }),
    allowed: PII_READERS,
    denial: 'may not READ_OFFLINE FeatureView "profile"',
  },
  {
    name: "ValidateConsistency public view",
    call: (c) => c.validateConsistency({ featureViews: ["activity"], entities: { user_id: USERS } }),
    allowed: ALL_READERS,
    denial: 'may not READ_ONLINE FeatureView "activity"',
  },
  {
    name: "ValidateConsistency PII view",
    call: (c) => c.validateConsistency({ featureViews: ["profile"], entities: { user_id: USERS } }),
    allowed: PII_READERS,
    denial: 'may not READ_ONLINE FeatureView "profile"',
  },
  {
    name: "Push to the public view",
    call: (c) => c.push({ source: "activity", columns: { user_id: [3n], clicks: [1n], ts: [T0] } }),
    allowed: ["admin"],
    denial: 'may not WRITE_ONLINE FeatureView "activity"',
  },
  {
    name: "Push offline to the public view",
    call: (c) =>
      c.push({ source: "activity", columns: { user_id: [3n], clicks: [1n], ts: [T0] }, to: "offline" }),
    allowed: ["admin"],
    denial: 'may not WRITE_OFFLINE FeatureView "activity"',
  },
  {
    name: "Materialize the public view",
    call: (c) =>
      drain(c.materialize({ featureViews: ["activity"], start: T0, end: new Date(T0.getTime() + 3600_000) })),
    allowed: ["admin"],
    denial: 'may not WRITE_ONLINE FeatureView "activity"',
  },
  {
    name: "GetFeatureView PII view",
    call: (c) => c.getFeatureView("profile"),
    allowed: PII_READERS,
    denial: 'may not DESCRIBE FeatureView "profile"',
  },
];

let repo: TempRepo;
let t: TestServer;
const clients = {} as Record<Role, FstoreClient>;

beforeAll(async () => {
  repo = createTempRepo({ config: CONFIG, files: { "defs.ts": DEFS } });
  await repo.writeParquet(
    "data/profile.parquet",
    "SELECT i::BIGINT AS user_id, (20 + i * 7)::BIGINT AS age, TIMESTAMP '2024-02-01' AS ts FROM range(1, 3) t(i)",
  );
  await repo.writeParquet(
    "data/activity.parquet",
    "SELECT i::BIGINT AS user_id, (i * 100)::BIGINT AS clicks, TIMESTAMP '2024-02-01' AS ts FROM range(1, 3) t(i)",
  );
  await applyRepo(repo.path);
  t = await startTestServer({ repoPath: repo.path });
  for (const role of ROLES) {
    clients[role] = createFstoreClient({ address: t.address, token: TOKENS[role], timeoutMs: 30_000 });
  }
  // Values online for the read cases (by the admin, who may).
  await drain(clients.admin.materialize({ start: new Date("2024-01-01T00:00:00Z"), end: T0 }));
}, 120_000);

afterAll(async () => {
  for (const c of Object.values(clients)) c.close();
  await t?.shutdown();
  repo?.cleanup();
});

async function outcome(c: Case, role: Role): Promise<{ allowed: boolean; message: string }> {
  try {
    await c.call(clients[role]);
    return { allowed: true, message: "" };
  } catch (err) {
    if (!(err instanceof FstoreClientError)) throw err;
    if (err.code === status.PERMISSION_DENIED) return { allowed: false, message: err.message };
    // Any other status means the call got past enforcement.
    return { allowed: true, message: err.message };
  }
}

const auditLines = () =>
  (existsSync(join(repo.path, "data/audit.log"))
    ? readFileSync(join(repo.path, "data/audit.log"), "utf8")
    : ""
  )
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * The number of audit lines once the log has settled: lines are written
 * asynchronously, so the previous call's line may still be on its way.
 */
async function settledAuditCount(): Promise<number> {
  let count = auditLines().length;
  for (;;) {
    await new Promise((r) => setTimeout(r, 30));
    const now = auditLines().length;
    if (now === count) return count;
    count = now;
  }
}

/** The audit lines after the first `before`, once there are `count` of them (the log is written asynchronously). */
async function newAuditLines(before: number, count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 10_000;
  while (auditLines().length < before + count && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  return auditLines().slice(before);
}

describe("enforcement", () => {
  const matrix = CASES.flatMap((c) => ROLES.map((role) => [c.name, role, c] as const));
  it.each(matrix)("%s as %s", async (_, role, c) => {
    const before = await settledAuditCount();
    const result = await outcome(c, role);
    expect(result.allowed).toBe(c.allowed.includes(role));
    if (!result.allowed) expect(result.message).toContain(c.denialOf?.[role] ?? c.denial);
    // One audit line for the call, with the decision.
    const lines = await newAuditLines(before, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ decision: result.allowed ? "allow" : "deny" });
  });

  it("serves values to an allowed caller (enforcement does not change answers)", async () => {
    const res = await clients["pii-reader"].getOnlineFeatures({
      features: ["profile:age", "age_bucket:decade"],
      entities: { user_id: USERS },
    });
    expect(res.columns.find((c) => c.name === "age")?.values).toEqual([27n, 34n]);
    expect(res.columns.find((c) => c.name === "decade")?.values).toEqual([20n, 30n]);
  });

  it("filters registry lists to what the caller may describe", async () => {
    const views = async (role: Role) => {
      const all = await clients[role].listFeatureViews();
      return [...all.featureViews, ...all.onDemandFeatureViews].map((v) => v.name).sort();
    };
    expect(await views("admin")).toEqual(["activity", "age_bucket", "profile"]);
    expect(await views("pii-reader")).toEqual(["activity", "age_bucket", "profile"]);
    expect(await views("reader")).toEqual(["activity", "age_bucket"]);
    expect(await views("nobody")).toEqual([]);
    const services = async (role: Role) =>
      (await clients[role].listFeatureServices()).map((s) => s.name).sort();
    expect(await services("reader")).toEqual(["mixed", "public_service"]);
    expect(await services("nobody")).toEqual([]);
    // Entities and permissions are described by the admin only.
    expect((await clients.reader.listEntities()).map((e) => e.name)).toEqual([]);
    expect((await clients.admin.listEntities()).map((e) => e.name)).toEqual(["user"]);
    const permissions = async (role: Role) =>
      (await clients[role].raw.listPermissions({})).permissions.map((p) => p.name);
    expect(await permissions("admin")).toEqual(["admin", "pii_read", "public_read"]);
    expect(await permissions("pii-reader")).toEqual([]);
  });

  it("audits who read what, never values, and rejects unknown tokens with an audit line", async () => {
    const before = await settledAuditCount();
    await clients.reader.getOnlineFeatures({ features: ["activity:clicks"], entities: { user_id: USERS } });
    const stranger = createFstoreClient({ address: t.address, token: "tok-unknown", timeoutMs: 30_000 });
    await expect(stranger.listEntities()).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    stranger.close();
    const [read, rejected] = await newAuditLines(before, 2);
    expect(read).toEqual({
      time: expect.any(String),
      identity: "analytics",
      roles: ["reader"],
      rpc: "GetOnlineFeatures",
      objects: [{ type: "FeatureView", name: "activity", action: "READ_ONLINE" }],
      decision: "allow",
      code: "OK",
      rows: 2,
    });
    expect(rejected).toMatchObject({
      identity: "anonymous",
      rpc: "ListEntities",
      decision: "deny",
      code: "PERMISSION_DENIED",
    });
    expect(JSON.stringify(auditLines())).not.toMatch(/"age"|tok-/);
  });
});

/**
 * The registry contract, one suite run on every backend: a SQLite file and a
 * PostgreSQL database (its own, created and dropped here). Apply/plan diffs,
 * versions, all-or-nothing applies, snapshots that see other registries'
 * applies, materialization bookkeeping per online store, and leases. Then
 * what only one backend has: SQLite's file handling and schema migration,
 * PostgreSQL's LISTEN/NOTIFY, background refresh and connection errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { parseRepoConfig } from "../src/config/load-repo-config.js";
import type { OnlineStoreConfig, RegistryConfig } from "../src/config/types.js";
import { Code, type FstoreError } from "../src/errors/index.js";
import { DEFAULT_THRESHOLDS, openProfileStore, type Profile } from "../src/monitoring/index.js";
import {
  type FeatureViewDef,
  type FileSourceDef,
  openRegistry,
  type Registry,
  type RepoDefinitions,
  teardownRegistry,
} from "../src/registry/index.js";
import { createTestDatabase, type TestDatabase } from "./support/postgres.js";

const dir = mkdtempSync(join(tmpdir(), "fstore-registry-"));
const opened: Registry[] = [];
const databases = new Map<string, Promise<TestDatabase>>();
afterAll(async () => {
  for (const r of opened) await r.close();
  for (const db of databases.values()) await (await db).drop();
  rmSync(dir, { recursive: true, force: true });
});

const SQLITE_ONLINE: OnlineStoreConfig = { type: "sqlite", path: join(dir, "online.db") };

interface Backend {
  name: "sqlite" | "postgresql";
  /** The registry stored under `key` (a file, or a database): two opens of one key share it. */
  open(
    key: string,
    options?: { cacheTtlSeconds?: number; project?: string; onlineStore?: OnlineStoreConfig },
  ): Promise<Registry>;
}

async function pgUrl(key: string): Promise<string> {
  let db = databases.get(key);
  if (!db) {
    db = createTestDatabase(`reg_${key}`);
    databases.set(key, db);
  }
  return (await db).url;
}

const backends: Backend[] = [
  {
    name: "sqlite",
    async open(key, o = {}) {
      const registry = await openRegistry({
        project: o.project ?? "proj",
        registry: { path: join(dir, `${key}.db`), cacheTtlSeconds: o.cacheTtlSeconds ?? 0 },
        onlineStore: o.onlineStore ?? SQLITE_ONLINE,
      });
      opened.push(registry);
      return registry;
    },
  },
  {
    name: "postgresql",
    async open(key, o = {}) {
      const registry = await openRegistry({
        project: o.project ?? "proj",
        registry: { registryType: "sql", path: await pgUrl(key), cacheTtlSeconds: o.cacheTtlSeconds ?? 0 },
        onlineStore: o.onlineStore ?? SQLITE_ONLINE,
      });
      opened.push(registry);
      return registry;
    },
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds or `ms` passed (no tight wall-clock bound: generous under load). */
async function eventually(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await sleep(20);
}

const source: FileSourceDef = {
  kind: "file",
  name: "src",
  path: "data/x.parquet",
  timestampField: "ts",
  createdTimestampColumn: "",
  fieldMapping: {},
  description: "",
  tags: {},
  owner: "",
};
const field = (name: string, dtype = ValueType.INT64) => ({ name, dtype, description: "", tags: {} });
const view = (name: string, over: Partial<FeatureViewDef> = {}): FeatureViewDef => ({
  name,
  entities: ["driver"],
  entityColumns: [field("driver_id")],
  features: [field("trips"), field("rating", ValueType.DOUBLE)],
  ttlSeconds: 3600,
  source,
  online: true,
  description: "",
  tags: {},
  owner: "",
  ...over,
});

function repoDefs(over: Partial<RepoDefinitions> = {}): RepoDefinitions {
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
    dataSources: [source],
    featureViews: [view("stats"), view("hourly")],
    featureServices: [
      {
        name: "svc",
        projections: [{ featureView: "stats", features: ["trips"] }],
        description: "",
        tags: {},
        owner: "",
      },
    ],
    onDemandFeatureViews: [],
    ...over,
  };
}

describe.each(backends)("registry contract on $name", (backend) => {
  it("applies adds, changes with details and removes, moving the version only on change", async () => {
    const registry = await backend.open("diff");
    expect(registry.snapshot().version).toBe(0);
    const first = repoDefs();
    expect((await registry.plan(first)).map((c) => `${c.kind} ${c.objectType} ${c.name}`)).toEqual([
      "add entity driver",
      "add data_source src",
      "add feature_view hourly",
      "add feature_view stats",
      "add feature_service svc",
    ]);
    expect(registry.snapshot().version).toBe(0); // plan writes nothing
    expect(await registry.apply(first)).toHaveLength(5);
    const s1 = registry.snapshot();
    expect(s1.version).toBe(1);
    expect(s1.project).toBe("proj");
    expect(s1.featureViews.get("stats")).toEqual(view("stats"));
    expect([...s1.featureViews.keys()].sort()).toEqual(["hourly", "stats"]);
    expect(s1.entities.get("driver")?.joinKeys).toEqual(["driver_id"]);
    expect(s1.dataSources.get("src")).toEqual(source);
    expect(s1.featureServices.get("svc")?.projections).toEqual([
      { featureView: "stats", features: ["trips"] },
    ]);

    expect(await registry.apply(repoDefs())).toEqual([]);
    expect(registry.snapshot().version).toBe(1);

    const second = repoDefs({
      featureViews: [
        view("stats", { ttlSeconds: 7200, features: [field("trips"), field("rating", ValueType.FLOAT)] }),
        view("hourly", { tags: { pii: "true" } }),
      ],
      featureServices: [],
    });
    const changes = await registry.apply(second);
    expect(changes).toEqual([
      { kind: "change", objectType: "feature_view", name: "hourly", details: ["tags"] },
      { kind: "change", objectType: "feature_view", name: "stats", details: ["features", "ttl"] },
      { kind: "remove", objectType: "feature_service", name: "svc", details: [] },
    ]);
    const s2 = registry.snapshot();
    expect(s2.version).toBe(2);
    expect(s2.featureServices.size).toBe(0);
    expect(s2.featureViews.get("stats")?.ttlSeconds).toBe(7200);
    const meta = s2.meta.get("feature_view/stats");
    expect(meta && meta.updated.getTime() >= meta.created.getTime()).toBe(true);
    expect(s2.meta.get("entity/driver")).toEqual(s1.meta.get("entity/driver"));
  });

  it("keeps data across reopen, and projects apart in one store", async () => {
    const a = await backend.open("persist");
    await a.apply(repoDefs());
    await a.close();
    const b = await backend.open("persist");
    expect(b.snapshot().version).toBe(1);
    expect(b.snapshot().featureViews.get("stats")).toEqual(view("stats"));
    const other = await backend.open("persist", { project: "other" });
    expect(other.snapshot().version).toBe(0);
    expect(other.snapshot().featureViews.size).toBe(0);
  });

  it("changes nothing when an apply fails part-way", async () => {
    const registry = await backend.open("atomic");
    await registry.apply(repoDefs());
    const before = registry.snapshot();
    // Serializing the last object throws after earlier rows were written inside the transaction.
    const poisoned = {
      name: "zzz",
      projections: [],
      description: "",
      tags: {},
      owner: "",
      toJSON() {
        throw new Error("cannot serialize");
      },
    };
    const next = repoDefs({
      featureViews: [view("stats", { ttlSeconds: 1 }), view("new_view")],
      featureServices: [poisoned],
    });
    await expect(registry.apply(next)).rejects.toThrow(/cannot serialize/);
    const after = registry.snapshot();
    expect(after.version).toBe(before.version);
    expect(after.featureViews.get("stats")?.ttlSeconds).toBe(3600);
    expect(after.featureViews.has("new_view")).toBe(false);
    const fresh = await backend.open("atomic");
    expect(fresh.snapshot().version).toBe(before.version);
    expect([...fresh.snapshot().featureViews.keys()].sort()).toEqual(["hourly", "stats"]);
  });

  it("records materialization intervals and runs, and forgets a removed view's intervals", async () => {
    const registry = await backend.open("mat");
    await registry.apply(repoDefs());
    await registry.recordMaterializationInterval(
      "stats",
      new Date("2024-01-02T00:00:00Z"),
      new Date("2024-01-03T00:00:00Z"),
    );
    await registry.recordMaterializationInterval(
      "stats",
      new Date("2024-01-01T00:00:00Z"),
      new Date("2024-01-02T00:00:00Z"),
    );
    await registry.recordMaterializationInterval(
      "hourly",
      new Date("2024-01-01T00:00:00Z"),
      new Date("2024-01-05T00:00:00Z"),
    );
    const intervals = await registry.materializationIntervals("stats");
    expect(intervals.map((i) => [i.start.toISOString(), i.end.toISOString()])).toEqual([
      ["2024-01-01T00:00:00.000Z", "2024-01-02T00:00:00.000Z"],
      ["2024-01-02T00:00:00.000Z", "2024-01-03T00:00:00.000Z"],
    ]);
    expect(intervals.every((i) => i.featureView === "stats" && i.recorded instanceof Date)).toBe(true);

    expect(await registry.lastMaterializationRun("stats")).toBeUndefined();
    const run = {
      featureView: "stats",
      start: new Date("2024-01-01T00:00:00Z"),
      end: new Date("2024-01-02T00:00:00Z"),
      outcome: "succeeded" as const,
      rowsRead: 10,
      entitiesWritten: 4,
      error: "",
      scheduled: true,
    };
    await registry.recordMaterializationRun(run);
    await registry.recordMaterializationRun({
      ...run,
      outcome: "failed",
      error: "redis down",
      scheduled: false,
    });
    expect(await registry.lastMaterializationRun("stats")).toEqual({
      ...run,
      outcome: "failed",
      error: "redis down",
      scheduled: false,
    });

    await registry.apply(repoDefs({ featureViews: [view("hourly")], featureServices: [] }));
    expect(await registry.materializationIntervals("stats")).toEqual([]);
    expect(await registry.materializationIntervals("hourly")).toHaveLength(1);
  });

  it("keeps materialization intervals and runs per online store", async () => {
    const sqlite = await backend.open("per_store", { onlineStore: { type: "sqlite", path: "/r/online.db" } });
    const redis = await backend.open("per_store", {
      onlineStore: {
        type: "redis",
        connectionString: "127.0.0.1:6379",
        redisType: "redis",
        keyTtlSeconds: null,
        layout: "packed",
      },
    });
    await sqlite.apply(repoDefs());
    await sqlite.recordMaterializationInterval("stats", new Date(0), new Date(1000));
    await sqlite.recordMaterializationRun({
      featureView: "stats",
      start: new Date(0),
      end: new Date(1000),
      outcome: "succeeded",
      rowsRead: 3,
      entitiesWritten: 2,
      error: "",
      scheduled: false,
    });
    expect(await sqlite.materializationIntervals("stats")).toHaveLength(1);
    expect(await redis.materializationIntervals("stats")).toEqual([]);
    expect(await redis.lastMaterializationRun("stats")).toBeUndefined();
    expect(await redis.otherOnlineStores("stats")).toEqual(["sqlite:/r/online.db"]);
    expect(await sqlite.otherOnlineStores("stats")).toEqual([]);
  });
  it("sees another registry's apply (SQLite: at the next snapshot; PostgreSQL: by NOTIFY)", async () => {
    const reader = await backend.open("shared");
    const writer = await backend.open("shared");
    await writer.apply(repoDefs());
    await eventually(() => reader.snapshot().version === 1);
    const s1 = reader.snapshot();
    expect(s1.version).toBe(1);
    expect(reader.snapshot()).toBe(s1); // unchanged: the same cached object
    await writer.recordMaterializationInterval("stats", new Date(0), new Date(1000));
    await sleep(300);
    expect(reader.snapshot()).toBe(s1); // a commit that is not an apply does not rebuild it
    await writer.apply(repoDefs({ featureServices: [] }));
    await eventually(() => reader.snapshot().version === 2);
    const s2 = reader.snapshot();
    expect(s2.version).toBe(2);
    expect(s2.featureServices.size).toBe(0);
  });

  it("grants a lease, holds it against others, lets a dead holder's lease be taken over with its run recorded abandoned", async () => {
    const registry = await backend.open("lease");
    const other = await backend.open("lease");
    await registry.apply(repoDefs());
    const slotMs = Math.floor(Date.now() / 1000) * 1000;
    const req = { name: "materialize:schedule", slotMs, ttlMs: 400 };
    expect(await registry.acquireLease({ ...req, holder: "dead-server" })).toEqual({
      kind: "grant",
      abandonedRuns: [],
    });
    expect(await other.acquireLease({ ...req, holder: "b" })).toMatchObject({
      kind: "held",
      holder: "dead-server",
    });
    await sleep(500);
    const taken = await other.acquireLease({ ...req, holder: "b" });
    expect(taken.kind).toBe("grant");
    if (taken.kind !== "grant") return;
    // One abandoned record per online view (stats, hourly), none finished since the dead run began.
    expect(taken.abandonedRuns.map((r) => r.featureView).sort()).toEqual(["hourly", "stats"]);
    expect(taken.abandonedRuns[0]?.error).toMatch(
      /abandoned: the scheduled run of .* by dead-server stopped renewing/,
    );
    expect(await registry.lastMaterializationRun("stats")).toMatchObject({
      outcome: "abandoned",
      scheduled: true,
    });
    expect(await registry.renewLease(req.name, "dead-server", 400)).toBe(false);
    expect(await other.renewLease(req.name, "b", 400)).toBe(true);
    await other.releaseLease(req.name, "b", true);
    expect(await registry.acquireLease({ ...req, holder: "c" })).toEqual({ kind: "done", holder: "b" });
    // Released unfinished (a shutdown): the slot goes to another server at once.
    const next = { ...req, slotMs: slotMs + 1000 };
    expect((await registry.acquireLease({ ...next, holder: "c" })).kind).toBe("grant");
    await registry.releaseLease(req.name, "c", false);
    expect(await other.acquireLease({ ...next, holder: "b" })).toEqual({ kind: "grant", abandonedRuns: [] });
  });

  it("a lease for other scheduled work (monitoring) reports a takeover without recording runs, apart from materialization's", async () => {
    const registry = await backend.open("lease-other");
    const other = await backend.open("lease-other");
    await registry.apply(repoDefs());
    const slotMs = Math.floor(Date.now() / 1000) * 1000;
    const req = { name: "monitoring:drift", slotMs, ttlMs: 400, materializationRuns: false };
    expect(await registry.acquireLease({ ...req, holder: "dead-server" })).toEqual({
      kind: "grant",
      abandonedRuns: [],
    });
    // Another name is another lease: materialization's is free while monitoring's is held.
    const materialization = { name: "materialize:schedule", slotMs, ttlMs: 60_000 };
    expect(await other.acquireLease({ ...materialization, holder: "b" })).toEqual({
      kind: "grant",
      abandonedRuns: [],
    });
    expect(await other.acquireLease({ ...req, holder: "b" })).toMatchObject({
      kind: "held",
      holder: "dead-server",
    });
    await sleep(500);
    const taken = await other.acquireLease({ ...req, holder: "b" });
    expect(taken).toEqual({
      kind: "grant",
      abandonedRuns: [],
      abandoned: {
        holder: "dead-server",
        slot: new Date(slotMs),
        acquired: expect.any(Date),
        expired: expect.any(Date),
      },
    });
    if (taken.kind !== "grant" || !taken.abandoned) return;
    expect(taken.abandoned.expired.getTime() - taken.abandoned.acquired.getTime()).toBe(400);
    expect(await registry.lastMaterializationRun("stats")).toBeUndefined();
    expect(await registry.lastMaterializationRun("hourly")).toBeUndefined();
    await other.releaseLease(req.name, "b", true);
    expect(await registry.acquireLease({ ...req, holder: "c" })).toEqual({ kind: "done", holder: "b" });
    // Materialization's lease is still b's.
    expect(await registry.acquireLease({ ...materialization, holder: "c" })).toMatchObject({
      kind: "held",
      holder: "b",
    });
  });

  it("grants a contested lease to exactly one of many concurrent requests", async () => {
    const registries = await Promise.all([0, 1, 2, 3].map(() => backend.open("contest")));
    const slotMs = Date.now();
    const outcomes = await Promise.all(
      registries.flatMap((r, i) =>
        [0, 1].map((j) => r.acquireLease({ name: "race", holder: `h${i}-${j}`, slotMs, ttlMs: 60_000 })),
      ),
    );
    expect(outcomes.filter((o) => o.kind === "grant")).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "held")).toHaveLength(7);
  });

  it("serializes concurrent applies: each diffs against the other's result, the version counts both", async () => {
    const a = await backend.open("concurrent");
    const b = await backend.open("concurrent");
    await a.apply(repoDefs());
    const [ca, cb] = await Promise.all([
      a.apply(repoDefs({ featureServices: [] })),
      b.apply(repoDefs({ featureServices: [], featureViews: [view("stats")] })),
    ]);
    // Whichever ran second saw the first's result: the service is removed exactly once.
    const removals = [...ca, ...cb].filter((c) => c.kind === "remove" && c.objectType === "feature_service");
    expect(removals).toHaveLength(1);
    const fresh = await backend.open("concurrent");
    expect(fresh.snapshot().version).toBe(1 + (ca.length > 0 ? 1 : 0) + (cb.length > 0 ? 1 : 0));
  });
});

describe.each(backends)("monitoring profile store on $name", (backend) => {
  const registryOf = async (key: string): Promise<RegistryConfig> =>
    backend.name === "sqlite"
      ? { path: join(dir, `${key}.db`), cacheTtlSeconds: 0 }
      : { registryType: "sql", path: await pgUrl(key), cacheTtlSeconds: 0 };
  const profile = (name: string, createdAt: string): Profile => ({
    id: null,
    source: { kind: "feature_service", name },
    window: { start: "2025-01-01T00:00:00.000Z", end: null },
    createdAt,
    features: [],
  });

  it("stores profiles (newest first per source) and one baseline per service, per project", async () => {
    const config = await registryOf("profiles");
    const store = openProfileStore({ project: "proj", registry: config });
    const other = openProfileStore({ project: "other", registry: config });
    try {
      const a = await store.saveProfile(profile("model", "2025-01-02T00:00:00.000Z"));
      const b = await store.saveProfile(profile("model", "2025-01-03T00:00:00.000Z"));
      await store.saveProfile(profile("ranker", "2025-01-03T00:00:00.000Z"));
      expect(typeof a.id).toBe("number");
      expect(await store.getProfile(a.id as number)).toEqual(a);
      expect(
        (await store.listProfiles({ kind: "feature_service", name: "model" }, 10)).map((p) => p.id),
      ).toEqual([b.id, a.id]);
      expect(await store.listProfiles({ kind: "feature_service", name: "model" }, 1)).toHaveLength(1);
      expect(await store.getBaseline("model")).toBeUndefined();
      await store.saveBaseline("model", a.id as number, DEFAULT_THRESHOLDS);
      const saved = await store.saveBaseline("model", b.id as number, DEFAULT_THRESHOLDS);
      expect(await store.getBaseline("model")).toEqual(saved);
      expect(saved.profile).toEqual(b);
      // Another project sees none of it.
      expect(await other.listProfiles({ kind: "feature_service", name: "model" }, 10)).toEqual([]);
      expect(await other.getBaseline("model")).toBeUndefined();
      await expect(store.getProfile(999_999)).rejects.toMatchObject({ code: Code.NotFound });
    } finally {
      await store.close();
      await other.close();
    }
  });
});

describe("SQLite registry", () => {
  const sqlite = backends[0] as Backend;
  it("checks for another connection's apply at most every cache_ttl_seconds", async () => {
    const reader = await sqlite.open("ttl", { cacheTtlSeconds: 0.4 });
    const writer = await sqlite.open("ttl");
    await writer.apply(repoDefs());
    expect(reader.snapshot().version).toBe(1);
    await writer.apply(repoDefs({ featureServices: [] }));
    expect(reader.snapshot().version).toBe(1); // within the ttl: cached
    await new Promise((r) => setTimeout(r, 450));
    expect(reader.snapshot().version).toBe(2);
  });

  it("migrates a schema-1 file: its history goes to the store configured when it is first opened", async () => {
    const path = join(dir, "schema1.db");
    const old = new Database(path);
    old.exec(`CREATE TABLE meta (project TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (project, key));
      CREATE TABLE objects (project TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, spec TEXT NOT NULL,
        created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY (project, kind, name));
      CREATE TABLE materialization_intervals (project TEXT NOT NULL, feature_view TEXT NOT NULL,
        start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL);
      CREATE INDEX materialization_intervals_by_view ON materialization_intervals (project, feature_view, start_ms);
      CREATE TABLE materialization_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT NULL,
        feature_view TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, outcome TEXT NOT NULL,
        rows_read INTEGER NOT NULL, entities_written INTEGER NOT NULL, error TEXT NOT NULL,
        scheduled INTEGER NOT NULL, finished_ms INTEGER NOT NULL);
      INSERT INTO materialization_intervals VALUES ('proj', 'stats', 0, 5000, 6000);
      INSERT INTO materialization_runs (project, feature_view, start_ms, end_ms, outcome, rows_read,
        entities_written, error, scheduled, finished_ms) VALUES ('proj', 'stats', 0, 5000, 'succeeded', 7, 4, '', 1, 6000);
      PRAGMA user_version = 1;`);
    old.close();
    const registry = await openRegistry({
      project: "proj",
      registry: { path, cacheTtlSeconds: 0 },
      onlineStore: { type: "sqlite", path: "/r/online.db" },
    });
    opened.push(registry);
    expect((await registry.materializationIntervals("stats")).map((i) => i.end.getTime())).toEqual([5000]);
    expect(await registry.lastMaterializationRun("stats")).toMatchObject({ rowsRead: 7, entitiesWritten: 4 });
    const check = new Database(path, { readonly: true });
    expect(check.pragma("user_version", { simple: true })).toBe(2);
    check.close();
  });

  it("reports a registry file it cannot open as FAILED_PRECONDITION naming the path", async () => {
    // The registry's folder would have to live under a regular file.
    const blocker = join(dir, "not-a-folder");
    writeFileSync(blocker, "");
    const path = join(blocker, "registry.db");
    try {
      await openRegistry({
        project: "p",
        registry: { path, cacheTtlSeconds: 0 },
        onlineStore: { type: "sqlite", path: join(dir, "online.db") },
      });
      expect.unreachable();
    } catch (err) {
      expect((err as FstoreError).code).toBe(Code.FailedPrecondition);
      expect((err as Error).message).toContain(`cannot open registry ${path}`);
    }
  });
});

describe("PostgreSQL registry", () => {
  const postgres = backends[1] as Backend;
  const where = { repoPath: "/repo", configPath: "/repo/feature_store.yaml", env: {} };
  let raw: pg.Client;
  beforeAll(async () => {
    raw = new pg.Client({ connectionString: await pgUrl("raw") });
    await raw.connect();
  });
  afterAll(() => raw.end());

  it("reads Feast's keys: registry_type sql with a postgresql:// path (driver suffix allowed)", () => {
    const config = parseRepoConfig(
      {
        project: "p",
        registry: {
          registry_type: "sql",
          path: "postgresql+psycopg://u:pw@db.internal:5432/feast",
          cache_ttl_seconds: 60,
        },
      },
      where,
    );
    expect(config.registry).toEqual({
      registryType: "sql",
      path: "postgresql+psycopg://u:pw@db.internal:5432/feast",
      cacheTtlSeconds: 60,
    });
    // A bare URL is a PostgreSQL registry too (not a file path inside the repository).
    expect(parseRepoConfig({ project: "p", registry: "postgres://h/db" }, where).registry.registryType).toBe(
      "sql",
    );
    const bad = (registry: unknown) => {
      try {
        parseRepoConfig({ project: "p", registry }, where);
      } catch (err) {
        return err as FstoreError;
      }
      throw new Error("accepted");
    };
    const mysql = bad({ registry_type: "sql", path: "mysql://u:secret@h/db" });
    expect(mysql.code).toBe(Code.InvalidArgument);
    expect(mysql.message).toMatch(
      /registry\.path: registry_type sql needs a PostgreSQL database: expected a postgresql:\/\/ URL/,
    );
    expect(mysql.message).not.toContain("secret");
    expect(bad({ registry_type: "sql", path: "postgresql://u:secret@h:5432" }).message).toMatch(
      /no database name/,
    );
    expect(bad({ registry_type: "file", path: "postgresql://h/db" }).message).toMatch(
      /use registry_type: sql/,
    );
  });

  it("refreshes in the background every cache_ttl_seconds when no notification comes", async () => {
    const writer = await postgres.open("raw");
    const reader = await postgres.open("raw", { cacheTtlSeconds: 0.5 });
    await writer.apply(repoDefs());
    await eventually(() => reader.snapshot().version === 1);
    // A change committed without NOTIFY (as if the notification were lost): found by the periodic check.
    await raw.query(
      "UPDATE fstore_objects SET spec = $1 WHERE project = 'proj' AND kind = 'feature_view' AND name = 'stats'",
      [JSON.stringify(view("stats", { ttlSeconds: 42 }))],
    );
    await raw.query("UPDATE fstore_meta SET value = '2' WHERE project = 'proj' AND key = 'version'");
    const t0 = Date.now();
    await eventually(() => reader.snapshot().version === 2);
    expect(reader.snapshot().featureViews.get("stats")?.ttlSeconds).toBe(42);
    // Seen within about one ttl (generous bound: the machine may be loaded).
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("sees another server's apply through LISTEN/NOTIFY long before a long cache ttl", async () => {
    const writer = await postgres.open("notify");
    const reader = await postgres.open("notify", { cacheTtlSeconds: 3600 });
    await writer.apply(repoDefs());
    await eventually(() => reader.snapshot().version === 1);
    expect(reader.snapshot().featureServices.has("svc")).toBe(true);
  });

  it("deletes one project's rows at teardown and says which projects are left", async () => {
    const a = await postgres.open("teardown", { project: "a" });
    const b = await postgres.open("teardown", { project: "b" });
    await a.apply(repoDefs());
    await b.apply(repoDefs());
    await a.recordMaterializationInterval("stats", new Date(0), new Date(1000));
    const profiles = openProfileStore({
      project: "a",
      registry: { registryType: "sql", path: await pgUrl("teardown"), cacheTtlSeconds: 0 },
    });
    await profiles.saveProfile({
      id: null,
      source: { kind: "feature_view", name: "stats" },
      window: null,
      createdAt: "2025-01-01T00:00:00.000Z",
      features: [],
    });
    const result = await teardownRegistry({
      project: "a",
      registry: { registryType: "sql", path: await pgUrl("teardown"), cacheTtlSeconds: 0 },
      onlineStore: SQLITE_ONLINE,
    });
    expect(result).toEqual({ otherProjects: ["b"], fileDeleted: false });
    const again = await postgres.open("teardown", { project: "a" });
    expect(again.snapshot().version).toBe(0);
    expect(await again.materializationIntervals("stats")).toEqual([]);
    expect(await profiles.listProfiles({ kind: "feature_view", name: "stats" }, 10)).toEqual([]);
    await profiles.close();
    expect(b.snapshot().version).toBe(1);
  });

  it("reports an unreachable server as UNAVAILABLE and a missing database as FAILED_PRECONDITION, without the password", async () => {
    const failure = async (path: string) => {
      try {
        await openRegistry({
          project: "p",
          registry: { registryType: "sql", path, cacheTtlSeconds: 0 },
          onlineStore: SQLITE_ONLINE,
        });
      } catch (err) {
        return err as FstoreError;
      }
      throw new Error("opened");
    };
    // Port 1 on loopback: nothing listens, the connection is refused.
    const down = await failure("postgresql://postgres:hunter2@127.0.0.1:1/x");
    expect(down.code).toBe(Code.Unavailable);
    expect(down.message).toMatch(
      /registry: cannot open the registry \(postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x\): .*ECONNREFUSED/,
    );
    expect(down.message).not.toContain("hunter2");
    expect(down.message.length).toBeLessThan(600);
    const missing = await failure("postgresql://postgres@127.0.0.1:5432/fstore_no_such_database_here");
    expect(missing.code).toBe(Code.FailedPrecondition);
    expect(missing.message).toMatch(/database "fstore_no_such_database_here" does not exist/);
  });

  it("refuses calls after close", async () => {
    const registry = await postgres.open("closed");
    await registry.close();
    await expect(registry.materializationIntervals("stats")).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      message: "registry is closed",
    });
  });
});

/**
 * The SQLite registry on real files: apply/plan diffs, versions, all-or-nothing
 * applies, cached snapshots that notice other connections' commits, and the
 * materialization bookkeeping tables.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { Code, type FstoreError } from "../src/errors/index.js";
import {
  type FeatureViewDef,
  type FileSourceDef,
  openRegistry,
  type Registry,
  type RepoDefinitions,
} from "../src/registry/index.js";

const dir = mkdtempSync(join(tmpdir(), "fstore-registry-"));
const opened: Registry[] = [];
afterAll(async () => {
  for (const r of opened) await r.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(file: string, cacheTtlSeconds = 0, project = "proj"): Promise<Registry> {
  const registry = await openRegistry({
    project,
    registry: { path: join(dir, file), cacheTtlSeconds },
    onlineStore: { type: "sqlite", path: join(dir, "online.db") },
  });
  opened.push(registry);
  return registry;
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

describe("SqliteRegistry", () => {
  it("applies adds, changes with details and removes, moving the version only on change", async () => {
    const registry = await open("diff.db");
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

  it("keeps data across reopen, and projects apart in one file", async () => {
    const a = await open("persist.db");
    await a.apply(repoDefs());
    await a.close();
    const b = await open("persist.db");
    expect(b.snapshot().version).toBe(1);
    expect(b.snapshot().featureViews.get("stats")).toEqual(view("stats"));
    const other = await open("persist.db", 0, "other");
    expect(other.snapshot().version).toBe(0);
    expect(other.snapshot().featureViews.size).toBe(0);
  });

  it("changes nothing when an apply fails part-way", async () => {
    const registry = await open("atomic.db");
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
    const fresh = await open("atomic.db");
    expect(fresh.snapshot().version).toBe(before.version);
    expect([...fresh.snapshot().featureViews.keys()].sort()).toEqual(["hourly", "stats"]);
  });

  it("serves snapshots from memory and notices another connection's apply", async () => {
    const reader = await open("shared.db", 0);
    const writer = await open("shared.db", 0);
    await writer.apply(repoDefs());
    const s1 = reader.snapshot();
    expect(s1.version).toBe(1);
    expect(reader.snapshot()).toBe(s1); // unchanged: the same cached object
    await writer.recordMaterializationInterval("stats", new Date(0), new Date(1000));
    expect(reader.snapshot()).toBe(s1); // a commit that is not an apply does not rebuild it
    await writer.apply(repoDefs({ featureServices: [] }));
    const s2 = reader.snapshot();
    expect(s2.version).toBe(2);
    expect(s2.featureServices.size).toBe(0);
  });

  it("checks for another connection's apply at most every cache_ttl_seconds", async () => {
    const reader = await open("ttl.db", 0.4);
    const writer = await open("ttl.db", 0);
    await writer.apply(repoDefs());
    expect(reader.snapshot().version).toBe(1);
    await writer.apply(repoDefs({ featureServices: [] }));
    expect(reader.snapshot().version).toBe(1); // within the ttl: cached
    await new Promise((r) => setTimeout(r, 450));
    expect(reader.snapshot().version).toBe(2);
  });

  it("records materialization intervals and runs, and forgets a removed view's intervals", async () => {
    const registry = await open("mat.db");
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
    const path = join(dir, "per-store.db");
    const sqlite = await openRegistry({
      project: "proj",
      registry: { path, cacheTtlSeconds: 0 },
      onlineStore: { type: "sqlite", path: "/r/online.db" },
    });
    const redis = await openRegistry({
      project: "proj",
      registry: { path, cacheTtlSeconds: 0 },
      onlineStore: {
        type: "redis",
        connectionString: "127.0.0.1:6379",
        redisType: "redis",
        keyTtlSeconds: null,
        layout: "packed",
      },
    });
    opened.push(sqlite, redis);
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

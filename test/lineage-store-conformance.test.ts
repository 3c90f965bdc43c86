/**
 * The lineage store contract on both implementations, SQLite (in the
 * registry's file) and PostgreSQL (in the registry's database, a throwaway
 * one per run): versions, datasets and materialization runs, and an apply
 * against a PostgreSQL registry storing its versions there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "../src/errors/index.js";
import {
  type DatasetManifest,
  type LineageStore,
  type MaterializationLineage,
  objectHistory,
  openLineageStore,
  versionsToCreate,
} from "../src/lineage/index.js";
import { applyRepo } from "../src/registry/index.js";
import { createTestDatabase, type TestDatabase } from "./support/postgres.js";
import { createTempRepo } from "./support/temp-repo.js";

const described = { description: "", tags: {}, owner: "" };
const entity = (description: string) => ({
  name: "e",
  joinKeys: ["id"],
  valueType: 4,
  ...described,
  description,
});
const defs = (description: string) => ({
  entities: [entity(description)],
  dataSources: [],
  featureViews: [],
  featureServices: [],
  onDemandFeatureViews: [],
});
const provenance = {
  appliedAt: new Date("2026-01-01T00:00:00Z"),
  appliedBy: "bob",
  gitCommit: "c0ffee",
  gitDirty: false,
};
const manifest = (id: string, createdAt: string): DatasetManifest => ({
  id,
  project: "p",
  createdAt,
  via: "rpc",
  output: "stream",
  request: { features: ["v:f"], featureServices: [], fullFeatureNames: false, options: {} },
  registryVersion: 1,
  definitions: [],
  sources: [],
  entities: { kind: "inline", rows: 1, fingerprint: "sha256:x" },
  rowCount: 7,
  matchCounts: [],
  leakageAudit: { violations: 0, passed: true },
  outputPath: "",
  columns: [],
});
const run = (
  runId: string,
  start: string,
  end: string,
  finished: string,
  outcome = "succeeded",
): MaterializationLineage => ({
  runId,
  featureView: "v",
  view: { kind: "feature_view", name: "v", version: 1, contentHash: "sha256:v" },
  windowStart: start,
  windowEnd: end,
  startedAt: finished,
  finishedAt: finished,
  outcome: outcome as MaterializationLineage["outcome"],
  rowsRead: 1,
  entitiesWritten: 1,
  files: [],
  scheduled: false,
  error: "",
});

let pgDb: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), "fstore-lineage-store-"));
beforeAll(async () => {
  pgDb = await createTestDatabase("lineage");
});
afterAll(async () => {
  await pgDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ["sqlite", () => ({ path: join(dir, "registry.db") })],
  ["postgresql", () => ({ path: pgDb.url, registryType: "sql" as const })],
])("lineage store (%s)", (_, registry) => {
  let store: LineageStore;
  beforeAll(() => {
    store = openLineageStore({ project: "p", registry: registry() });
  });
  afterAll(async () => {
    await store?.close();
  });

  it("stores versions, reads any of them, and rejects a version recorded twice", async () => {
    const v1 = versionsToCreate(defs("one"), await store.latestVersions(), provenance);
    await store.recordVersions(v1);
    const v2 = versionsToCreate(defs("two"), await store.latestVersions(), provenance);
    expect(v2.map((v) => v.version)).toEqual([2]);
    await store.recordVersions(v2);
    expect(versionsToCreate(defs("two"), await store.latestVersions(), provenance)).toEqual([]);
    expect((await store.latestVersions()).get("entity/e")).toEqual({
      version: 2,
      contentHash: v2[0]?.contentHash,
    });
    const history = await objectHistory(store, "e");
    expect(
      history.map((v) => [v.version, (v.definition as unknown as { description: string }).description]),
    ).toEqual([
      [1, "one"],
      [2, "two"],
    ]);
    expect(history[0]).toMatchObject({
      appliedBy: "bob",
      gitCommit: "c0ffee",
      gitDirty: false,
      createdAt: provenance.appliedAt,
    });
    expect((await store.version("entity", "e", 1))?.contentHash).toBe(v1[0]?.contentHash);
    expect((await store.versionByHash("entity", "e", v1[0]?.contentHash ?? ""))?.version).toBe(1);
    await expect(store.recordVersions(v2)).rejects.toMatchObject({ code: Code.FailedPrecondition });
  });

  it("records datasets and lists them newest first", async () => {
    await store.recordDataset(manifest("ds-old", "2026-01-01T00:00:00.000Z"));
    await store.recordDataset(manifest("ds-new", "2026-01-02T00:00:00.000Z"));
    expect(await store.dataset("ds-old")).toEqual(manifest("ds-old", "2026-01-01T00:00:00.000Z"));
    expect(await store.dataset("ds-none")).toBeUndefined();
    expect(await store.listDatasets(10)).toEqual([
      { id: "ds-new", createdAt: "2026-01-02T00:00:00.000Z", rowCount: 7 },
      { id: "ds-old", createdAt: "2026-01-01T00:00:00.000Z", rowCount: 7 },
    ]);
  });

  it("finds the succeeded runs whose window holds an event time, newest first, per online store", async () => {
    await store.recordMaterialization(
      "s1",
      run("mat-a", "2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z", "2026-01-02T00:00:00Z"),
    );
    await store.recordMaterialization(
      "s1",
      run("mat-b", "2026-01-01T06:00:00Z", "2026-01-01T18:00:00Z", "2026-01-03T00:00:00Z"),
    );
    await store.recordMaterialization(
      "s1",
      run("mat-f", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-04T00:00:00Z", "failed"),
    );
    await store.recordMaterialization(
      "s2",
      run("mat-c", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z"),
    );
    const ids = async (at: string) =>
      (await store.materializationsCovering("s1", "v", new Date(at))).map((r) => r.runId);
    expect(await ids("2026-01-01T08:00:00Z")).toEqual(["mat-b", "mat-a"]);
    expect(await ids("2026-01-01T03:00:00Z")).toEqual(["mat-a"]);
    expect(await ids("2026-01-01T20:00:00Z")).toEqual([]);
    expect((await store.materialization("mat-c"))?.windowEnd).toBe("2026-01-02T00:00:00Z");
    // The console's "last runs": every outcome, newest first, only this store's, at most `limit`.
    const recent = async (s: string, limit: number) =>
      (await store.recentMaterializations(s, "v", limit)).map((r) => r.runId);
    expect(await recent("s1", 10)).toEqual(["mat-f", "mat-b", "mat-a"]);
    expect(await recent("s1", 2)).toEqual(["mat-f", "mat-b"]);
    expect(await recent("s2", 10)).toEqual(["mat-c"]);
    expect(await recent("s3", 10)).toEqual([]);
  });
});

describe("apply with a PostgreSQL registry", () => {
  it("stores the versions in the registry's database", async () => {
    const db = await createTestDatabase("lineage_apply");
    const repo = createTempRepo({
      config: `project: pg_lineage\nprovider: local\nregistry:\n  registry_type: sql\n  path: ${db.url}\nonline_store:\n  type: sqlite\n  path: data/online.db\nmaterialization:\n  schedule: "off"\n`,
      files: {
        "defs.ts": `import { Entity, Int64 } from "fstore";\nexport const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: Int64 });\n`,
      },
    });
    try {
      const applied = await applyRepo(repo.path, {});
      expect(applied.changes.map((c) => `${c.objectType} ${c.name} ${c.version}`)).toEqual([
        "entity driver 1",
      ]);
      const store = openLineageStore({
        project: "pg_lineage",
        registry: { path: db.url, registryType: "sql" },
      });
      expect((await store.history("driver")).map((v) => v.version)).toEqual([1]);
      await store.close();
    } finally {
      repo.cleanup();
      await db.drop();
    }
  });
});

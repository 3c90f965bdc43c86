/**
 * Versions and training-set lineage through a real repository, registry and
 * gRPC server: apply stores versions only on change (with the git commit),
 * history and NAME@N read them (RPC and CLI), pinned services serve the old
 * selection online and offline and fail FAILED_PRECONDITION after an
 * incompatible change, and every GetHistoricalFeatures records a manifest
 * whose files and fingerprints match the files on disk.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRawClient, type RawFeatureServiceClient } from "../clients/typescript/src/index.js";
import { loadRepoConfig } from "../src/config/index.js";
import { type DatasetManifest, diffManifests, openLineageStore } from "../src/lineage/index.js";
import { applyRepo, planRepo } from "../src/registry/index.js";
import { startTestServer, type TestServer } from "./support/server.js";
import { createTempRepo, PROJECT_ROOT, type TempRepo } from "./support/temp-repo.js";

interface Variant {
  ttl?: string;
  /** The view's schema (TypeScript source). */
  schema?: string;
  /** field_mapping of the source. */
  mapping?: string;
  service?: string[];
}

const defs = (
  v: Variant = {},
) => `import { Entity, FeatureService, FeatureView, Field, FileSource, Float64, Int64 } from "fstore";
export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: Int64 });
export const src = new FileSource({ name: "driver_src", path: "data/drivers.parquet",
  timestampField: "event_timestamp", createdTimestampColumn: "created", fieldMapping: ${v.mapping ?? '{ rating_raw: "rating" }'} });
export const stats = new FeatureView({ name: "driver_stats", entities: [driver], ttl: "${v.ttl ?? "1h"}",
  schema: [${v.schema ?? 'new Field({ name: "trips", dtype: Int64 }), new Field({ name: "rating", dtype: Float64 })'}], source: src });
export const svc = new FeatureService({ name: "model_v1", features: [stats.select(${JSON.stringify(v.service ?? ["trips", "rating"])})] });
export const labels = new FileSource({ name: "labels", path: "data/labels.parquet", timestampField: "event_timestamp" });
`;

const DRIVERS = (rating: number) => `SELECT * FROM (VALUES
  (1::BIGINT, TIMESTAMP '2026-01-01 10:00:00', TIMESTAMP '2026-01-01 10:05:00', 5::BIGINT, ${rating}::DOUBLE),
  (2::BIGINT, TIMESTAMP '2026-01-01 08:00:00', TIMESTAMP '2026-01-01 08:00:00', 9::BIGINT, 3.0::DOUBLE)
) AS t(driver_id, event_timestamp, created, trips, rating_raw)`;

/** CLI processes start slowly on a loaded machine: no tight bound. */
const CLI_TIMEOUT_MS = 300_000;

let repo: TempRepo;
let server: TestServer;
let raw: RawFeatureServiceClient;

function run(cmd: string, args: string[], cwd?: string) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 240_000, ...(cwd ? { cwd } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const cli = (...args: string[]) => run(process.execPath, [join(PROJECT_ROOT, "bin/fstore.js"), ...args]);
const git = (...args: string[]) =>
  run("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], repo.path);

beforeAll(async () => {
  repo = createTempRepo({ files: { "defs.ts": defs(), ".gitignore": "node_modules\ndata/\n" } });
  await repo.writeParquet("data/drivers.parquet", DRIVERS(4.5));
  await repo.writeParquet(
    "data/labels.parquet",
    `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMP '2026-01-01 10:30:00'), (2::BIGINT, TIMESTAMP '2026-01-01 10:30:00'))
     AS t(driver_id, event_timestamp)`,
  );
  expect(git("init", "-q").status).toBe(0);
  expect(git("add", ".").status).toBe(0);
  expect(git("commit", "-qm", "first").status).toBe(0);
  await applyRepo(repo.path, {});
  server = await startTestServer({ repoPath: repo.path });
  raw = createRawClient({ address: server.address, timeoutMs: 30_000 });
}, 120_000);
afterAll(async () => {
  raw?.close();
  await server?.shutdown();
  repo?.cleanup();
});

async function history(name: string) {
  const res = await raw.listObjectVersions({ name });
  return res.versions.map((v) => ({ kind: v.kind, version: v.version, hash: v.contentHash }));
}

describe("object versions", () => {
  it(
    "stores version 1 of every object at the first apply, with the git commit",
    async () => {
      const head = git("rev-parse", "HEAD").stdout.trim();
      const res = await raw.listObjectVersions({ name: "driver_stats" });
      expect(res.versions).toHaveLength(1);
      const v1 = res.versions[0];
      expect(v1).toMatchObject({
        kind: "feature_view",
        name: "driver_stats",
        version: 1,
        gitCommit: head,
        gitDirty: false,
      });
      expect(v1?.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(JSON.parse(v1?.definitionJson ?? "{}").ttlSeconds).toBe(3600);
      for (const name of ["driver", "driver_src", "model_v1", "labels"]) {
        expect((await history(name)).map((v) => v.version)).toEqual([1]);
      }
      // The service version records the view version it read.
      const svc = await raw.getObjectVersion({ name: "model_v1", version: 1 });
      expect(svc.version?.dependencies).toEqual({ "feature_view/driver_stats": 1 });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "keeps versions when nothing changed, and versions only the changed objects",
    async () => {
      const before = await history("driver_stats");
      await applyRepo(repo.path, {});
      expect(await history("driver_stats")).toEqual(before);

      repo.write("defs.ts", defs({ ttl: "2h", service: ["rating"] }));
      const plan = await planRepo(repo.path, {});
      expect(plan.changes.map((c) => `${c.kind} ${c.objectType} ${c.name} -> ${c.version}`)).toEqual([
        "change feature_view driver_stats -> 2",
        "change feature_service model_v1 -> 2",
      ]);
      expect(cli("plan", "--repo", repo.path).stdout).toMatch(
        /~ feature_view driver_stats \(changed: ttl\) -> version 2/,
      );
      await applyRepo(repo.path, {});
      expect((await history("driver_stats")).map((v) => v.version)).toEqual([1, 2]);
      expect((await history("model_v1")).map((v) => v.version)).toEqual([1, 2]);
      expect((await history("driver")).map((v) => v.version)).toEqual([1]);
      expect((await history("driver_src")).map((v) => v.version)).toEqual([1]);
      // Uncommitted edits: the version records the checkout as dirty.
      const v2 = (await raw.getObjectVersion({ name: "driver_stats", version: 2, kind: "feature_view" }))
        .version;
      expect(v2?.gitDirty).toBe(true);
      expect(JSON.parse(v2?.definitionJson ?? "{}").ttlSeconds).toBe(7200);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "reads any version: NAME@N on the CLI, precise errors for missing ones",
    async () => {
      const old = cli("describe", "driver_stats@1", "--repo", repo.path, "--json");
      expect(old.status).toBe(0);
      const described = JSON.parse(old.stdout)[0];
      expect(described.definition.ttlSeconds).toBe(3600);
      expect(described.version.version).toBe(1);
      const text = cli("describe", "model_v1@1", "--repo", repo.path).stdout;
      expect(text).toMatch(/feature_service model_v1@1/);
      expect(text).toMatch(/uses: feature_view\/driver_stats@1/);
      const table = cli("history", "driver_stats", "--repo", repo.path).stdout;
      expect(table).toMatch(/feature_view\s+driver_stats\s+1\s/);
      expect(table).toMatch(/feature_view\s+driver_stats\s+2\s/);
      await expect(raw.getObjectVersion({ name: "driver_stats", version: 9 })).rejects.toMatchObject({
        code: status.NOT_FOUND,
        details: expect.stringMatching(/"driver_stats" has no version 9 \(latest: 2\)/),
      });
      await expect(raw.listObjectVersions({ name: "nope" })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
    },
    CLI_TIMEOUT_MS,
  );
});

describe("training-set manifests", () => {
  const request = {
    features: ["driver_stats:trips", "driver_stats:rating"],
    entityRows: {
      columns: { driver_id: [1n, 2n, 1n] },
      eventTimestamps: [
        new Date("2026-01-01T10:30:00Z"),
        new Date("2026-01-01T08:30:00Z"),
        new Date("2026-01-01T09:00:00Z"),
      ],
    },
  };
  const manifestOf = async (id: string): Promise<DatasetManifest> => {
    const res = await raw.getLineage({ target: { case: "datasetId", value: id } });
    expect(res.lineage.case).toBe("dataset");
    return JSON.parse(res.lineage.case === "dataset" ? res.lineage.value.manifestJson : "{}");
  };
  let first: DatasetManifest;

  it(
    "records every streamed retrieval: files as on disk, versions, entities, counts",
    async () => {
      const result = await server.client.getHistoricalFeatures(request);
      const id = result.summary.datasetId;
      expect(id).toMatch(/^ds-[0-9a-f]{16}$/);
      first = await manifestOf(id);
      const path = join(repo.path, "data/drivers.parquet");
      const st = statSync(path);
      expect(first.sources).toEqual([
        {
          featureView: "driver_stats",
          source: "driver_src",
          files: [
            {
              path,
              size: st.size,
              mtime: st.mtime.toISOString(),
              fingerprint: expect.stringMatching(/^pqfooter-sha256:[0-9a-f]{64}$/),
            },
          ],
        },
      ]);
      expect(first.definitions).toEqual([
        {
          kind: "feature_view",
          name: "driver_stats",
          version: 2,
          contentHash: (await history("driver_stats"))[1]?.hash,
        },
      ]);
      expect(first.entities).toMatchObject({
        kind: "inline",
        rows: 3,
        fingerprint: expect.stringMatching(/^sha256:/),
      });
      expect(first.rowCount).toBe(3);
      // ttl 2h: the 10:30 and 09:00 rows of driver 1 (event 10:00 is after 09:00: no match) and driver 2's 08:30.
      expect(first.matchCounts).toEqual([{ featureView: "driver_stats", matchedRows: 2 }]);
      expect(first.leakageAudit).toEqual({ violations: 0, passed: true });
      expect(first.via).toBe("rpc");
      expect(first.output).toBe("stream");
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "gives the same fingerprints for the same request over unchanged data",
    async () => {
      const again = await manifestOf((await server.client.getHistoricalFeatures(request)).summary.datasetId);
      expect(again.id).not.toBe(first.id);
      expect(again.sources).toEqual(first.sources);
      expect(again.entities).toEqual(first.entities);
      expect(diffManifests(first, again)).toEqual([]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "embeds the manifest in Parquet output and changes the fingerprint when a file changes",
    async () => {
      await repo.writeParquet("data/drivers.parquet", DRIVERS(4.9));
      const result = await server.client.getHistoricalFeatures({
        features: ["driver_stats:rating"],
        entitySource: { source: "labels" },
        parquetOutput: "sets/train.parquet",
      });
      const id = result.summary.datasetId;
      const manifest = await manifestOf(id);
      const file = manifest.sources[0]?.files[0];
      expect(file?.size).toBe(statSync(join(repo.path, "data/drivers.parquet")).size);
      expect(file?.fingerprint).not.toBe(first.sources[0]?.files[0]?.fingerprint);
      expect(manifest.entities).toMatchObject({ kind: "source", source: "labels" });
      expect(manifest.entities.files?.map((f) => f.path)).toEqual([join(repo.path, "data/labels.parquet")]);
      expect(manifest.outputPath).toBe(result.summary.outputPath);

      const db = await DuckDBInstance.create(":memory:");
      const conn = await db.connect();
      const rows = (
        await conn.runAndReadAll(
          `SELECT decode(key), decode(value) FROM parquet_kv_metadata('${result.summary.outputPath}') WHERE decode(key) LIKE 'fstore.%' ORDER BY 1`,
        )
      ).getRows();
      conn.closeSync();
      db.closeSync();
      expect(rows[0]).toEqual(["fstore.lineage.dataset_id", id]);
      expect(JSON.parse(String(rows[1]?.[1]))).toEqual(manifest);

      // The diff names the changed file (the request differs too).
      const diff = cli("lineage", "--diff", first.id, id, "--repo", repo.path, "--json");
      expect(diff.status).toBe(0);
      const diffs = JSON.parse(diff.stdout) as { what: string; name: string }[];
      expect(diffs).toContainEqual(
        expect.objectContaining({ what: "file", name: join(repo.path, "data/drivers.parquet") }),
      );
      expect(diffs).toContainEqual(expect.objectContaining({ what: "request" }));
      const shown = cli("lineage", id, "--repo", repo.path);
      expect(shown.stdout).toContain(`training set ${id}`);
      expect(shown.stdout).toContain(join(repo.path, "data/drivers.parquet"));
      expect(cli("lineage", "--list", "--repo", repo.path).stdout).toContain(id);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "records CLI retrievals too, with the id in the summary",
    async () => {
      const out = join(repo.path, "cli-train.parquet");
      const r = cli(
        "historical",
        "--repo",
        repo.path,
        "--entity-source",
        "labels",
        "--feature-service",
        "model_v1",
        "--out",
        out,
      );
      expect(r.status).toBe(0);
      const id = r.stdout.match(/dataset (ds-[0-9a-f]{16})/)?.[1] ?? "";
      const manifest = await manifestOf(id);
      expect(manifest.via).toBe("cli");
      expect(manifest.request.featureServices).toEqual(["model_v1"]);
      expect(manifest.definitions.map((d) => `${d.kind} ${d.name} ${d.version}`)).toEqual([
        "feature_view driver_stats 2",
        "feature_service model_v1 2",
      ]);
      const store = openLineageStore(loadRepoConfig(repo.path, {}));
      expect((await store.dataset(id))?.outputPath).toBe(out);
      await store.close();
    },
    CLI_TIMEOUT_MS,
  );
});

describe("pinned feature services", () => {
  const entities = { driver_id: [1n, 2n] };

  it(
    "serves an old version's features online and offline",
    async () => {
      for await (const _ of server.client.materialize({
        start: new Date("2026-01-01T00:00:00Z"),
        end: new Date("2026-01-02T00:00:00Z"),
      })) {
        // drain
      }
      const pinned = await server.client.getOnlineFeatures({ featureServices: ["model_v1@1"], entities });
      expect(pinned.featureNames).toEqual(["driver_id", "trips", "rating"]);
      expect(pinned.rows.map((r) => r.trips)).toEqual([5n, 9n]);
      const current = await server.client.getOnlineFeatures({ featureServices: ["model_v1"], entities });
      expect(current.featureNames).toEqual(["driver_id", "rating"]);
      const offline = await server.client.getHistoricalFeatures({
        featureServices: ["model_v1@1"],
        entitySource: { source: "labels" },
      });
      expect(offline.summary.fields.map((f) => f.name)).toEqual([
        "driver_id",
        "event_timestamp",
        "trips",
        "rating",
      ]);
      const lineage = (
        await raw.getLineage({ target: { case: "datasetId", value: offline.summary.datasetId } })
      ).lineage;
      const manifest = JSON.parse(
        lineage.case === "dataset" ? lineage.value.manifestJson : "{}",
      ) as DatasetManifest;
      expect(manifest.request.featureServices).toEqual(["model_v1@1"]);
      expect(manifest.definitions).toContainEqual(
        expect.objectContaining({ kind: "feature_service", name: "model_v1", version: 1 }),
      );
      await expect(
        server.client.getOnlineFeatures({ featureServices: ["model_v1@7"], entities }),
      ).rejects.toMatchObject({ code: status.NOT_FOUND, details: expect.stringMatching(/has no version 7/) });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "fails FAILED_PRECONDITION naming a removed or retyped feature",
    async () => {
      // trips removed from the view.
      repo.write(
        "defs.ts",
        defs({ ttl: "2h", service: ["rating"], schema: 'new Field({ name: "rating", dtype: Float64 })' }),
      );
      await applyRepo(repo.path, {});
      const removed = server.client.getOnlineFeatures({ featureServices: ["model_v1@1"], entities });
      await expect(removed).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: expect.stringMatching(
          /"model_v1@1" cannot be served: since version 1, feature "driver_stats:trips" was removed/,
        ),
      });
      await expect(
        server.client.getHistoricalFeatures({
          featureServices: ["model_v1@1"],
          entitySource: { source: "labels" },
        }),
      ).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
      // rating now read from the INT64 trips column: retyped.
      repo.write(
        "defs.ts",
        defs({
          ttl: "2h",
          service: ["rating"],
          mapping: '{ trips: "rating" }',
          schema: 'new Field({ name: "rating", dtype: Int64 })',
        }),
      );
      await applyRepo(repo.path, {});
      await expect(
        server.client.getOnlineFeatures({ featureServices: ["model_v1@2"], entities }),
      ).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: expect.stringMatching(/feature "driver_stats:rating" was retyped from DOUBLE to INT64/),
      });
      // The current version is served.
      const current = await server.client.getOnlineFeatures({ featureServices: ["model_v1"], entities });
      expect(current.featureNames).toEqual(["driver_id", "rating"]);
    },
    CLI_TIMEOUT_MS,
  );
});

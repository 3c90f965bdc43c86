/**
 * plan/apply of whole repositories: real definition files, real Parquet
 * written by DuckDB, a real SQLite registry. A failed apply leaves the
 * registry exactly as it was; another process's apply is seen by an open
 * registry; the example repository applies cleanly.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureExampleData, generateExampleData } from "../feature_repo/_generate_data.js";
import { loadRepoConfig } from "../src/config/index.js";
import { canonicalJson } from "../src/definitions/index.js";
import { Code, FstoreError } from "../src/errors/index.js";
import { applyRepo, openRegistry, planRepo, type RegistrySnapshot } from "../src/registry/index.js";
import { createTempRepo, PROJECT_ROOT, type TempRepo } from "./support/temp-repo.js";

const IMPORTS = `import { Array as List, Entity, FeatureService, FeatureView, Field, FileSource, Float32, Float64, Int64,
  PushSource, String as Str } from "fstore";\n`;

interface Variant {
  joinKey?: string;
  ttl?: string;
  features?: string;
  sourcePath?: string;
  timestampField?: string;
  created?: string;
  service?: boolean;
  hourlyPath?: string;
}

/** Definitions of a small repository; each option breaks or changes one thing. */
function definitions(v: Variant = {}): string {
  const features =
    v.features ??
    `new Field({ name: "trips", dtype: Int64 }), new Field({ name: "rating", dtype: Float64 }),
     new Field({ name: "conv_rate", dtype: Float32 }), new Field({ name: "zones", dtype: List(Str) })`;
  return `${IMPORTS}
export const driver = new Entity({ name: "driver", joinKeys: ["${v.joinKey ?? "driver_id"}"], valueType: Int64 });
export const src = new FileSource({ name: "driver_src", path: "${v.sourcePath ?? "data/drivers.parquet"}",
  timestampField: "${v.timestampField ?? "event_timestamp"}", createdTimestampColumn: "${v.created ?? "created"}",
  fieldMapping: { conv_raw: "conv_rate" } });
export const stats = new FeatureView({ name: "driver_stats", entities: [driver], ttl: "${v.ttl ?? "1d"}",
  schema: [${features}], source: src });
const hourlySrc = new FileSource({ name: "hourly_src", path: "${v.hourlyPath ?? "data/hourly"}", timestampField: "event_timestamp" });
export const push = new PushSource({ name: "hourly_push", batchSource: hourlySrc });
export const hourly = new FeatureView({ name: "driver_hourly", entities: [driver], ttl: "2h",
  schema: [new Field({ name: "active_minutes", dtype: Int64 })], source: push });
${v.service === false ? "" : 'export const svc = new FeatureService({ name: "model_v1", features: [stats.select(["trips", "rating"]), hourly] });'}
`;
}

let repo: TempRepo;
beforeAll(async () => {
  repo = createTempRepo({ files: { "defs.ts": definitions() } });
  await repo.writeParquet(
    "data/drivers.parquet",
    `SELECT (1000 + i)::BIGINT AS driver_id,
            TIMESTAMP '2024-01-01' + to_hours(i) AS event_timestamp,
            TIMESTAMP '2024-01-01' + to_hours(i) + INTERVAL 5 MINUTE AS created,
            (i % 7)::INTEGER AS trips, i * 0.5 AS rating, (i * 0.25)::FLOAT AS conv_raw,
            ['a', 'b'] AS zones, 'x' || i AS label, (i * 3)::BIGINT AS extra
     FROM range(20) t(i)`,
  );
  await repo.writeParquet(
    "data/bad_types.parquet",
    "SELECT 1::BIGINT AS driver_id, '2024-01-01' AS event_timestamp, TIMESTAMP '2024-01-01' AS created",
  );
  repo.write("data/garbage.parquet", "this is not parquet");
});
afterAll(() => repo?.cleanup());

function snapshotJson(s: RegistrySnapshot): string {
  const all = [s.entities, s.dataSources, s.featureViews, s.featureServices, s.onDemandFeatureViews].map(
    (m) => [...m],
  );
  return canonicalJson({ version: s.version, all });
}

async function readSnapshot(): Promise<RegistrySnapshot> {
  const registry = await openRegistry(loadRepoConfig(repo.path, {}));
  try {
    return registry.snapshot();
  } finally {
    await registry.close();
  }
}

async function applyError(variant: Variant): Promise<FstoreError> {
  // The service selects trips and rating: leave it out when the features change.
  repo.write("defs.ts", definitions({ service: variant.features === undefined, ...variant }));
  try {
    await applyRepo(repo.path, {});
  } catch (err) {
    expect(err).toBeInstanceOf(FstoreError);
    return err as FstoreError;
  }
  throw new Error("expected applyRepo to fail");
}

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(PROJECT_ROOT, "bin/fstore.js"), ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("planRepo / applyRepo", () => {
  it("plans, applies, then plans changes with details and removals", async () => {
    const planned = await planRepo(repo.path, {});
    expect(planned.version).toBe(0);
    expect(planned.changes.map((c) => `${c.kind} ${c.objectType} ${c.name} v${c.version}`)).toEqual([
      "add entity driver v1",
      "add data_source driver_src v1",
      "add data_source hourly_push v1",
      "add feature_view driver_hourly v1",
      "add feature_view driver_stats v1",
      "add feature_service model_v1 v1",
    ]);
    expect((await readSnapshot()).version).toBe(0);

    const applied = await applyRepo(repo.path, {});
    expect(applied.changes).toEqual(planned.changes);
    expect(applied.version).toBe(1);
    const snapshot = await readSnapshot();
    expect(snapshot.featureViews.get("driver_stats")?.features.map((f) => f.name)).toEqual([
      "trips",
      "rating",
      "conv_rate",
      "zones",
    ]);
    expect(snapshot.featureServices.get("model_v1")?.projections).toEqual([
      { featureView: "driver_stats", features: ["trips", "rating"] },
      { featureView: "driver_hourly", features: ["active_minutes"] },
    ]);

    repo.write(
      "defs.ts",
      definitions({
        ttl: "12h",
        features: 'new Field({ name: "trips", dtype: Int64 }), new Field({ name: "extra", dtype: Int64 })',
        service: false,
      }),
    );
    const plan = await planRepo(repo.path, {});
    expect(plan.changes).toEqual([
      // The change creates version 2 of the view; a removal creates none.
      {
        kind: "change",
        objectType: "feature_view",
        name: "driver_stats",
        details: ["features", "ttl"],
        version: 2,
      },
      { kind: "remove", objectType: "feature_service", name: "model_v1", details: [] },
    ]);
    const second = await applyRepo(repo.path, {});
    expect(second.version).toBe(2);
    expect((await readSnapshot()).featureViews.get("driver_stats")?.ttlSeconds).toBe(12 * 3600);
    expect((await planRepo(repo.path, {})).changes).toEqual([]);
  });

  const failures: [string, Variant, Code, RegExp][] = [
    [
      "a schema column missing from the Parquet",
      {
        features: 'new Field({ name: "trips", dtype: Int64 }), new Field({ name: "speed", dtype: Float64 })',
      },
      Code.InvalidArgument,
      /FeatureView "driver_stats": feature "speed" \(DOUBLE\): no such column in source "driver_src" \(data\/drivers\.parquet\) after field_mapping/,
    ],
    [
      "a feature of the wrong type",
      { features: 'new Field({ name: "label", dtype: Int64 })' },
      Code.InvalidArgument,
      /FeatureView "driver_stats": feature "label" \(INT64\): column is VARCHAR in source "driver_src".*expected BIGINT/,
    ],
    [
      "a list feature over a scalar column",
      { features: 'new Field({ name: "extra", dtype: List(Int64) })' },
      Code.InvalidArgument,
      /feature "extra" \(INT64_LIST\): column is BIGINT .*expected a list of BIGINT/,
    ],
    [
      "an unmapped source column name",
      { features: 'new Field({ name: "conv_raw", dtype: Float32 })' },
      Code.InvalidArgument,
      /feature "conv_raw" \(FLOAT\): no such column .* after field_mapping/,
    ],
    [
      "a join key missing from the Parquet",
      { joinKey: "rider_id" },
      Code.InvalidArgument,
      /FeatureView "driver_stats": join key "rider_id" \(INT64\): no such column/,
    ],
    [
      "a missing timestamp field",
      { timestampField: "ts" },
      Code.InvalidArgument,
      /FeatureView "driver_stats": source "driver_src": timestamp_field "ts": no such column in data\/drivers\.parquet/,
    ],
    [
      "a timestamp field that is not a timestamp",
      { sourcePath: "data/bad_types.parquet", features: 'new Field({ name: "created2", dtype: Int64 })' },
      Code.InvalidArgument,
      /timestamp_field "event_timestamp": column is VARCHAR in data\/bad_types\.parquet; expected TIMESTAMP/,
    ],
    [
      "a missing created timestamp column",
      { created: "created_at" },
      Code.InvalidArgument,
      /created_timestamp_column "created_at": no such column/,
    ],
    [
      "a source file that does not exist",
      { sourcePath: "data/nope.parquet" },
      Code.NotFound,
      /FeatureView "driver_stats": source "driver_src": no Parquet file or folder at data\/nope\.parquet/,
    ],
    [
      "a glob that matches nothing",
      { sourcePath: "data/nope/*.parquet" },
      Code.NotFound,
      /source "driver_src": no Parquet found at .*data\/nope\/\*\.parquet/,
    ],
    [
      "an unreadable Parquet file",
      { sourcePath: "data/garbage.parquet" },
      Code.FailedPrecondition,
      /source "driver_src": cannot read Parquet at .*garbage\.parquet/,
    ],
  ];

  it.each(failures)("rejects %s and leaves the registry unchanged", async (_name, variant, code, message) => {
    const before = snapshotJson(await readSnapshot());
    expect(JSON.parse(before).version).toBeGreaterThan(0);
    const error = await applyError(variant);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(snapshotJson(await readSnapshot())).toBe(before);
  });

  it("reports every problem at once", async () => {
    const error = await applyError({
      joinKey: "rider_id",
      features: 'new Field({ name: "speed", dtype: Float64 }), new Field({ name: "label", dtype: Int64 })',
    });
    expect(error.message).toMatch(/^3 problems in data sources:/);
    expect(error.message).toMatch(/join key "rider_id"/);
    expect(error.message).toMatch(/feature "speed"/);
    expect(error.message).toMatch(/feature "label"/);
  });

  it("allows a push source's missing batch folder but checks it once it has data", async () => {
    repo.write("defs.ts", definitions({ hourlyPath: "data/hourly_missing" }));
    await expect(planRepo(repo.path, {})).resolves.toBeDefined();
    await repo.writeParquet(
      "data/hourly_wrong/part-0.parquet",
      "SELECT 1::BIGINT AS driver_id, TIMESTAMP '2024-01-01' AS event_timestamp, 'many' AS active_minutes",
    );
    const error = await applyError({ hourlyPath: "data/hourly_wrong" });
    expect(error.message).toMatch(
      /FeatureView "driver_hourly": feature "active_minutes" \(INT64\): column is VARCHAR/,
    );
  });

  it("runs as the fstore CLI, and an open registry sees another process's apply", async () => {
    repo.write("defs.ts", definitions());
    const config = loadRepoConfig(repo.path, {});
    const registry = await openRegistry(config); // cache_ttl_seconds 0 in the test config
    try {
      const before = registry.snapshot().version;
      const plan = cli("plan", "--repo", repo.path);
      expect(plan.status).toBe(0);
      expect(plan.stdout).toContain('Plan for project "test_project"');
      expect(plan.stdout).toMatch(/~ feature_view driver_stats \(changed: features, ttl\) -> version \d+/);
      expect(plan.stdout).toMatch(/\+ feature_service model_v1 -> version \d+/);
      expect(plan.stdout).toMatch(/Plan: 1 to add, 1 to change, 0 to remove\./);
      expect(registry.snapshot().version).toBe(before);

      const apply = cli("apply", "--repo", repo.path);
      expect(apply.status).toBe(0);
      expect(apply.stdout).toMatch(new RegExp(`registry version ${before + 1}\\.`));
      const after = registry.snapshot();
      expect(after.version).toBe(before + 1);
      expect(after.featureServices.has("model_v1")).toBe(true);

      const again = cli("apply", "--repo", repo.path, "--json");
      expect(JSON.parse(again.stdout)).toEqual({
        project: "test_project",
        version: before + 1,
        changes: [],
        deletedOnlineViews: [],
        backfilledStreamViews: [],
      });

      repo.write(
        "defs.ts",
        definitions({ features: 'new Field({ name: "speed", dtype: Float64 })', service: false }),
      );
      const failed = cli("apply", "--repo", repo.path);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(
        /fstore apply: INVALID_ARGUMENT: FeatureView "driver_stats": feature "speed"/,
      );
      expect(registry.snapshot().version).toBe(before + 1);
    } finally {
      await registry.close();
    }
  });
});

describe("the example repository", () => {
  let example: TempRepo;
  beforeAll(() => {
    example = createTempRepo();
    const source = join(PROJECT_ROOT, "feature_repo");
    for (const file of readdirSync(source)) {
      if (file.endsWith(".ts") || file === "feature_store.yaml")
        copyFileSync(join(source, file), join(example.path, file));
    }
  });
  afterAll(() => example?.cleanup());

  it("generates its data deterministically and applies cleanly", async () => {
    const first = await generateExampleData({ repoPath: example.path });
    expect(first.vehicles).toBe(1000);
    expect(first.rows.vehicleFeatures).toBe(10_000);
    expect(first.rows.vehicleLabels).toBe(5_000);
    expect(first.rows.vehicleHourly).toBeGreaterThan(40_000);
    expect(await ensureExampleData(example.path)).toBeUndefined(); // already there
    const again = await generateExampleData({ repoPath: example.path, dataDir: "data/again" });
    expect(again.rows).toEqual(first.rows);

    const applied = await applyRepo(example.path, {});
    expect(applied.config.project).toBe("vehicle_rental");
    expect(applied.changes.map((c) => `${c.kind} ${c.objectType} ${c.name}`)).toEqual([
      "add entity vehicle",
      "add data_source vehicle_features_source",
      "add data_source vehicle_hourly_push",
      "add data_source vehicle_hourly_source",
      "add data_source vehicle_labels",
      "add feature_view vehicle_features",
      "add feature_view vehicle_hourly_stats",
      "add on_demand_feature_view price_features",
      "add feature_service vehicle_model_v1",
    ]);
    const reader = await openRegistry(applied.config);
    const snapshot = reader.snapshot();
    await reader.close();
    expect(snapshot.featureViews.get("vehicle_hourly_stats")?.ttlSeconds).toBe(7200);
    expect(snapshot.featureServices.get("vehicle_model_v1")?.projections.map((p) => p.featureView)).toEqual([
      "vehicle_features",
      "vehicle_hourly_stats",
      "price_features",
    ]);
    expect((await planRepo(example.path, {})).changes).toEqual([]);
  });
});

/**
 * `fstore monitor skew --rows`, the real CLI on a repository on disk: a real
 * server (the repository's SQLite registry) logs what it serves; the CLI
 * reports 0 differing rows and exits 0 for values served as they are
 * offline, then, after one online value is changed and served, exactly that
 * row (the table and its example, or --json), for the feature and for the
 * on-demand feature computed from it, and exits 1, or 0 under a looser
 * --max-differing.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetOnlineFeaturesRequestSchema } from "../gen/fstore/v1/feature_service_pb.js";
import { createRawClient } from "../src/fuzz/raw-client.js";
import type { RowSkewReport } from "../src/monitoring/index.js";
import { createOnlineStore, writeOnlineRows } from "../src/online/index.js";
import { applyRepo } from "../src/registry/index.js";
import { serverFeatureLogger } from "../src/server/handlers/online.js";
import { startTestServer, type TestServer } from "./support/server.js";
import { BASIC_CONFIG, createTempRepo, PROJECT_ROOT, type TempRepo } from "./support/temp-repo.js";

const USERS = 20;
const DEFINITIONS = `import { Entity, FeatureService, FeatureView, Field, FileSource, Float64, Int64, OnDemandFeatureView,
  String as Str } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
const src = new FileSource({ name: "obs_src", path: "data/obs", timestampField: "ts" });
export const obs = new FeatureView({ name: "obs", entities: [user], ttl: "2h", source: src,
  schema: [new Field({ name: "x", dtype: Float64 }), new Field({ name: "color", dtype: Str })] });
export const shout = new OnDemandFeatureView({ name: "shout", sources: [obs.select(["color"])],
  schema: [new Field({ name: "loud", dtype: Str })],
  udf: (inputs) => ({ loud: inputs.color.map((c: string | null) => (c === null ? null : c.toUpperCase())) }) });
export const model = new FeatureService({ name: "model", features: [obs, shout], logging: { sampleRate: 1 } });
`;
const COLORS = ["red", "green", "blue"];
const colorOf = (i: number) => COLORS[i % 3] as string;

let repo: TempRepo;
let t: TestServer;
const ts = Date.now() - 10 * 60_000;

async function writeOnline(color: (i: number) => string): Promise<void> {
  const view = t.server.deps.registry.snapshot().featureViews.get("obs");
  if (!view) throw new Error("obs is not registered");
  const store = createOnlineStore(t.config);
  for (let i = 0; i < USERS; i++) {
    await writeOnlineRows(store, view, [
      { entityKey: [BigInt(i)], eventTimeUs: ts * 1000, values: [i * 1.5, color(i)] },
    ]);
  }
  await store.close();
}

/** Serves users [0, USERS + 2) in one request (the last two are nowhere), then writes the log. */
async function serve(): Promise<void> {
  const raw = createRawClient(t.address);
  try {
    const ids = Array.from({ length: USERS + 2 }, (_, i) => BigInt(i));
    const r = await raw.call(
      "GetOnlineFeatures",
      toBinary(
        GetOnlineFeaturesRequestSchema,
        create(GetOnlineFeaturesRequestSchema, {
          selection: { featureServices: ["model"] },
          entities: { user_id: { val: ids.map((value) => ({ val: { case: "int64Val" as const, value } })) } },
        }),
      ),
    );
    expect(r.code).toBe(0);
  } finally {
    raw.close();
  }
  await serverFeatureLogger(t.server.deps).rotate();
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, "bin/fstore.js"), "monitor", "skew", "--rows", "--repo", repo.path, ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: "1" } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  repo = createTempRepo({
    config: `${BASIC_CONFIG}feature_logging:\n  write_to_disk_interval_secs: 3600\n`,
    files: { "defs.ts": DEFINITIONS },
  });
  await repo.writeParquet(
    "data/obs/part-0.parquet",
    `SELECT i::BIGINT AS user_id, make_timestamp(${ts * 1000}::BIGINT) AS ts, i * 1.5 AS x,
       (['red','green','blue'])[(i % 3) + 1] AS color FROM range(${USERS}) r(i)`,
  );
  await applyRepo(repo.path, {});
  t = await startTestServer({ repoPath: repo.path });
  await writeOnline(colorOf);
});
afterAll(async () => {
  await t?.shutdown();
  repo?.cleanup();
});

describe("fstore monitor skew --rows", () => {
  it("exits 0 with 0 differing when served as offline, 1 with exactly the changed row after a change", async () => {
    await serve();
    const same = await cli(["--feature-service", "model", "--json"]);
    expect(same.stderr).toBe("");
    expect(same.code).toBe(0);
    const report = JSON.parse(same.stdout) as RowSkewReport;
    expect(report.rows).toBe(USERS + 2);
    expect(report.features.map((f) => [f.feature, f.compared, f.differing])).toEqual([
      ["obs:x", USERS + 2, 0],
      ["obs:color", USERS + 2, 0],
      ["shout:loud", USERS + 2, 0],
    ]);
    expect(report.notCompared).toEqual([]);

    const start = new Date().toISOString();
    await writeOnline((i) => (i === 7 ? "violet" : colorOf(i)));
    await serve();
    const changed = await cli(["--feature-service", "model", "--start", start]);
    expect(changed.stderr).toBe("");
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^obs:x\s+22\s+0\s+0\.0%\s+0\s+0\s+OK$/m);
    expect(changed.stdout).toMatch(/^obs:color\s+22\s+1\s+4\.5%\s+0\s+0\s+ALERT$/m);
    expect(changed.stdout).toMatch(/^user_id=7\s+\S+Z\s+"violet"\s+1\s+"green"$/m);
    // The on-demand feature computed from the changed color differs on the same row.
    expect(changed.stdout).toMatch(/^shout:loud\s+22\s+1\s+4\.5%\s+0\s+0\s+ALERT$/m);
    expect(changed.stdout).toMatch(/^user_id=7\s+\S+Z\s+"VIOLET"\s+1\s+"GREEN"$/m);
    expect(changed.stdout).toMatch(/^row skew: ALERT \(2 of 3 features alert\)$/m);

    const loose = await cli([
      "--feature-service",
      "model",
      "--start",
      start,
      "--max-differing",
      "0.05",
      "--json",
    ]);
    expect(loose.code).toBe(0);
    expect(JSON.parse(loose.stdout)).toMatchObject({ verdict: "ok", maxDiffering: 0.05 });
  });
});

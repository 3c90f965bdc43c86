/**
 * Drift end to end on a repository on disk: a baseline profiled from one
 * day of offline rows, then an unchanged day (a fresh sample of the same
 * distributions: every feature passes) and a day with planted shifts (a
 * number's mean moved by one standard deviation, a category replaced by a
 * new one, coverage dropped from 99% to 60%: each alerts, the untouched
 * feature does not). Then the real CLI: the table, --json, exit codes 1/0/2.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMonitorBaseline, runMonitorDrift, runMonitorProfile } from "../src/cli/commands/monitor.js";
import { DEFAULT_THRESHOLDS, type DriftReport, openProfileStore } from "../src/monitoring/index.js";
import { applyRepo } from "../src/registry/index.js";
import { createTempRepo, PROJECT_ROOT, type TempRepo } from "./support/temp-repo.js";

const ROWS = 5000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

const DEFINITIONS = `import { Bool, Entity, FeatureService, FeatureView, Field, FileSource, Float64, Int64, String as Str } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
const src = new FileSource({ name: "obs_src", path: "data/obs", timestampField: "ts" });
export const obs = new FeatureView({ name: "obs", entities: [user], ttl: "0s", source: src,
  schema: [new Field({ name: "x", dtype: Float64 }), new Field({ name: "y", dtype: Float64 }),
           new Field({ name: "color", dtype: Str }), new Field({ name: "flag", dtype: Bool })] });
export const model = new FeatureService({ name: "model", features: [obs] });
`;

/** A uniform in (0, 1) from a hash of the row and a salt (deterministic). */
const u = (salt: number) => `((hash(i, ${salt}) % 1000000)::DOUBLE + 0.5) / 1000000`;

/**
 * One day of rows: x ~ N(mean, 1), y present with probability `coverage`,
 * color red/green/blue/<last> with shares .4/.3/.2/.1, flag true 30%.
 */
function daySql(day: number, seed: number, o: { mean: number; coverage: number; last: string }): string {
  const gauss = `sqrt(-2 * ln(${u(seed + 1)})) * cos(2 * pi() * ${u(seed + 2)})`;
  return `SELECT i AS user_id, make_timestamp(${(T0 + day * DAY) * 1000} + (i * 17 % 86400) * 1000000) AS ts,
    ${o.mean} + ${gauss} AS x,
    CASE WHEN ${u(seed + 3)} < ${o.coverage} THEN 100 + 10 * ${u(seed + 4)} END AS y,
    CASE WHEN ${u(seed + 5)} < 0.4 THEN 'red' WHEN ${u(seed + 5)} < 0.7 THEN 'green'
         WHEN ${u(seed + 5)} < 0.9 THEN 'blue' ELSE '${o.last}' END AS color,
    ${u(seed + 6)} < 0.3 AS flag
    FROM range(${ROWS}) t(i)`;
}

const dayWindow = (day: number) => ({
  start: new Date(T0 + day * DAY),
  end: new Date(T0 + (day + 1) * DAY - 1),
});

let repo: TempRepo;

beforeAll(async () => {
  repo = createTempRepo({ files: { "defs.ts": DEFINITIONS } });
  await repo.writeParquet(
    "data/obs/day0.parquet",
    daySql(0, 100, { mean: 0, coverage: 0.99, last: "amber" }),
  );
  await repo.writeParquet(
    "data/obs/day1.parquet",
    daySql(1, 200, { mean: 0, coverage: 0.99, last: "amber" }),
  );
  await repo.writeParquet(
    "data/obs/day2.parquet",
    daySql(2, 300, { mean: 1, coverage: 0.6, last: "violet" }),
  );
  await applyRepo(repo.path, {});
});

afterAll(() => repo?.cleanup());

const byFeature = (r: DriftReport) => Object.fromEntries(r.features.map((f) => [f.feature, f]));

describe("baseline and drift", () => {
  it("saves a profile of the service as its baseline, with its thresholds", async () => {
    const baseline = await runMonitorBaseline({
      repo: repo.path,
      featureService: "model",
      ...dayWindow(0),
      psiWarn: 0.12,
    });
    expect(baseline.profile.features.map((f) => f.name)).toEqual(["obs:x", "obs:y", "obs:color", "obs:flag"]);
    expect(baseline.profile.features.every((f) => f.rows === ROWS)).toBe(true);
    expect(baseline.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, psi: { warn: 0.12, alert: 0.25 } });
    const store = openProfileStore({
      project: "test_project",
      registry: { path: join(repo.path, "data/registry.db"), cacheTtlSeconds: 0 },
    });
    try {
      expect((await store.getBaseline("model"))?.profile).toEqual(baseline.profile);
    } finally {
      await store.close();
    }
  });

  it("passes a fresh sample of the same distributions", async () => {
    const report = await runMonitorDrift({ repo: repo.path, featureService: "model", ...dayWindow(1) });
    expect(report.features.map((f) => [f.feature, f.verdict, f.reasons])).toEqual([
      ["obs:x", "ok", []],
      ["obs:y", "ok", []],
      ["obs:color", "ok", []],
      ["obs:flag", "ok", []],
    ]);
    expect(report.verdict).toBe("ok");
    const f = byFeature(report);
    expect(f["obs:x"]?.psi).toBeLessThan(0.02);
    expect(f["obs:x"]?.ks).toBeLessThan(0.05);
    expect(f["obs:color"]?.js).toBeLessThan(0.05);
    expect(report.thresholds.psi.warn).toBe(0.12);
  });

  it("alerts on a mean moved by one stddev, a replaced category and coverage 99% -> 60%", async () => {
    const report = await runMonitorDrift({ repo: repo.path, featureService: "model", ...dayWindow(2) });
    const f = byFeature(report);
    expect(report.verdict).toBe("alert");
    // N(0,1) against N(1,1): the exact KS is 2 Phi(0.5) - 1 = 0.383; at the bin edges a little less
    expect(f["obs:x"]?.verdict).toBe("alert");
    expect(f["obs:x"]?.ks).toBeGreaterThan(0.3);
    expect(f["obs:x"]?.ks).toBeLessThan(0.4);
    expect(f["obs:x"]?.psi).toBeGreaterThan(0.25);
    // amber (10%) replaced by violet: JS distance of 10% of the mass moved to an unseen value
    expect(f["obs:color"]?.verdict).toBe("alert");
    expect(f["obs:color"]?.js).toBeGreaterThan(0.2);
    expect(f["obs:y"]?.verdict).toBe("alert");
    expect(f["obs:y"]?.coverageChange).toBeCloseTo(-0.39, 1);
    expect(f["obs:y"]?.reasons).toEqual([expect.stringMatching(/^coverage change 0\.3\d\d >= 0.1$/)]);
    expect(f["obs:flag"]?.verdict).toBe("ok");
  });

  it("stores every profile; a plain profile may skip storing", async () => {
    const store = openProfileStore({
      project: "test_project",
      registry: { path: join(repo.path, "data/registry.db"), cacheTtlSeconds: 0 },
    });
    try {
      // the baseline and the two drift runs
      expect(await store.listProfiles({ kind: "feature_service", name: "model" }, 10)).toHaveLength(3);
      const unsaved = await runMonitorProfile({ repo: repo.path, featureView: "obs", save: false });
      expect(unsaved.id).toBeNull();
      expect(unsaved.features[0]?.rows).toBe(3 * ROWS);
      expect(await store.listProfiles({ kind: "feature_view", name: "obs" }, 10)).toHaveLength(0);
    } finally {
      store.close();
    }
  });

  it("profiles a training set exactly as the offline window it holds (a baseline from training data)", async () => {
    // The day-0 rows as a training set: features under their own names, the time as event_timestamp.
    await repo.writeParquet(
      "training.parquet",
      `SELECT user_id, ts AS event_timestamp, x, y, color, flag FROM (${daySql(0, 100, { mean: 0, coverage: 0.99, last: "amber" })})`,
    );
    await runMonitorBaseline({
      repo: repo.path,
      featureService: "model",
      trainingSet: join(repo.path, "training.parquet"),
    });
    const report = await runMonitorDrift({ repo: repo.path, featureService: "model", ...dayWindow(0) });
    expect(report.features.map((f) => [f.feature, f.psi, f.ks ?? f.js, f.coverageChange, f.verdict])).toEqual(
      [
        ["obs:x", 0, 0, 0, "ok"],
        ["obs:y", 0, 0, 0, "ok"],
        ["obs:color", 0, 0, 0, "ok"],
        ["obs:flag", 0, 0, 0, "ok"],
      ],
    );
    // back to the day-0 window baseline for the CLI tests below
    await runMonitorBaseline({ repo: repo.path, featureService: "model", ...dayWindow(0) });
  });

  it("refuses a service without a baseline and bad thresholds, naming the fix", async () => {
    await expect(runMonitorDrift({ repo: repo.path, featureService: "nope" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("fstore monitor baseline --feature-service nope"),
    });
    await expect(
      runMonitorBaseline({ repo: repo.path, featureService: "model", ...dayWindow(0), ksWarn: 0.5 }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("ks") });
  });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin/fstore.js"), "monitor", ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: "1" },
    });
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

describe("fstore monitor (the CLI)", () => {
  it("prints drift as a table and exits 1 when a feature alerts, 0 when none does", async () => {
    const shifted = await cli([
      "drift",
      "--repo",
      repo.path,
      "--feature-service",
      "model",
      "--start",
      iso(T0 + 2 * DAY),
      "--end",
      iso(T0 + 3 * DAY - 1),
    ]);
    expect(shifted.stderr).toBe("");
    expect(shifted.code).toBe(1);
    expect(shifted.stdout).toMatch(
      /^obs:x\s+5000\s+100\.0% -> 100\.0%\s+\d\.\d{3}\s+0\.3\d\d\s+-\s+ALERT\s+PSI/m,
    );
    expect(shifted.stdout).toMatch(/^drift: ALERT \(3 alert, 0 warn, 1 ok\)$/m);
    const same = await cli([
      "drift",
      "--repo",
      repo.path,
      "--feature-service",
      "model",
      "--start",
      iso(T0 + DAY),
      "--end",
      iso(T0 + 2 * DAY - 1),
      "--json",
    ]);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ verdict: "ok" });
  });

  it("prints a profile with a text histogram per number and the top values per category", async () => {
    const out = await cli([
      "profile",
      "--repo",
      repo.path,
      "--feature-view",
      "obs",
      "--start",
      iso(T0),
      "--end",
      iso(T0 + DAY - 1),
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^obs:x\s+DOUBLE\s+5000\s+100\.0%.*\|[▁▂▃▄▅▆▇█ ]{10}\|$/m);
    expect(out.stdout).toMatch(/^obs:color\s+STRING\s+5000\s+100\.0%.*4 distinct: red 4\d\.\d%, green/m);
    expect(out.stdout).toMatch(/^feature\s+p1\s+p5\s+p25\s+p50\s+p75\s+p95\s+p99$/m);
  });

  it("exits 2 with a message on errors", async () => {
    const out = await cli(["profile", "--repo", repo.path]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^fstore monitor profile: INVALID_ARGUMENT: give what to profile/);
    const bad = await cli(["drift", "--repo", repo.path, "--feature-service", "model", "--psi-warn", "x"]);
    expect(bad.code).toBe(2);
  });
});

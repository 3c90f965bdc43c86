/**
 * `fstore validate` and `fstore status` as a batch job or CI sees them: the
 * real CLI in a child process against a repository on disk (feature_store.yaml,
 * SQLite registry and online store, Parquet), in-process and with --server
 * (plaintext, and TLS with a self-signed certificate and a bearer token).
 * Exit codes: 0 passed, 1 the check failed, 2 usage errors and errors.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRepoConfig } from "../src/config/index.js";
import type { RepoConfig } from "../src/config/types.js";
import { materialize } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore, writeOnlineRows } from "../src/online/index.js";
import type { OnlineStore } from "../src/online/online-store.js";
import { openRegistry } from "../src/registry/index.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import {
  type DriverRow,
  driverDefinitions,
  FEATURES,
  generateRows,
  HOUR,
  latestRows,
  T0,
  tempRepo,
  writeParquet,
} from "./consistency-fixtures.js";
import { startTestServer, type TestServer } from "./support/server.js";
import { selfSignedCertificate } from "./support/tls.js";

const DRIVERS = 20;
const HOURS = 3;
const WINDOW_END = T0 + (HOURS - 1) * HOUR;
const root = join(import.meta.dirname, "..");

let repo: string;
let config: RepoConfig;
let registry: Registry;
let store: OnlineStore;
let latest: Map<bigint, DriverRow>;

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { FSTORE_TOKEN: _inherited, ...parent } = process.env;
    const child = spawn(process.execPath, [join(root, "bin/fstore.js"), ...args], {
      cwd: root,
      env: { ...parent, NO_COLOR: "1", ...env },
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

beforeAll(async () => {
  repo = tempRepo("fstore-validate-cli-");
  const rows = generateRows(DRIVERS, HOURS, 5);
  latest = latestRows(rows, T0, WINDOW_END);
  await writeParquet(join(repo, "data", "drivers.parquet"), rows);
  writeFileSync(
    join(repo, "feature_store.yaml"),
    [
      "project: cli_check",
      "provider: local",
      "registry: data/registry.db",
      "online_store:",
      "  type: sqlite",
      "  path: data/online.db",
      "materialization:",
      '  schedule: "0 0 * * *"',
      "",
    ].join("\n"),
  );
  config = loadRepoConfig(repo);
  registry = await openRegistry(config);
  await registry.apply(driverDefinitions("data/drivers.parquet"));
  store = createOnlineStore(config);
  const db = await openDuckDb({ threads: 2 });
  try {
    for await (const _ of materialize(
      { config, registry, onlineStore: store, duckdb: async () => db },
      { start: new Date(T0), end: new Date(WINDOW_END), incremental: false },
    )) {
      // drain
    }
  } finally {
    db.closeSync();
  }
});

afterAll(async () => {
  await store?.close();
  registry?.close();
});

describe("fstore validate", () => {
  it("exits 0 and prints a table with PASSED right after materialization", async () => {
    const r = await run(["validate", "--repo", repo]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /feature\s+compared\s+equal\s+mismatched\s+stale\s+missing\s+online-only\s+rate\s+result/,
    );
    for (const f of FEATURES) {
      expect(r.stdout).toMatch(
        new RegExp(
          `driver_stats:${f.name}\\s+${DRIVERS}\\s+${DRIVERS}\\s+0\\s+0\\s+0\\s+0\\s+0\\.00%\\s+PASS`,
        ),
      );
    }
    expect(r.stdout).toMatch(/PASSED: every feature within the threshold \(20 entities, 6 features/);
  });

  it("prints JSON for machines with --json", async () => {
    const r = await run(["validate", "--repo", repo, "--json", "--feature-service", "driver_model"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      passed: boolean;
      entitiesChecked: string;
      features: { feature: string }[];
    };
    expect(json.passed).toBe(true);
    expect(json.entitiesChecked).toBe(String(DRIVERS));
    expect(json.features.map((f) => f.feature)).toEqual(["conv_rate", "trips"]);
  });

  describe("after a value is changed online", () => {
    let server: TestServer;
    beforeAll(async () => {
      const view = registry.snapshot().featureViews.get("driver_stats") as FeatureViewDef;
      const row = latest.get(1002n) as DriverRow;
      const values = FEATURES.map((f) => row.values[f.name] ?? null);
      values[1] = 424242n;
      await writeOnlineRows(store, view, [{ entityKey: [1002n], eventTimeUs: row.eventMs * 1000, values }]);
      server = await startTestServer({ config, registry });
    });
    afterAll(async () => {
      await server?.shutdown();
    });

    it("exits 1, and shows the mismatch with both values", async () => {
      const r = await run(["validate", "--repo", repo, "--views", "driver_stats"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/driver_stats:trips\s+20\s+19\s+1\s+0\s+0\s+0\s+5\.00%\s+FAIL/);
      expect(r.stdout).toContain("examples of driver_stats:trips:");
      const offline = String((latest.get(1002n) as DriverRow).values.trips);
      expect(r.stdout).toMatch(
        new RegExp(`mismatched\\s+driver_id="1002"\\s+online "424242" @ \\S+\\s+offline "${offline}"`),
      );
      expect(r.stdout).toMatch(/FAILED: 1 of 6 features above the threshold/);
    });

    it("exits 0 when the threshold allows it (at exactly the rate)", async () => {
      const r = await run(["validate", "--repo", repo, "--max-mismatch-rate", "0.05"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/driver_stats:trips\s+20\s+19\s+1.*5\.00%\s+PASS/);
      const under = await run(["validate", "--repo", repo, "--max-mismatch-rate", "0.0499"]);
      expect(under.code).toBe(1);
    });

    it("gives the same verdict against a running server with --server", async () => {
      const r = await run(["validate", "--server", server.address, "--json"]);
      expect(r.code).toBe(1);
      const json = JSON.parse(r.stdout) as {
        passed: boolean;
        features: { feature: string; mismatched?: string }[];
      };
      expect(json.passed).toBe(false);
      expect(json.features.find((f) => f.feature === "trips")?.mismatched).toBe("1");
      const bad = await run(["validate", "--server", server.address, "--views", "nope"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/NOT_FOUND: .*feature view "nope" not found/);
    });
  });

  it("sends a bearer token to a server that requires one", async () => {
    const authed = await startTestServer({
      config: {
        ...config,
        server: {
          ...config.server,
          auth: {
            tokens: [{ token: "s3cret", name: "ci", roles: [] }],
            jwt: null,
            clientCertificates: [],
            maxFailuresPerMinute: 10,
          },
        },
      },
      registry,
      token: "s3cret",
    });
    try {
      const denied = await run(["validate", "--server", authed.address]);
      expect(denied.code).toBe(2);
      expect(denied.stderr).toMatch(/UNAUTHENTICATED/);
      const ok = await run(["validate", "--server", authed.address, "--token", "s3cret", "--json"]);
      expect(ok.stderr).toBe("");
      expect([0, 1]).toContain(ok.code);
      expect(JSON.parse(ok.stdout)).toHaveProperty("entitiesChecked", String(DRIVERS));
    } finally {
      await authed.shutdown();
    }
  });

  it("exits 2 with a precise message on bad input", async () => {
    const zero = await run(["validate", "--repo", repo, "--sample", "0"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(
      /INVALID_ARGUMENT: sample size must be a whole number from 1 to 1000000, got 0/,
    );
    const huge = await run(["validate", "--repo", repo, "--sample", "5000000"]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/above the limit of 1000000/);
    const negative = await run(["validate", "--repo", repo, "--tolerance=-1"]);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/INVALID_ARGUMENT: tolerance must be a finite number >= 0/);
    const unknownView = await run(["validate", "--repo", repo, "--views", "nope"]);
    expect(unknownView.code).toBe(2);
    expect(unknownView.stderr).toMatch(/NOT_FOUND: feature view "nope" not found/);
    const usage = await run(["validate", "--repo", repo, "--no-such-flag"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown option/);
    const notNumber = await run(["validate", "--repo", repo, "--sample", "ten"]);
    expect(notNumber.code).toBe(2);
    const noRepo = await run(["validate", "--repo", join(repo, "missing")]);
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toMatch(/NOT_FOUND: .*feature_store\.yaml not found/);
  });
});

describe("fstore status", () => {
  it("prints each view's last materialized end, age and overdue flag, exiting 1 when a view is overdue", async () => {
    const r = await run(["status", "--repo", repo]);
    // The daily schedule's run after the 2025 window end was missed long ago.
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(`driver_stats\\s+${new Date(WINDOW_END).toISOString()}\\s+\\d+d \\d+h\\s+OVERDUE`),
    );
    expect(r.stdout).toContain("schedule: 0 0 * * * (UTC)");
    const json = await run(["status", "--repo", repo, "--json"]);
    const status = JSON.parse(json.stdout) as {
      views: {
        featureView: string;
        lastMaterializedEnd: string;
        ageSeconds: number;
        overdue: boolean;
        lastRun: unknown;
      }[];
    };
    const v = status.views.find((x) => x.featureView === "driver_stats");
    expect(v).toMatchObject({ lastMaterializedEnd: new Date(WINDOW_END).toISOString(), overdue: true });
    expect(Math.abs((v?.ageSeconds ?? 0) - (Date.now() - WINDOW_END) / 1000)).toBeLessThan(120);
    expect(v?.lastRun).toMatchObject({ outcome: "succeeded", entitiesWritten: DRIVERS });
  });
});

describe("commands against a server with TLS and a bearer token", () => {
  let server: TestServer;
  let dir: string;
  let ca: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fstore-cli-tls-"));
    const tls = selfSignedCertificate(dir);
    ca = tls.certPath;
    server = await startTestServer({
      config: {
        ...config,
        server: {
          ...config.server,
          tls: { ...tls, clientCaPath: null },
          auth: {
            tokens: [{ token: "s3cret", name: "ci", roles: [] }],
            jwt: null,
            clientCertificates: [],
            maxFailuresPerMinute: 10,
          },
        },
      },
      registry,
    });
  });
  afterAll(async () => {
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("status --server reports the registry's freshness and last run per view, as in-process", async () => {
    const local = JSON.parse((await run(["status", "--repo", repo, "--json"])).stdout) as {
      views: Record<string, unknown>[];
    };
    const r = await run(["status", "--server", server.address, "--ca", ca, "--token", "s3cret", "--json"]);
    expect(r.stderr).toBe("");
    // The daily schedule's run after the 2025 window end was missed: overdue, exit 1.
    expect(r.code).toBe(1);
    const remote = JSON.parse(r.stdout) as { server: string; views: Record<string, unknown>[] };
    expect(remote.server).toBe(server.address);
    const comparable = (v: Record<string, unknown>) => ({ ...v, ageSeconds: undefined });
    expect(remote.views.map(comparable)).toEqual(local.views.map(comparable));
    const age = remote.views[0]?.ageSeconds as number;
    expect(Math.abs(age - (Date.now() - WINDOW_END) / 1000)).toBeLessThan(120);

    // The token from $FSTORE_TOKEN; the table form.
    const table = await run(["status", "--server", server.address, "--ca", ca], { FSTORE_TOKEN: "s3cret" });
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(
      new RegExp(`driver_stats\\s+${new Date(WINDOW_END).toISOString()}\\s+\\d+d \\d+h\\s+OVERDUE`),
    );
    expect(table.stdout).toMatch(/succeeded \S+ \(20 entities\)/);
    expect(table.stdout).toContain(`server: ${server.address}`);
  });

  it("refuses without a token, with a wrong one, in plaintext, or with an untrusted certificate (exit 2)", async () => {
    const cases: [string[], RegExp][] = [
      [["--ca", ca], /UNAUTHENTICATED/],
      [["--ca", ca, "--token", "wrong"], /PERMISSION_DENIED/],
      [["--token", "s3cret"], /UNAVAILABLE/],
      [["--tls", "--token", "s3cret"], /UNAVAILABLE/],
      [["--ca", join(dir, "missing.pem"), "--token", "s3cret"], /INVALID_ARGUMENT: --ca: cannot read/],
    ];
    for (const [args, message] of cases) {
      const r = await run(["status", "--server", server.address, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
  });

  it("validate and materialize take the same options", async () => {
    const options = ["--server", server.address, "--ca", ca, "--token", "s3cret"];
    // The online value changed above is still there: validate fails on it.
    const before = await run(["validate", ...options, "--json"]);
    expect(before.stderr).toBe("");
    expect(before.code).toBe(1);
    const report = JSON.parse(before.stdout) as { features: { feature: string; mismatched?: string }[] };
    expect(report.features.find((f) => f.feature === "trips")?.mismatched).toBe("1");
    // Materializing the window again on the server restores it.
    const window = [new Date(T0).toISOString(), new Date(WINDOW_END).toISOString()];
    const mat = await run(["materialize", ...window, "--views", "driver_stats", ...options]);
    expect(mat.stderr).not.toMatch(/UNAVAILABLE|UNAUTHENTICATED/);
    expect(mat.code, mat.stderr).toBe(0);
    expect(mat.stdout).toMatch(/driver_stats: 20 entities written/);
    const after = await run(["validate", ...options]);
    expect(after.code, after.stdout).toBe(0);
    const denied = await run(["materialize", ...window, "--server", server.address, "--ca", ca]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/UNAUTHENTICATED/);
  });
});

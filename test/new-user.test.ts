/**
 * fstore as a new user meets it: the package is packed (`npm pack`),
 * installed into a folder outside this checkout, and everything runs through
 * the installed bin: `fstore init`, plan, apply, materialize-incremental,
 * serve and a GetOnlineFeatures; then the vehicle-rental template in a folder
 * with no node_modules at all, served with `serve --init`.
 *
 * Installing: the tarball is unpacked into node_modules/fstore and its
 * dependencies are linked to this checkout's node_modules (resolved offline:
 * `npm install` of the tarball would fetch or rebuild native modules such as
 * better-sqlite3, minutes on this machine), and the bin is linked into
 * node_modules/.bin as npm does; `npx --offline fstore` then finds it.
 */
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFstoreClient } from "../clients/typescript/src/index.js";
import { runCommand, startServerProcess, waitFor } from "./support/cli-process.js";
import { PROJECT_ROOT } from "./support/temp-repo.js";

/** Each step is a fresh CLI process (about 1-4 s on a loaded 2-core machine): generous, not tight. */
const CLI_TIMEOUT_MS = 300_000;

let root: string;
let app: string;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_offline: "true",
  npm_config_update_notifier: "false",
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "fstore-new-user-"));
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", root], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  }).trim();
  const tarball = join(root, packed.split("\n").at(-1) ?? "");
  app = join(root, "app");
  const installed = join(app, "node_modules", "fstore");
  mkdirSync(installed, { recursive: true });
  mkdirSync(join(app, "node_modules", ".bin"));
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(installed, "node_modules"), "dir");
  symlinkSync("../fstore/bin/fstore.js", join(app, "node_modules", ".bin", "fstore"));
  writeFileSync(
    join(app, "package.json"),
    `${JSON.stringify({ name: "app", private: true, dependencies: { fstore: `file:${tarball}` } }, null, 2)}\n`,
  );
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The example's defaults (data/ in the repository), whatever the test runner's environment says. */
const { FSTORE_DATA_DIR: _dataDir, FSTORE_PORT: _port, ...withoutExampleOverrides } = env;

const npxFstore = (cwd: string, ...args: string[]) =>
  runCommand("npx", ["--offline", "fstore", ...args], { cwd, env });

/** The newest row of `column` for one entity in a Parquet file, read independently of fstore. */
async function latest(file: string, key: string, id: number, column: string): Promise<unknown> {
  const db = await DuckDBInstance.create();
  const connection = await db.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT ${column} FROM read_parquet('${file}') WHERE ${key} = ${id} ORDER BY event_timestamp DESC LIMIT 1`,
    );
    return reader.getRows()[0]?.[0];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

describe("a new user's repository, outside the checkout", { timeout: CLI_TIMEOUT_MS }, () => {
  it("packs only what runs: bin, sources without tests, generated code, templates, the example", () => {
    const files = readdirSync(join(app, "node_modules", "fstore"), { recursive: true }).map(String);
    expect(files).toContain(join("bin", "fstore.js"));
    expect(files).toContain(join("src", "init", "templates", "minimal", "features.ts"));
    expect(files).toContain(join("feature_repo", "_generate_data.ts"));
    expect(files).toContain(join("gen", "fstore", "v1", "value_pb.ts"));
    expect(files.filter((f) => f.endsWith(".spec.ts"))).toEqual([]);
    expect(
      files.filter((f) => f.startsWith("test") || f.startsWith(`${join("feature_repo", "data")}/`)),
    ).toEqual([]);
  });

  it("init (minimal), plan, apply, materialize-incremental, serve and GetOnlineFeatures through the installed bin", async () => {
    const init = await npxFstore(app, "init", ".");
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Created project "app" (template minimal)');
    for (const f of [".gitignore", "README.md", "_generate_data.ts", "feature_store.yaml", "features.ts"]) {
      expect(readdirSync(app)).toContain(f);
    }
    // The package.json that npm install wrote keeps its dependency and gains "type": "module".
    const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
    expect(pkg).toMatchObject({ type: "module", dependencies: { fstore: expect.any(String) } });

    const plan = await npxFstore(app, "plan", "--json");
    expect(plan.code).toBe(0);
    expect(
      JSON.parse(plan.stdout)
        .changes.map((c: { name: string }) => c.name)
        .sort(),
    ).toEqual(["driver", "driver_activity_v1", "driver_hourly_stats", "driver_hourly_stats_source"]);
    expect((await npxFstore(app, "apply")).code).toBe(0);
    const materialized = await npxFstore(app, "materialize-incremental", "now");
    expect(materialized.stderr).toContain("entities_written=5");
    expect(materialized.code).toBe(0);

    const serve = startServerProcess(join(app, "node_modules", ".bin", "fstore"), ["serve", "--port", "0"], {
      cwd: app,
      env,
    });
    try {
      const client = createFstoreClient({ address: await serve.address, timeoutMs: 20_000 });
      const online = await client.getOnlineFeatures({
        featureServices: ["driver_activity_v1"],
        entities: { driver_id: [1001n, 1005n, 9999n] },
      });
      client.close();
      const parquet = join(app, "data", "driver_stats.parquet");
      expect(online.rows[0]?.avg_daily_trips).toBe(
        await latest(parquet, "driver_id", 1001, "avg_daily_trips"),
      );
      expect(online.rows[1]?.avg_daily_trips).toBe(
        await latest(parquet, "driver_id", 1005, "avg_daily_trips"),
      );
      const trips = online.columns.find((c) => c.name === "avg_daily_trips");
      expect(trips?.statuses).toEqual(["PRESENT", "PRESENT", "NOT_FOUND"]);
    } finally {
      serve.child.kill("SIGTERM");
      expect((await serve.exit).code).toBe(0);
    }
  });

  it("the vehicle-rental template, in a folder without node_modules, with serve --init", async () => {
    const rental = join(root, "rental");
    const init = await npxFstore(app, "init", rental, "--template", "vehicle-rental", "--no-data");
    expect(init.code).toBe(0);
    expect(readdirSync(rental).sort()).toEqual(
      [
        ".gitignore",
        "README.md",
        "_generate_data.ts",
        "data_sources.ts",
        "entities.ts",
        "feature_services.ts",
        "feature_store.yaml",
        "feature_views.ts",
        "package.json",
      ].sort(),
    );
    const serve = startServerProcess(
      join(app, "node_modules", ".bin", "fstore"),
      ["serve", "--repo", rental, "--port", "0", "--init"],
      { cwd: root, env: withoutExampleOverrides },
    );
    try {
      const address = await serve.address;
      await waitFor(() => serve.lines.some((l) => l.msg === "first start: materialized"));
      const client = createFstoreClient({ address, timeoutMs: 20_000 });
      const online = await client.getOnlineFeatures({
        features: ["vehicle_features:num_images"],
        entities: { vehicle_id: [1001n] },
      });
      client.close();
      expect(online.columns[1]?.statuses).toEqual(["PRESENT"]);
      const parquet = join(rental, "data", "vehicle_features.parquet");
      expect(online.rows[0]?.num_images).toBe(await latest(parquet, "vehicle_id", 1001, "num_images"));
    } finally {
      serve.child.kill("SIGTERM");
      expect((await serve.exit).code).toBe(0);
    }
  });
});

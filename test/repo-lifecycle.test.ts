/**
 * A repository's online data follows its configuration and its definitions:
 * materialization state belongs to the online store it was written to (a
 * store switch leaves every view unmaterialized and overdue, incremental
 * starts over, validate refuses to pass on nothing), an apply that removes a
 * view deletes its online rows from SQLite and from Redis, and teardown
 * removes the project after confirmation. Everything through the CLI, on the
 * minimal template, with a redis-server of the test's own.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initRepo } from "../src/init/index.js";
import { runCommand } from "./support/cli-process.js";
import { type StartedRedis, startRedis } from "./support/redis.js";
import { PROJECT_ROOT } from "./support/temp-repo.js";

/** Each step is a fresh CLI process (about 1-4 s on a loaded 2-core machine): generous, not tight. */
const CLI_TIMEOUT_MS = 300_000;

let root: string;
let redis: StartedRedis;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "fstore-lifecycle-"));
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const { FSTORE_TOKEN: _token, ...env } = process.env;
const fstore = (repo: string, ...args: string[]) =>
  runCommand(process.execPath, [join(PROJECT_ROOT, "bin", "fstore.js"), ...args], { cwd: repo, env });

async function newRepo(name: string): Promise<string> {
  const result = await initRepo({ dir: join(root, name), template: "minimal" });
  return result.path;
}

/** Points feature_store.yaml's online_store at SQLite (data/online_store.db) or at the test's Redis. */
function useStore(repo: string, store: "sqlite" | "redis"): void {
  const file = join(repo, "feature_store.yaml");
  const section =
    store === "sqlite"
      ? "online_store:\n  type: sqlite\n  path: data/online_store.db\n"
      : `online_store:\n  type: redis\n  connection_string: ${redis.connectionString}\n`;
  const text = readFileSync(file, "utf8").replace(/online_store:\n(?: {2}.*\n)+/, section);
  writeFileSync(file, text);
}

interface ViewStatus {
  featureView: string;
  lastMaterializedEnd: string | null;
  overdue: boolean;
  lastRun: unknown;
}

async function status(repo: string): Promise<{ code: number | null; views: ViewStatus[] }> {
  const r = await fstore(repo, "status", "--json");
  return { code: r.code, views: (JSON.parse(r.stdout) as { views: ViewStatus[] }).views };
}

/** Rows of `view` in the SQLite online store, counted with SQL. */
function sqliteRows(repo: string, view: string): number {
  const db = new Database(join(repo, "data", "online_store.db"), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM online_rows WHERE view = ?").get(view) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The project's Redis hashes (keys end with the project name) holding the packed field of `view`. */
async function redisRows(project: string, view: string): Promise<number> {
  const client = new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: true });
  await client.connect();
  try {
    let n = 0;
    for (const key of await client.keysBuffer("*")) {
      if (key.subarray(key.length - project.length).toString() !== project) continue;
      if ((await client.hexists(key, view)) === 1) n += 1;
    }
    return n;
  } finally {
    client.disconnect();
  }
}

describe("materialization state per online store", { timeout: CLI_TIMEOUT_MS }, () => {
  it("after a switch from SQLite to Redis: overdue, incremental from scratch, validate fails saying why", async () => {
    const repo = await newRepo("switch");
    expect((await fstore(repo, "apply")).code).toBe(0);
    const first = await fstore(repo, "materialize-incremental", "now");
    expect(first.stderr).toContain("entities_written=5");
    const onSqlite = await status(repo);
    expect(onSqlite.code).toBe(0);
    expect(onSqlite.views[0]).toMatchObject({ featureView: "driver_hourly_stats", overdue: false });
    expect(onSqlite.views[0]?.lastMaterializedEnd).not.toBeNull();
    expect((await fstore(repo, "validate")).code).toBe(0);

    useStore(repo, "redis");
    const onRedis = await status(repo);
    expect(onRedis.code).toBe(1);
    expect(onRedis.views[0]).toMatchObject({ overdue: true, lastMaterializedEnd: null, lastRun: null });
    const validate = await fstore(repo, "validate");
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain("FAILED: nothing was compared");
    expect(validate.stdout).toContain("after a change of online_store the new store starts empty");
    const json = await fstore(repo, "validate", "--json");
    expect(json.code).toBe(1);
    expect(json.stderr).toContain("nothing was compared");

    // Incremental starts over in the new store: the whole ttl window, every entity.
    const second = await fstore(repo, "materialize-incremental", "now");
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("entities_written=5");
    expect(await redisRows("switch", "driver_hourly_stats")).toBe(5);
    const caughtUp = await status(repo);
    expect(caughtUp.code).toBe(0);
    expect(caughtUp.views[0]?.overdue).toBe(false);

    // Back to SQLite: its own history is still there.
    useStore(repo, "sqlite");
    const back = await status(repo);
    expect(back.code).toBe(0);
    expect(back.views[0]?.lastMaterializedEnd).toBe(onSqlite.views[0]?.lastMaterializedEnd);
  });
});

const EXTRA_VIEW = `import { FeatureView, Field, Float32 } from "fstore";
import { driver, driverStatsSource } from "./features.js";

export const driverExtra = new FeatureView({
  name: "driver_extra",
  entities: [driver],
  ttl: "1d",
  schema: [new Field({ name: "conv_rate", dtype: Float32 })],
  source: driverStatsSource,
});
`;

describe("removing a view, and teardown", { timeout: CLI_TIMEOUT_MS }, () => {
  for (const store of ["sqlite", "redis"] as const) {
    it(`apply that removes a view deletes its online rows (${store})`, async () => {
      const repo = await newRepo(`remove-${store}`);
      useStore(repo, store);
      writeFileSync(join(repo, "extra.ts"), EXTRA_VIEW);
      expect((await fstore(repo, "apply")).code).toBe(0);
      expect((await fstore(repo, "materialize-incremental", "now")).code).toBe(0);
      const rows = (view: string) =>
        store === "sqlite" ? Promise.resolve(sqliteRows(repo, view)) : redisRows(`remove_${store}`, view);
      expect(await rows("driver_extra")).toBe(5);
      expect(await rows("driver_hourly_stats")).toBe(5);

      rmSync(join(repo, "extra.ts"));
      const applied = await fstore(repo, "apply", "--json");
      expect(applied.code).toBe(0);
      expect(JSON.parse(applied.stdout)).toMatchObject({
        changes: [{ kind: "remove", objectType: "feature_view", name: "driver_extra" }],
        deletedOnlineViews: ["driver_extra"],
      });
      expect(await rows("driver_extra")).toBe(0);
      expect(await rows("driver_hourly_stats")).toBe(5);
      if (store === "redis") expect((await fstore(repo, "teardown", "--yes")).code).toBe(0);
    });
  }

  it("teardown asks first; --yes deletes the online rows and the registry", async () => {
    const repo = await newRepo("teardown");
    expect((await fstore(repo, "apply")).code).toBe(0);
    expect((await fstore(repo, "materialize-incremental", "now")).code).toBe(0);
    const registry = join(repo, "data", "registry.db");

    const refused = await runCommand(process.execPath, [join(PROJECT_ROOT, "bin", "fstore.js"), "teardown"], {
      cwd: repo,
      env,
      input: "n\n",
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the online rows of 1 feature view(s) (driver_hourly_stats)");
    expect(refused.stderr).toContain("aborted; nothing was deleted");
    expect(sqliteRows(repo, "driver_hourly_stats")).toBe(5);
    expect(existsSync(registry)).toBe(true);

    const done = await fstore(repo, "teardown", "--yes");
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("registry file deleted");
    expect(sqliteRows(repo, "driver_hourly_stats")).toBe(0);
    expect(existsSync(registry)).toBe(false);
  });
});

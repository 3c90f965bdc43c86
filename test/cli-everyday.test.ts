/**
 * The everyday CLI on the minimal template: `fstore list` (with --tags),
 * `fstore describe`, and `fstore push --source NAME FILE` from CSV, JSON
 * lines and Parquet, validated like the Push RPC. Pushed rows are checked in
 * the SQLite online store by SQL.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initRepo, writeParquet } from "../src/init/index.js";
import { runCommand } from "./support/cli-process.js";
import { PROJECT_ROOT } from "./support/temp-repo.js";

/** Each step is a fresh CLI process (about 1-4 s on a loaded 2-core machine): generous, not tight. */
const CLI_TIMEOUT_MS = 300_000;

let root: string;
let repo: string;
const fstore = (...args: string[]) =>
  runCommand(process.execPath, [join(PROJECT_ROOT, "bin", "fstore.js"), ...args], { cwd: repo });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "fstore-everyday-"));
  repo = (await initRepo({ dir: join(root, "everyday"), template: "minimal" })).path;
  const applied = await fstore("apply");
  expect(applied.code).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The online rows of driver_hourly_stats, by SQL on the store's file. */
function onlineRows(): number {
  if (!existsSync(join(repo, "data", "online_store.db"))) return 0;
  const db = new Database(join(repo, "data", "online_store.db"), { readonly: true });
  try {
    return (
      db.prepare("SELECT count(*) AS n FROM online_rows WHERE view = 'driver_hourly_stats'").get() as {
        n: number;
      }
    ).n;
  } finally {
    db.close();
  }
}

describe("fstore list and describe", { timeout: CLI_TIMEOUT_MS }, () => {
  it("lists entities, views and services, filtered by tags", async () => {
    const views = await fstore("list", "views", "--json");
    expect(views.code).toBe(0);
    expect(JSON.parse(views.stdout).map((v: { name: string; kind: string }) => [v.kind, v.name])).toEqual([
      ["feature_view", "driver_hourly_stats"],
    ]);
    const tagged = await fstore("list", "views", "--tags", "team=driver_performance", "--json");
    expect(JSON.parse(tagged.stdout)).toHaveLength(1);
    const none = await fstore("list", "views", "--tags", "team=nobody");
    expect(none.stdout).toContain("No views with these tags.");
    const entities = await fstore("list", "entities");
    expect(entities.stdout).toMatch(/driver\s+driver_id\s+INT64/);
    const services = await fstore("list", "services");
    expect(services.stdout).toMatch(/driver_activity_v1\s+driver_hourly_stats\s+3/);
    const wrong = await fstore("list", "tables");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("expected one of entities, views, services");
  });

  it("describes a view with its schema, ttl, intervals and freshness; an unknown name is NOT_FOUND", async () => {
    const text = await fstore("describe", "driver_hourly_stats");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("ttl: 1d");
    expect(text.stdout).toMatch(/avg_daily_trips\s+INT64\s+Average trips per day/);
    expect(text.stdout).toContain("materialized intervals: none");
    const json = JSON.parse((await fstore("describe", "driver_hourly_stats", "--json")).stdout);
    expect(json[0]).toMatchObject({
      kind: "feature_view",
      definition: { name: "driver_hourly_stats", ttlSeconds: 86400 },
      materialization: { intervals: [], lastMaterializedEnd: null, lastRun: null },
    });
    const unknown = await fstore("describe", "driver_stats_typo");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND: no object named "driver_stats_typo"');
    expect(unknown.stderr).toContain("known: driver, driver_activity_v1");
  });
});

describe("fstore push --source NAME FILE", { timeout: CLI_TIMEOUT_MS }, () => {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const header = "driver_id,conv_rate,acc_rate,avg_daily_trips,event_timestamp";

  it("pushes CSV, JSON lines and Parquet online", async () => {
    expect(onlineRows()).toBe(0);
    writeFileSync(join(repo, "rows.csv"), `${header}\n2001,0.5,0.25,10,${now}\n2002,0.4,0.2,7,${now}\n`);
    const csv = await fstore("push", "--source", "driver_hourly_stats", "rows.csv");
    expect(csv.stderr).toBe("");
    expect(csv.stdout).toContain("pushed 2 rows");
    expect(onlineRows()).toBe(2);

    writeFileSync(
      join(repo, "rows.jsonl"),
      `${JSON.stringify({ driver_id: 2003, conv_rate: 0.1, acc_rate: 0.9, avg_daily_trips: 1, event_timestamp: now })}\n`,
    );
    expect((await fstore("push", "--source", "driver_hourly_stats", "rows.jsonl")).code).toBe(0);
    expect(onlineRows()).toBe(3);

    await writeParquet(
      join(repo, "rows.parquet"),
      `SELECT 2004::BIGINT AS driver_id, 0.3::FLOAT AS conv_rate, 0.3::FLOAT AS acc_rate,
              5::BIGINT AS avg_daily_trips, TIMESTAMPTZ '${now}' AS event_timestamp`,
    );
    expect((await fstore("push", "--source", "driver_hourly_stats", "rows.parquet")).code).toBe(0);
    expect(onlineRows()).toBe(4);
  });

  it("rejects a column of the wrong type, an unexpected or missing column and an unknown target, writing nothing", async () => {
    const before = onlineRows();
    const cases: [string, string, RegExp][] = [
      [
        "bad-type.csv",
        `${header}\n2101,abc,0.25,10,${now}\n`,
        /column "conv_rate" is VARCHAR .*FLOAT needs FLOAT, DOUBLE or DECIMAL/,
      ],
      [
        "extra.csv",
        `${header},extra\n2102,0.5,0.25,10,${now},1\n`,
        /unexpected column "extra"; expected exactly: driver_id \(INT64\)/,
      ],
      [
        "missing.csv",
        `driver_id,conv_rate,acc_rate,event_timestamp\n2103,0.5,0.25,${now}\n`,
        /missing column "avg_daily_trips" \(INT64\)/,
      ],
    ];
    for (const [file, text, message] of cases) {
      writeFileSync(join(repo, file), text);
      const r = await fstore("push", "--source", "driver_hourly_stats", file);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toMatch(message);
    }
    const unknown = await fstore("push", "--source", "nope", "rows.csv");
    expect(unknown.stderr).toContain('NOT_FOUND: no push source or feature view named "nope"');
    const txt = await fstore("push", "--source", "driver_hourly_stats", "rows.txt");
    expect(txt.stderr).toContain('unknown file type ".txt"');
    expect(onlineRows()).toBe(before);
  });
});

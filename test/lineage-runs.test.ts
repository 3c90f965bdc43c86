/**
 * Materialization lineage and OpenLineage: a stored online row (SQLite and
 * Redis) is traced to the run that wrote it, with the view version and the
 * files behind it; OpenLineage events reach an HTTP endpoint the test runs
 * on loopback with the fields the spec requires, and an endpoint that is down
 * never fails the run.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHistorical } from "../src/cli/commands/historical.js";
import { loadRepoConfig } from "../src/config/index.js";
import type { RepoConfig } from "../src/config/types.js";
import { closeLineage, type Lineage, openLineage, openLineageStore } from "../src/lineage/index.js";
import { materialize } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import { applyRepo, openRegistry } from "../src/registry/index.js";
import { freePort, type StartedRedis, startRedis } from "./support/redis.js";
import { createTempRepo, PROJECT_ROOT, type TempRepo } from "./support/temp-repo.js";

const DEFS = `import { Entity, FeatureView, Field, FileSource, Float64, Int64 } from "fstore";
export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: Int64 });
export const src = new FileSource({ name: "driver_src", path: "data/drivers", timestampField: "event_timestamp" });
export const stats = new FeatureView({ name: "driver_stats", entities: [driver], ttl: "1d",
  schema: [new Field({ name: "trips", dtype: Int64 }), new Field({ name: "rating", dtype: Float64 })], source: src });
export const labels = new FileSource({ name: "labels", path: "data/labels.parquet", timestampField: "event_timestamp" });
`;

const config = (onlineStore: string, openlineage = "") => `project: lineage_runs
provider: local
registry:
  path: data/registry.db
  cache_ttl_seconds: 0
online_store:
${onlineStore}
materialization:
  schedule: "off"
${openlineage}`;

const SQLITE = "  type: sqlite\n  path: data/online_store.db";

async function makeRepo(onlineStore: string, openlineage = ""): Promise<TempRepo> {
  const repo = createTempRepo({ config: config(onlineStore, openlineage), files: { "defs.ts": DEFS } });
  // Two files: driver 1 at 10:00 and 12:00, driver 2 at 08:00.
  await repo.writeParquet(
    "data/drivers/a.parquet",
    `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMP '2026-01-01 10:00:00', 5::BIGINT, 4.5::DOUBLE),
       (2::BIGINT, TIMESTAMP '2026-01-01 08:00:00', 9::BIGINT, 3.0::DOUBLE)) AS t(driver_id, event_timestamp, trips, rating)`,
  );
  await repo.writeParquet(
    "data/drivers/b.parquet",
    `SELECT 1::BIGINT AS driver_id, TIMESTAMP '2026-01-01 12:00:00' AS event_timestamp, 7::BIGINT AS trips, 4.8::DOUBLE AS rating`,
  );
  await repo.writeParquet(
    "data/labels.parquet",
    `SELECT 1::BIGINT AS driver_id, TIMESTAMP '2026-01-01 13:00:00' AS event_timestamp`,
  );
  await applyRepo(repo.path, {});
  return repo;
}

/** CLI processes start slowly on a loaded machine: no tight bound. */
const CLI_TIMEOUT_MS = 300_000;

const at = (hour: number) => new Date(Date.UTC(2026, 0, 1, hour));

/** Materializes [start, end] in-process, as `fstore materialize` does; returns the lineage failures reported. */
async function materializeWindow(cfg: RepoConfig, start: Date, end: Date): Promise<string[]> {
  const registry = await openRegistry(cfg);
  const store = createOnlineStore(cfg);
  const db = openDuckDb({ threads: 1, memoryLimit: "256MB" });
  const reported: string[] = [];
  const lineage: Lineage = openLineage(cfg, {
    onError: (m) => reported.push(m),
    onEmitFailure: (job) => reported.push(`counted ${job}`),
  });
  try {
    for await (const _ of materialize(
      { config: cfg, registry, onlineStore: store, duckdb: () => db, lineage },
      { start, end, incremental: false },
    )) {
      // drain
    }
  } finally {
    await closeLineage(lineage);
    (await db).closeSync();
    await store.close();
    await registry.close();
  }
  return reported;
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, "bin/fstore.js"), ...args], {
    encoding: "utf8",
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each([
  ["sqlite", async () => ({ store: SQLITE, close: async () => {} })],
  [
    "redis",
    async () => {
      const redis: StartedRedis = await startRedis();
      return {
        store: `  type: redis\n  connection_string: ${redis.connectionString}`,
        close: () => redis.close(),
      };
    },
  ],
] as const)("lineage of an online row (%s)", (_, backend) => {
  let repo: TempRepo;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const b = await backend();
    close = b.close;
    repo = await makeRepo(b.store);
  }, 120_000);
  afterAll(async () => {
    repo?.cleanup();
    await close?.();
  });

  it(
    "names the run that wrote each row, its view version and files",
    async () => {
      const cfg = loadRepoConfig(repo.path, {});
      expect(await materializeWindow(cfg, at(7), at(11))).toEqual([]);
      expect(await materializeWindow(cfg, at(11), at(13))).toEqual([]);
      const store = openLineageStore(cfg);
      const runs = await store.materializationsCovering(
        (await import("../src/config/online-store-identity.js")).onlineStoreIdentity(cfg.onlineStore),
        "driver_stats",
        at(10),
      );
      await store.close();
      expect(runs).toHaveLength(1);
      const runA = runs[0];
      expect(runA?.files.map((f) => f.path)).toEqual([
        join(repo.path, "data/drivers/a.parquet"),
        join(repo.path, "data/drivers/b.parquet"),
      ]);
      expect(runA?.view).toMatchObject({ kind: "feature_view", name: "driver_stats", version: 1 });

      // Driver 1's row is the 12:00 one, written by the second run; driver 2's by the first.
      const one = cli("lineage", "--view", "driver_stats", "--entity", "1", "--repo", repo.path, "--json");
      expect(one.status).toBe(0);
      const traced1 = JSON.parse(one.stdout);
      expect(traced1.eventTime).toBe(at(12).toISOString());
      expect(traced1.run.windowStart).toBe(at(11).toISOString());
      expect(traced1.run.runId).not.toBe(runA?.runId);
      expect(traced1.run.view.version).toBe(1);
      expect(traced1.run.outcome).toBe("succeeded");
      const two = JSON.parse(
        cli("lineage", "--view", "driver_stats", "--entity", "driver_id=2", "--repo", repo.path, "--json")
          .stdout,
      );
      expect(two.eventTime).toBe(at(8).toISOString());
      expect(two.run.runId).toBe(runA?.runId);
      const text = cli("lineage", "--view", "driver_stats", "--entity", "2", "--repo", repo.path).stdout;
      expect(text).toContain(`run ${runA?.runId}: succeeded`);
      expect(text).toContain(join(repo.path, "data/drivers/a.parquet"));
      expect(cli("lineage", "--view", "driver_stats", "--entity", "3", "--repo", repo.path).stdout).toMatch(
        /no online row of "driver_stats" for entity 3/,
      );
    },
    CLI_TIMEOUT_MS,
  );
});

/** An OpenLineage endpoint on loopback that keeps every event it receives. */
async function lineageEndpoint(): Promise<{
  url: string;
  events: Record<string, unknown>[];
  paths: string[];
  server: Server;
}> {
  const events: Record<string, unknown>[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      paths.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
      events.push(JSON.parse(body));
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, events, paths, server };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The fields the OpenLineage spec (2-0-2) requires of a RunEvent. */
function expectRunEvent(e: Record<string, unknown>) {
  expect(e).toMatchObject({
    eventType: expect.stringMatching(/^(START|COMPLETE|FAIL)$/),
    eventTime: expect.any(String),
    run: { runId: expect.stringMatching(UUID) },
    job: { namespace: "fstore_test", name: expect.any(String) },
    inputs: expect.any(Array),
    outputs: expect.any(Array),
    producer: "urn:fstore:0.1.0",
    schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
  });
  expect(new Date(e.eventTime as string).toISOString()).toBe(e.eventTime);
}

describe("OpenLineage", () => {
  let endpoint: Awaited<ReturnType<typeof lineageEndpoint>>;
  let repo: TempRepo;
  beforeAll(async () => {
    endpoint = await lineageEndpoint();
    repo = await makeRepo(
      SQLITE,
      `openlineage:\n  enabled: true\n  transport_url: ${endpoint.url}\n  namespace: fstore_test\n`,
    );
  }, 120_000);
  afterAll(async () => {
    repo?.cleanup();
    await new Promise((resolve) => endpoint?.server.close(resolve));
  });

  const byJob = (job: string) =>
    endpoint.events.filter((e) => (e.job as { name: string }).name === job) as Record<string, unknown>[];

  it(
    "emits START and COMPLETE for apply, materialize and historical retrieval",
    async () => {
      const cfg = loadRepoConfig(repo.path, {});
      await materializeWindow(cfg, at(0), at(13));
      const result = await runHistorical({
        repo: repo.path,
        entitySource: "labels",
        timestampField: "event_timestamp",
        features: ["driver_stats:trips"],
        out: join(repo.path, "out", "train.parquet"),
      });
      for (const e of endpoint.events) expectRunEvent(e);
      expect(endpoint.paths.every((p) => p === "POST /api/v1/lineage application/json")).toBe(true);

      const apply = byJob("apply");
      expect(apply.map((e) => e.eventType)).toEqual(["START", "COMPLETE"]);
      const applied = apply[1] as unknown as {
        outputs: { name: string; facets?: { schema?: { fields: unknown[] } } }[];
      };
      expect(applied.outputs.find((o) => o.name === "driver_stats")?.facets?.schema?.fields).toEqual([
        { name: "driver_id", type: "INT64" },
        { name: "trips", type: "INT64" },
        { name: "rating", type: "DOUBLE" },
      ]);

      const mat = byJob("materialize.driver_stats");
      expect(mat.map((e) => e.eventType)).toEqual(["START", "COMPLETE"]);
      expect((mat[0] as unknown as { run: { runId: string } }).run.runId).toBe(
        (mat[1] as unknown as { run: { runId: string } }).run.runId,
      );
      const matDone = mat[1] as unknown as {
        inputs: { namespace: string; name: string }[];
        outputs: { name: string }[];
      };
      expect(matDone.inputs).toContainEqual({
        namespace: "file",
        name: join(repo.path, "data/drivers/a.parquet"),
      });
      expect(matDone.outputs.map((o) => o.name)).toEqual(["lineage_runs.driver_stats"]);

      const hist = byJob("historical_features");
      expect(hist.map((e) => e.eventType)).toEqual(["START", "COMPLETE"]);
      const histDone = hist[1] as unknown as {
        outputs: { namespace: string; name: string; facets: { schema: { fields: { name: string }[] } } }[];
      };
      expect(histDone.outputs[0]).toMatchObject({ namespace: "file", name: result.outputPath });
      expect(histDone.outputs[0]?.facets.schema.fields.map((f) => f.name)).toEqual([
        "driver_id",
        "event_timestamp",
        "trips",
      ]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "emits FAIL with the error when a retrieval fails",
    async () => {
      await expect(
        runHistorical({
          repo: repo.path,
          entitySource: "labels",
          timestampField: "event_timestamp",
          features: ["driver_stats:nope"],
          out: join(repo.path, "out", "bad.parquet"),
        }),
      ).rejects.toThrow(/nope/);
      const failed = byJob("historical_features").at(-1) as unknown as {
        eventType: string;
        run: { facets: { errorMessage: { message: string; _schemaURL: string } } };
      };
      expect(failed.eventType).toBe("FAIL");
      expect(failed.run.facets.errorMessage.message).toMatch(/nope/);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "never fails a run when the endpoint is down: the failure is reported and counted",
    async () => {
      const port = await freePort();
      const cfg = loadRepoConfig(repo.path, {});
      const down: RepoConfig = {
        ...cfg,
        openLineage: { ...cfg.openLineage, transportUrl: `http://127.0.0.1:${port}` },
      };
      const reported = await materializeWindow(down, at(0), at(13));
      // Each failure is counted (the server's fstore_openlineage_emit_failures_total) and logged.
      expect(reported.filter((m) => m === "counted materialize.driver_stats")).toHaveLength(2);
      const logged = reported.filter((m) => !m.startsWith("counted "));
      expect(logged).toHaveLength(2);
      expect(logged[0]).toMatch(
        /START event of job "materialize.driver_stats" not emitted \(1 failed so far\)/,
      );
      // The run itself was recorded as succeeded.
      const registry = await openRegistry(cfg);
      expect((await registry.lastMaterializationRun("driver_stats"))?.outcome).toBe("succeeded");
      await registry.close();
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "appends JSON lines to a file with transport_type file",
    async () => {
      const cfg = loadRepoConfig(repo.path, {});
      const file = join(repo.path, "data", "ol.jsonl");
      const toFile: RepoConfig = {
        ...cfg,
        openLineage: { ...cfg.openLineage, transportType: "file", filePath: file },
      };
      await materializeWindow(toFile, at(0), at(13));
      const lines = readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.eventType)).toEqual(["START", "COMPLETE"]);
      for (const l of lines) expectRunEvent(l);
    },
    CLI_TIMEOUT_MS,
  );
});

/**
 * The Materialize RPC through a real gRPC server and the TypeScript client:
 * progress then a summary, precise statuses for bad requests, and a
 * cancelled call that stops the run without recording an interval.
 */
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoConfig } from "../src/config/types.js";
import { openDuckDb } from "../src/offline/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { Registry } from "../src/registry/registry.js";
import {
  definitions,
  driverSource,
  driverView,
  generateRows,
  HOUR,
  T0,
  tempRepo,
  writeDriverParquet,
} from "./materialize-fixtures.js";
import { startTestServer, type TestServer } from "./support/server.js";

describe("Materialize RPC", () => {
  let config: RepoConfig;
  let registry: Registry;
  let server: TestServer;
  let db: DuckDBInstance;
  const at = (h: number) => new Date(T0 + h * HOUR);

  beforeAll(async () => {
    db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
    config = tempRepo();
    await writeDriverParquet(
      db,
      join(config.repoPath, "data", "small", "part-0.parquet"),
      generateRows(3, 2000, 100),
    );
    await writeDriverParquet(
      db,
      join(config.repoPath, "data", "big", "part-0.parquet"),
      generateRows(4, 200_000, 150_000),
    );
    registry = await openRegistry(config);
    await registry.apply(
      definitions([
        driverView(driverSource("data/small")),
        driverView(driverSource("data/big", "big_source"), 0, "driver_big"),
      ]),
    );
    server = await startTestServer({ config, registry });
  }, 60_000);
  afterAll(async () => {
    await server?.shutdown();
    registry?.close();
    db?.closeSync();
  });

  const collect = async (o: Parameters<TestServer["client"]["materialize"]>[0]) => {
    const events = [];
    for await (const ev of server.client.materialize(o)) events.push(ev);
    return events;
  };

  it("streams progress per view, then a summary with final counts", async () => {
    const events = await collect({ start: at(0), end: at(48), featureViews: ["driver_stats"] });
    const last = events.at(-1);
    expect(last?.kind).toBe("summary");
    expect(events.slice(0, -1).every((e) => e.kind === "progress")).toBe(true);
    const progress = events.flatMap((e) => (e.kind === "progress" ? [e.progress] : []));
    expect(progress.at(-1)).toMatchObject({
      featureView: "driver_stats",
      done: true,
      rowsRead: 2000,
      entitiesWritten: 100,
    });
    expect(progress.at(-1)?.start).toEqual(at(0));
    expect(last?.kind === "summary" && last.views).toEqual([progress.at(-1)]);
    expect(await registry.lastMaterializationRun("driver_stats")).toMatchObject({
      outcome: "succeeded",
      entitiesWritten: 100,
    });
  });

  it("gives precise statuses for bad requests", async () => {
    const cases: [Parameters<TestServer["client"]["materialize"]>[0], number, RegExp][] = [
      [
        { start: at(0), end: at(1), featureViews: ["nope"] },
        status.NOT_FOUND,
        /feature view "nope" not found/,
      ],
      [{ start: at(2), end: at(1) }, status.INVALID_ARGUMENT, /is after end time/],
      [{ end: at(1) }, status.INVALID_ARGUMENT, /start_time is required unless incremental/],
    ];
    for (const [req, code, message] of cases) {
      const err = await collect(req).catch((e) => e);
      expect(err?.code, JSON.stringify(req)).toBe(code);
      expect(err?.details).toMatch(message);
    }
    // The server keeps serving.
    expect(
      (await collect({ end: at(48), incremental: true, featureViews: ["driver_stats"] })).at(-1)?.kind,
    ).toBe("summary");
  });

  it("a cancelled call stops the run: a failed run is recorded and no interval", async () => {
    const controller = new AbortController();
    const err = await (async () => {
      for await (const ev of server.client.materialize(
        { start: at(0), end: at(48), featureViews: ["driver_big"] },
        { signal: controller.signal },
      )) {
        if (ev.kind === "progress") controller.abort();
      }
    })().catch((e) => e);
    expect(err?.code).toBe(status.CANCELLED);
    const until = Date.now() + 20_000;
    while ((await registry.lastMaterializationRun("driver_big")) === undefined && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await registry.lastMaterializationRun("driver_big")).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/cancel|stopped/),
    });
    expect(await registry.materializationIntervals("driver_big")).toEqual([]);
  }, 60_000);
});

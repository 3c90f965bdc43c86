/**
 * Push through a real gRPC server and the TypeScript client, on SQLite and
 * on a real redis-server: each destination, validation that writes nothing,
 * the older-over-newer rule, and atomic offline files that materialization
 * then reads.
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoConfig } from "../src/config/types.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import type { OnlineStore } from "../src/online/online-store.js";
import { openRegistry } from "../src/registry/index.js";
import type { FeatureViewDef, PushSourceDef } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import {
  definitions,
  driverSource,
  driverView,
  generateRows,
  HOUR,
  readDrivers,
  T0,
  tempRepo,
  writeDriverParquet,
} from "./materialize-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";
import { startTestServer, type TestServer } from "./support/server.js";

const cases = [{ store: "sqlite" as const }, { store: "redis" as const }];

let redis: StartedRedis | undefined;
let db: DuckDBInstance;
beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
});
afterAll(async () => {
  db?.closeSync();
  await redis?.close();
});

const at = (h: number) => new Date(T0 + h * HOUR);

function row(id: bigint, h: number, rate: number, name = `n${id}-${h}`) {
  return {
    driver_id: id,
    event_ts: at(h),
    conv_rate: rate,
    trips: BigInt(h) * 10n,
    name,
    active: h % 2 === 0,
    tags: [`h${h}`],
  };
}

/** Rows as push columns. */
function columns(rows: ReturnType<typeof row>[]) {
  return {
    driver_id: rows.map((r) => r.driver_id),
    event_ts: rows.map((r) => r.event_ts),
    conv_rate: rows.map((r) => r.conv_rate),
    trips: rows.map((r) => r.trips),
    name: rows.map((r) => r.name),
    active: rows.map((r) => r.active),
    tags: rows.map((r) => r.tags),
  };
}

function parquetFiles(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder, { recursive: true }).map(String).sort() : [];
}

describe.each(cases)("push on $store", ({ store: kind }) => {
  let config: RepoConfig;
  let registry: Registry;
  let server: TestServer;
  let store: OnlineStore;
  let pushView: FeatureViewDef;
  let statsView: FeatureViewDef;
  let pushedFolder: string;

  beforeAll(async () => {
    if (kind === "redis") redis ??= await startRedis();
    config = tempRepo(kind === "redis" ? { redis: (redis as StartedRedis).connectionString } : undefined);
    pushedFolder = join(config.repoPath, "data", "pushed");
    await writeDriverParquet(
      db,
      join(config.repoPath, "data", "drivers", "part-0.parquet"),
      generateRows(9, 100, 10),
    );
    const push: PushSourceDef = {
      kind: "push",
      name: "driver_push",
      batchSource: driverSource("data/pushed", "driver_pushed_source"),
      description: "",
      tags: {},
      owner: "",
    };
    pushView = driverView(push, 0, "driver_pushed");
    statsView = driverView(driverSource("data/drivers"));
    registry = await openRegistry(config);
    await registry.apply(definitions([pushView, statsView]));
    server = await startTestServer({ config, registry });
    store = createOnlineStore(config);
  });
  afterAll(async () => {
    await server?.shutdown();
    await store?.close();
    registry?.close();
  });

  it("pushes online: the latest row per entity wins, older rows never replace newer ones", async () => {
    const res = await server.client.push({
      source: "driver_push",
      columns: columns([row(1n, 10, 0.1), row(2n, 12, 0.2), row(1n, 8, 0.9)]),
      to: "online",
    });
    expect(res).toEqual({ rows: 3, onlineEntitiesWritten: 2, onlineRowsSkippedStale: 1, offlinePath: "" });
    let got = await readDrivers(store, pushView, [1n, 2n]);
    expect(got.get(1n)?.eventTimeUs).toEqual(at(10).getTime() * 1000);
    expect(got.get(1n)?.values.get("conv_rate")).toBe(0.1);
    expect(got.get(2n)?.values.get("trips")).toBe(120n);

    // Older than stored: skipped. Newer: written. Same time: the incoming row wins.
    const older = await server.client.push({ source: "driver_push", columns: columns([row(1n, 9, 0.5)]) });
    expect(older).toMatchObject({ onlineEntitiesWritten: 0, onlineRowsSkippedStale: 1 });
    expect((await readDrivers(store, pushView, [1n])).get(1n)?.values.get("conv_rate")).toBe(0.1);
    const newer = await server.client.push({
      source: "driver_push",
      columns: columns([row(1n, 11, 0.7), row(2n, 12, 0.3, "again")]),
    });
    expect(newer).toMatchObject({ onlineEntitiesWritten: 2, onlineRowsSkippedStale: 0 });
    got = await readDrivers(store, pushView, [1n, 2n]);
    expect(got.get(1n)?.values.get("conv_rate")).toBe(0.7);
    expect(got.get(2n)?.values.get("name")).toBe("again");
    expect(parquetFiles(pushedFolder)).toEqual([]);
  });

  it("pushes offline as a new Parquet file (no temp file left) without touching the online store", async () => {
    const res = await server.client.push({
      source: "driver_push",
      columns: columns([row(7n, 20, 0.25)]),
      to: "offline",
    });
    expect(res.onlineEntitiesWritten).toBe(0);
    expect(res.offlinePath.startsWith(pushedFolder)).toBe(true);
    expect(parquetFiles(pushedFolder)).toEqual([res.offlinePath.slice(pushedFolder.length + 1)]);
    expect(res.offlinePath.endsWith(".parquet")).toBe(true);
    expect((await readDrivers(store, pushView, [7n])).get(7n)).toBeUndefined();
    const conn = await db.connect();
    const back = (
      await conn.runAndReadAll(`SELECT * FROM read_parquet('${res.offlinePath}')`)
    ).getRowObjectsJS();
    conn.closeSync();
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({
      driver_id: 7n,
      conv_rate: 0.25,
      trips_src: 200n,
      name: "n7-20",
      active: true,
      tags: ["h20"],
    });
    expect(back[0]?.event_ts).toEqual(at(20));
    expect(back[0]?.created).toBeInstanceOf(Date);
  });

  it("pushes to both; materialization then reads pushed files and ignores half-written temp files", async () => {
    const res = await server.client.push({
      source: "driver_push",
      columns: columns([row(8n, 21, 0.5), row(9n, 22, 0.75)]),
      to: "online_and_offline",
    });
    expect(res).toMatchObject({ rows: 2, onlineEntitiesWritten: 2 });
    expect(existsSync(res.offlinePath)).toBe(true);
    // What a process killed mid-write leaves behind: never matched by readers.
    writeFileSync(join(pushedFolder, "push-killed.parquet.tmp"), "PAR1 half a file");
    const events = [];
    for await (const ev of server.client.materialize({
      start: at(0),
      end: at(30),
      featureViews: ["driver_pushed"],
    }))
      events.push(ev);
    const summary = events.at(-1);
    expect(summary?.kind).toBe("summary");
    // Pushed offline rows: driver 7 (offline only) and 8, 9.
    expect(summary?.kind === "summary" && summary.views[0]?.rowsRead).toBe(3);
    const got = await readDrivers(store, pushView, [7n, 8n, 9n]);
    expect(got.get(7n)?.values.get("conv_rate")).toBe(0.25);
    expect(got.get(9n)?.eventTimeUs).toEqual(at(22).getTime() * 1000);
  });

  it("pushes by feature view name into a file source's folder", async () => {
    const res = await server.client.push({
      source: "driver_stats",
      columns: columns([row(3n, 40, 0.5)]),
      to: "online_and_offline",
    });
    expect(res.offlinePath.startsWith(join(config.repoPath, "data", "drivers"))).toBe(true);
    expect((await readDrivers(store, statsView, [3n])).get(3n)?.eventTimeUs).toEqual(at(40).getTime() * 1000);
  });

  it("rejects bad pushes with a precise status and writes nothing anywhere", async () => {
    const before = parquetFiles(pushedFolder);
    const good = columns([row(50n, 30, 0.5)]);
    const { tags: _tags, ...missing } = good;
    const bad: [string, Record<string, unknown[]>, number, RegExp][] = [
      ["missing column", missing, status.INVALID_ARGUMENT, /missing column "tags"/],
      ["extra column", { ...good, surprise: [1n] }, status.INVALID_ARGUMENT, /unexpected column "surprise"/],
      [
        "mistyped column",
        { ...good, trips: ["many"] },
        status.INVALID_ARGUMENT,
        /column "trips" row 0: expected INT64/,
      ],
      [
        "mistyped timestamp",
        { ...good, event_ts: ["yesterday"] },
        status.INVALID_ARGUMENT,
        /column "event_ts" row 0/,
      ],
      ["unequal lengths", { ...good, name: ["a", "b"] }, status.INVALID_ARGUMENT, /"name" has 2 values/],
      ["null join key", { ...good, driver_id: [null] }, status.INVALID_ARGUMENT, /"driver_id" row 0 is null/],
    ];
    for (const [what, cols, code, message] of bad) {
      for (const to of ["online", "offline", "online_and_offline"] as const) {
        const err = await server.client
          .push({ source: "driver_push", columns: cols as never, to })
          .catch((e) => e);
        expect(err?.code, `${what} to ${to}`).toBe(code);
        expect(err?.details, `${what} to ${to}`).toMatch(message);
      }
    }
    const unknown = await server.client.push({ source: "nope", columns: good }).catch((e) => e);
    expect(unknown?.code).toBe(status.NOT_FOUND);
    expect(unknown?.details).toMatch(/"nope"/);
    expect(parquetFiles(pushedFolder)).toEqual(before);
    expect((await readDrivers(store, pushView, [50n])).get(50n)).toBeUndefined();
  });
});

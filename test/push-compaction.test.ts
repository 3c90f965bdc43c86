/**
 * Offline push compaction on real Parquet: many single-row pushes (with ties
 * in event and created time, broken by file order) merged into one file give
 * the same materialized values and the same point-in-time training set, byte
 * for byte; a pinned retrieval defers the swap; and a server compacts its
 * pushes in the background, keeping the folder small.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RepeatedValueSchema, ValueType } from "../gen/fstore/v1/value_pb.js";
import type { RepoConfig } from "../src/config/types.js";
import { materialize } from "../src/materialize/index.js";
import { createOfflineStore, openDuckDb } from "../src/offline/index.js";
import { createOnlineStore } from "../src/online/index.js";
import { compactFolder, push, RetrievalPins, sharedPushCompactor } from "../src/push/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { FeatureViewDef, PushSourceDef } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import { toValue } from "../src/values/index.js";
import {
  definitions,
  driverSource,
  driverView,
  HOUR,
  readDrivers,
  T0,
  tempRepo,
} from "./materialize-fixtures.js";
import { startTestServer } from "./support/server.js";

let db: DuckDBInstance;
beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
});
afterAll(() => {
  db?.closeSync();
});

const IDS = [1n, 2n, 3n, 4n, 5n];
const col = (values: unknown[], t: ValueType) =>
  create(RepeatedValueSchema, { val: values.map((v) => toValue(v as never, t)) });

async function setup(): Promise<{
  config: RepoConfig;
  registry: Registry;
  view: FeatureViewDef;
  folder: string;
}> {
  const config = tempRepo();
  const source: PushSourceDef = {
    kind: "push",
    name: "driver_push",
    batchSource: driverSource("data/pushed", "driver_pushed_source"),
    description: "",
    tags: {},
    owner: "",
  };
  const view = driverView(source, 0, "driver_pushed");
  const registry = await openRegistry(config);
  await registry.apply(definitions([view]));
  return { config, registry, view, folder: join(config.repoPath, "data", "pushed") };
}

/**
 * `n` single-row offline pushes over the same few event times, so event times
 * tie and created times (the push's time, distinct per push) break the ties.
 * (With created times tied too, a point-in-time join may return either row:
 * nothing orders them.)
 */
async function pushMany(config: RepoConfig, registry: Registry, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const pushedAt = new Date(T0 + 100 * HOUR + i * 1000);
    const id = IDS[i % IDS.length] as bigint;
    await push(
      {
        config,
        registry,
        onlineStore: () => {
          throw new Error("offline only");
        },
        duckdb: async () => db,
        now: () => pushedAt,
      },
      {
        name: "driver_push",
        to: "offline",
        columns: {
          driver_id: col([id], ValueType.INT64),
          event_ts: col([new Date(T0 + (i % 4) * HOUR)], ValueType.UNIX_TIMESTAMP),
          conv_rate: col([i / 100], ValueType.DOUBLE),
          trips: col([BigInt(i)], ValueType.INT64),
          name: col([`push-${i}`], ValueType.STRING),
          active: col([i % 2 === 0], ValueType.BOOL),
          tags: col([[`t${i}`]], ValueType.STRING_LIST),
        },
      },
    );
  }
}

/** The online values after materializing the whole history into a fresh SQLite store. */
async function materialized(config: RepoConfig, registry: Registry, view: FeatureViewDef, file: string) {
  const onlineStore = createOnlineStore({
    ...config,
    onlineStore: { type: "sqlite", path: join(config.repoPath, file) },
  });
  try {
    for await (const _ of materialize(
      { config, registry, onlineStore, duckdb: async () => db },
      { start: new Date(T0 - HOUR), end: new Date(T0 + 10 * HOUR), incremental: false },
    )) {
      // drained
    }
    return await readDrivers(onlineStore, view, IDS);
  } finally {
    await onlineStore.close();
  }
}

/** The training set's bytes for entity rows at every hour of the pushes (strict and not). */
async function trainingSet(config: RepoConfig, registry: Registry): Promise<Buffer> {
  const store = createOfflineStore({
    repoPath: config.repoPath,
    outputDir: join(config.repoPath, "out"),
    duckdb: db,
  });
  const times = [0, 1, 2, 3, 4].map((h) => ({ seconds: BigInt((T0 + h * HOUR) / 1000), nanos: 0 }));
  const parts: Buffer[] = [];
  for (const strict of [false, true]) {
    for await (const ev of store.streamHistorical(
      {
        snapshot: registry.snapshot(),
        selection: {
          kind: "features",
          refs: ["driver_pushed:conv_rate", "driver_pushed:name", "driver_pushed:trips"],
        },
        entities: {
          kind: "inline",
          columns: {
            driver_id: col(
              IDS.flatMap((id) => times.map(() => id)),
              ValueType.INT64,
            ),
          },
          timestamps: IDS.flatMap(() => times) as never,
        },
        fullFeatureNames: false,
        options: { strict, dropUnmatched: false, excludeCreatedAfter: false, includeFeatureTimestamps: true },
      },
      1000,
    )) {
      if (ev.kind === "batch") parts.push(Buffer.from(ev.encoded));
    }
  }
  return Buffer.concat(parts);
}

describe("offline push compaction", () => {
  it("merges small pushed files with identical materialized and point-in-time results", async () => {
    const { config, registry, view, folder } = await setup();
    try {
      await pushMany(config, registry, 40);
      expect(readdirSync(folder)).toHaveLength(40);
      const onlineBefore = await materialized(config, registry, view, "before.db");
      const setBefore = await trainingSet(config, registry);
      expect((await trainingSet(config, registry)).equals(setBefore), "deterministic").toBe(true);
      const r = await compactFolder(db, folder, new RetrievalPins(), {
        minFiles: 4,
        smallFileBytes: 8 << 20,
      });
      expect(r).toEqual({ removed: 39, deferred: 0 });
      expect(readdirSync(folder)).toHaveLength(1);
      expect(await materialized(config, registry, view, "after.db")).toEqual(onlineBefore);
      expect((await trainingSet(config, registry)).equals(setBefore)).toBe(true);
      expect([...onlineBefore.values()].every((row) => row !== undefined)).toBe(true);

      // A retrieval in flight defers the swap; the merge happens once it ends.
      await pushMany(config, registry, 6, 40);
      const pins = new RetrievalPins();
      const unpin = pins.pin();
      expect(await compactFolder(db, folder, pins, { minFiles: 4, smallFileBytes: 8 << 20 })).toEqual({
        removed: 0,
        deferred: 1,
      });
      expect(readdirSync(folder)).toHaveLength(7);
      unpin();
      expect(await compactFolder(db, folder, pins, { minFiles: 4, smallFileBytes: 8 << 20 })).toEqual({
        removed: 6,
        deferred: 0,
      });
      expect(readdirSync(folder)).toHaveLength(1);
      const all = await materialized(config, registry, view, "all.db");
      await pushMany(config, registry, 0);
      expect(all.size).toBe(IDS.length);
    } finally {
      await registry.close();
    }
  });

  it("a server compacts offline pushes in the background", async () => {
    const { config, registry, folder } = await setup();
    const server = await startTestServer({ config, registry });
    try {
      for (let i = 0; i < 60; i++) {
        await server.client.push({
          source: "driver_push",
          to: "offline",
          columns: {
            driver_id: [BigInt(i % 5)],
            event_ts: [new Date(T0 + i * 1000)],
            conv_rate: [i / 10],
            trips: [BigInt(i)],
            name: [`n${i}`],
            active: [true],
            tags: [["a"]],
          },
        });
      }
      const deps = server.server.deps;
      await sharedPushCompactor(deps.resources, async () => db).idle();
      const files = readdirSync(folder).filter((n) => n.endsWith(".parquet"));
      // Default: a run of 16 small files is merged; at most 15 stay unmerged after the last run.
      expect(files.length).toBeLessThan(16 + 1);
      expect(files.length).toBeGreaterThan(0);
    } finally {
      await server.shutdown();
      await registry.close();
    }
  });
});

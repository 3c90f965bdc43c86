/**
 * The write rules (values/write-rules.ts) through a real server on SQLite and
 * on a real redis-server: hostile event times and non-finite numbers are
 * INVALID_ARGUMENT naming the row and column, and a rejected push writes
 * nothing online or offline; a far-future value cannot pin an entity.
 * Materialize refuses windows past now plus the skew and non-finite source
 * values. Requests are sent as raw bytes, so values no typed client would
 * build (int64 max seconds) reach the server.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DuckDBInstance } from "@duckdb/node-api";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PushRequestSchema, PushResponseSchema, PushTo } from "../gen/fstore/v1/feature_service_pb.js";
import { StringListSchema, type Value } from "../gen/fstore/v1/value_pb.js";
import type { RepoConfig } from "../src/config/types.js";
import type { FstoreError } from "../src/errors/index.js";
import { createRawClient, type RawClient } from "../src/fuzz/index.js";
import { materialize } from "../src/materialize/index.js";
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

let redis: StartedRedis | undefined;
let db: DuckDBInstance;
beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "256MB" });
});
afterAll(async () => {
  db?.closeSync();
  await redis?.close();
});

const i64 = (n: bigint): Value["val"] => ({ case: "int64Val", value: n });
const dbl = (n: number): Value["val"] => ({ case: "doubleVal", value: n });
const ts = (s: bigint): Value["val"] => ({ case: "unixTimestampVal", value: s });
const str = (s: string): Value["val"] => ({ case: "stringVal", value: s });
const bool = (b: boolean): Value["val"] => ({ case: "boolVal", value: b });
const col = (vals: Value["val"][]) => ({ val: vals.map((val) => ({ val })) });
const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));

/** A one-row push of driver `id` at `time` (seconds) with conv_rate `rate`, as request bytes. */
function pushBytes(id: bigint, time: Value["val"], rate: number, to: PushTo): Uint8Array {
  return toBinary(
    PushRequestSchema,
    create(PushRequestSchema, {
      pushSourceName: "driver_push",
      to,
      columns: {
        driver_id: col([i64(id)]),
        event_ts: col([time]),
        conv_rate: col([dbl(rate)]),
        trips: col([i64(1n)]),
        name: col([str("n")]),
        active: col([bool(true)]),
        tags: col([{ case: "stringListVal", value: create(StringListSchema, { val: ["a"] }) }]),
      },
    }),
  );
}

function files(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).sort() : [];
}

describe.each([{ store: "sqlite" as const }, { store: "redis" as const }])(
  "write rules on $store",
  ({ store: kind }) => {
    let config: RepoConfig;
    let registry: Registry;
    let server: TestServer;
    let raw: RawClient;
    let store: OnlineStore;
    let pushView: FeatureViewDef;
    let pushedFolder: string;

    beforeAll(async () => {
      if (kind === "redis") redis ??= await startRedis();
      config = tempRepo(kind === "redis" ? { redis: (redis as StartedRedis).connectionString } : undefined);
      pushedFolder = join(config.repoPath, "data", "pushed");
      const push: PushSourceDef = {
        kind: "push",
        name: "driver_push",
        batchSource: driverSource("data/pushed", "driver_pushed_source"),
        description: "",
        tags: {},
        owner: "",
      };
      pushView = driverView(push, 0, "driver_pushed");
      registry = await openRegistry(config);
      await registry.apply(definitions([pushView]));
      server = await startTestServer({ config, registry });
      raw = createRawClient(server.address);
      store = createOnlineStore(config);
    });
    afterAll(async () => {
      raw?.close();
      await server?.shutdown();
      await store?.close();
      registry?.close();
    });

    it("rejects hostile event times and non-finite numbers, naming the row and column, writing nothing", async () => {
      const hostile: [string, Value["val"], number, RegExp][] = [
        [
          "1e15 s",
          ts(10n ** 15n),
          0.5,
          /column "event_ts" row 0: the event time is not a representable instant/,
        ],
        ["int64 max", i64(2n ** 63n - 1n), 0.5, /column "event_ts" row 0/],
        ["int64 min", i64(-(2n ** 63n)), 0.5, /column "event_ts" row 0/],
        ["2^53+1", i64(2n ** 53n + 1n), 0.5, /column "event_ts" row 0/],
        [
          "9999-12-31",
          ts(253402300799n),
          0.5,
          /column "event_ts" row 0: event time 9999-12-31T23:59:59.000Z is outside/,
        ],
        [
          "before 1970",
          ts(-1n),
          0.5,
          /column "event_ts" row 0: event time 1969-12-31T23:59:59.000Z is outside/,
        ],
        [
          "two days ahead",
          ts(nowSeconds() + 2n * 86_400n),
          0.5,
          /column "event_ts" row 0: event time .* is outside/,
        ],
        ["NaN", ts(nowSeconds() - 60n), Number.NaN, /column "conv_rate" row 0: NaN is not a finite number/],
        ["+Inf", ts(nowSeconds() - 60n), Number.POSITIVE_INFINITY, /column "conv_rate" row 0: Infinity/],
        ["-Inf", ts(nowSeconds() - 60n), Number.NEGATIVE_INFINITY, /column "conv_rate" row 0: -Infinity/],
      ];
      for (const [what, time, rate, message] of hostile) {
        for (const to of [PushTo.ONLINE, PushTo.OFFLINE, PushTo.ONLINE_AND_OFFLINE]) {
          const r = await raw.call("Push", pushBytes(77n, time, rate, to));
          expect(r.code, `${what} to ${PushTo[to]}: ${r.details}`).toBe(status.INVALID_ARGUMENT);
          expect(r.details, what).toMatch(message);
        }
      }
      expect(files(pushedFolder)).toEqual([]);
      expect((await readDrivers(store, pushView, [77n])).get(77n)).toBeUndefined();
    });

    it("a push with a far-future time cannot pin a value: later pushes replace the value", async () => {
      const pinned = await raw.call("Push", pushBytes(78n, ts(253402300799n), 9, PushTo.ONLINE));
      expect(pinned.code).toBe(status.INVALID_ARGUMENT);
      const now = nowSeconds();
      for (const [t, rate] of [
        [now - 120n, 0.25],
        [now - 60n, 0.5],
      ] as const) {
        const r = await raw.call("Push", pushBytes(78n, ts(t), rate, PushTo.ONLINE));
        expect(r.code, r.details).toBe(0);
        const res = fromBinary(PushResponseSchema, r.messages[0] as Uint8Array);
        expect(res.onlineRowsSkippedStale).toBe(0n);
        expect(res.onlineEntitiesWritten).toBe(1n);
      }
      const stored = (await readDrivers(store, pushView, [78n])).get(78n);
      expect(stored?.values.get("conv_rate")).toBe(0.5);
    });

    it("accepts an event time within the allowed skew", async () => {
      const r = await raw.call(
        "Push",
        pushBytes(79n, ts(nowSeconds() + 3600n), 0.75, PushTo.ONLINE_AND_OFFLINE),
      );
      expect(r.code, r.details).toBe(0);
      expect(files(pushedFolder)).toHaveLength(1);
    });
  },
);

describe("materialize write rules", () => {
  it("refuses a window past now plus the skew, and a non-finite source value, naming the column", async () => {
    const config = tempRepo();
    const rows = generateRows(3, 40, 10, 0, 48);
    const bad = rows[17];
    if (!bad) throw new Error("no row");
    // The entity's latest row, so it is the one materialization would write.
    bad.conv_rate = Number.NaN;
    bad.event_ts = new Date(T0 + 60 * HOUR);
    bad.created = bad.event_ts;
    await writeDriverParquet(db, join(config.repoPath, "data", "drivers", "part-0.parquet"), rows);
    const registry = await openRegistry(config);
    const view = driverView(driverSource("data/drivers"));
    await registry.apply(definitions([view]));
    const onlineStore = createOnlineStore(config);
    const ctx = { config, registry, onlineStore, duckdb: async () => db };
    const drain = async (req: Parameters<typeof materialize>[1]) => {
      try {
        for await (const _ of materialize(ctx, req)) {
          // drained
        }
      } catch (err) {
        return err as FstoreError;
      }
      return undefined;
    };
    try {
      const future = await drain({ end: new Date(Date.now() + 2 * 86_400_000), incremental: true });
      expect(future?.code).toBe("INVALID_ARGUMENT");
      expect(future?.message).toMatch(
        /end time .* is later than now plus write_rules.max_future_skew_seconds/,
      );
      const early = await drain({ start: new Date(-1000), end: new Date(), incremental: false });
      expect(early?.message).toMatch(/start time 1969-12-31T23:59:59.000Z is before 1970/);
      const nonFinite = await drain({ start: new Date(0), end: new Date(), incremental: false });
      expect(nonFinite?.code, nonFinite?.message).toBe("INVALID_ARGUMENT");
      expect(nonFinite?.message).toMatch(
        new RegExp(
          `column "conv_rate" holds nan in the source row of entity \\(${bad.driver_id}\\) at event time`,
          "i",
        ),
      );
      expect(await registry.materializationIntervals(view.name)).toEqual([]);
      // The view may allow them: then the run succeeds and NaN is served.
      await registry.apply(definitions([{ ...view, tags: { "fstore.allow_non_finite": "true" } }]));
      expect(await drain({ start: new Date(0), end: new Date(), incremental: false })).toBeUndefined();
    } finally {
      await onlineStore.close();
      await registry.close();
    }
  });
});

/**
 * ValidateConsistency through a real gRPC server, on a real redis-server (the
 * test starts it) and on SQLite, after a real materialization. The online
 * state is then changed behind the store's back (raw Redis commands / raw
 * SQLite statements) or through writeOnlineRows, and the report must say exactly
 * what changed. Expected counts are hand-made from those changes.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsistencyReport } from "../clients/typescript/src/index.js";
import { FstoreClientError } from "../clients/typescript/src/index.js";
import type { RepoConfig } from "../src/config/types.js";
import { materialize } from "../src/materialize/index.js";
import { openDuckDb } from "../src/offline/index.js";
import { createOnlineStore, serializeEntityKey, writeOnlineRows } from "../src/online/index.js";
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
import { type StartedRedis, startRedis } from "./support/redis.js";
import { startTestServer, type TestServer, testConfig } from "./support/server.js";

const DRIVERS = 30;
const HOURS = 5;
/** The materialized window ends half an hour after the last hourly row, so late rows can land inside it. */
const WINDOW_END = T0 + (HOURS - 1) * HOUR + HOUR / 2;
const VIEW = "driver_stats";

let redis: StartedRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.close();
});

interface Harness {
  repo: string;
  config: RepoConfig;
  registry: Registry;
  store: OnlineStore;
  server: TestServer;
  rows: DriverRow[];
  latest: Map<bigint, DriverRow>;
  /** Deletes an entity's online row with a raw store command. */
  rawDelete(id: bigint): Promise<void>;
  /** Copies entity `from`'s stored row bytes over entity `to`'s, with raw store commands. */
  rawCopy(from: bigint, to: bigint): Promise<void>;
  close(): Promise<void>;
}

type StoreKind = "redis" | "redis-feast" | "sqlite";

async function harness(kind: StoreKind): Promise<Harness> {
  const repo = tempRepo();
  const rows = generateRows(DRIVERS, HOURS, kind === "sqlite" ? 12 : 11);
  await writeParquet(join(repo, "data", "drivers", "part-0.parquet"), rows);
  const project = `cons_${kind.replace("-", "_")}_${Math.floor(Math.random() * 1e9)}`;
  const onlineStore =
    kind === "sqlite"
      ? { type: "sqlite", path: "data/online.db" }
      : {
          type: "redis",
          connection_string: redis.connectionString,
          layout: kind === "redis-feast" ? "feast" : "packed",
        };
  const config = testConfig(repo, {
    project,
    online_store: onlineStore,
    materialization: { schedule: "off" },
  });
  const registry = await openRegistry(config);
  await registry.apply(driverDefinitions("data/drivers"));
  const store = createOnlineStore(config);
  const db = await openDuckDb({ threads: 2 });
  try {
    for await (const _ of materialize(
      { config, registry, onlineStore: store, duckdb: async () => db },
      { start: new Date(T0), end: new Date(WINDOW_END), incremental: false },
    )) {
      // progress events are not needed here
    }
  } finally {
    db.closeSync();
  }
  const view = registry.snapshot().featureViews.get(VIEW);
  if (!view) throw new Error("view missing");
  const server = await startTestServer({ config, registry });
  const keyOf = (id: bigint) => serializeEntityKey(view.entityColumns, [id]);
  const raw = kind !== "sqlite" ? new Redis(redis.port, "127.0.0.1") : undefined;
  const sqlite =
    kind === "sqlite"
      ? new Database(config.onlineStore.type === "sqlite" ? config.onlineStore.path : "")
      : undefined;
  const redisKey = (id: bigint) => Buffer.concat([keyOf(id), Buffer.from(project, "utf8")]);
  const sqliteKey = (id: bigint): Buffer => {
    const prefix = keyOf(id);
    const keys = sqlite
      ?.prepare("SELECT entity_key FROM online_rows WHERE view = ?")
      .pluck()
      .all(VIEW) as Buffer[];
    const found = keys.find(
      (k) => k.subarray(0, prefix.length).equals(prefix) && k.length - prefix.length <= project.length,
    );
    if (!found) throw new Error(`no sqlite row for ${id}`);
    return found;
  };
  return {
    repo,
    config,
    registry,
    store,
    server,
    rows,
    latest: latestRows(rows, T0, WINDOW_END),
    async rawDelete(id) {
      if (raw) expect(await raw.del(redisKey(id))).toBe(1);
      else
        sqlite?.prepare("DELETE FROM online_rows WHERE view = ? AND entity_key = ?").run(VIEW, sqliteKey(id));
    },
    async rawCopy(from, to) {
      if (raw) {
        // The whole hash: the packed layout's one field per view, or Feast's per-feature fields and _ts field.
        // (As a flat reply of buffers: Feast's field names are binary and would not survive string keys.)
        const flat = (await raw.callBuffer("HGETALL", redisKey(from))) as Buffer[];
        if (flat.length === 0) throw new Error("nothing stored");
        await raw.del(redisKey(to));
        await raw.hset(redisKey(to), ...flat);
      } else {
        sqlite
          ?.prepare(
            "UPDATE online_rows SET row = (SELECT row FROM online_rows WHERE view = ? AND entity_key = ?), " +
              "event_ts = (SELECT event_ts FROM online_rows WHERE view = ? AND entity_key = ?) WHERE view = ? AND entity_key = ?",
          )
          .run(VIEW, sqliteKey(from), VIEW, sqliteKey(from), VIEW, sqliteKey(to));
      }
    },
    async close() {
      raw?.disconnect();
      sqlite?.close();
      await server.shutdown();
      await store.close();
      await registry.close();
    },
  };
}

function feature(report: ConsistencyReport, name: string) {
  const f = report.features.find((x) => x.feature === name);
  if (!f) throw new Error(`no ${name}`);
  return f;
}

/** Bytes as plain number arrays, so a client's Buffer and a fixture's Uint8Array compare equal. */
function plain(v: unknown): unknown {
  return v instanceof Uint8Array ? { bytes: [...v] } : v;
}

function valuesOf(row: DriverRow) {
  return FEATURES.map((f) => row.values[f.name] ?? null);
}

describe.each(["redis", "redis-feast", "sqlite"] as const)("ValidateConsistency on %s", (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  const view = () => h.registry.snapshot().featureViews.get(VIEW) as FeatureViewDef;

  it("passes with 0 mismatches right after materialization", async () => {
    const report = await h.server.client.validateConsistency({});
    expect(report.passed).toBe(true);
    expect(report.entitiesChecked).toBe(DRIVERS);
    expect(report.tolerance).toBe(1e-6);
    for (const f of report.features) {
      expect(f).toMatchObject({
        compared: DRIVERS,
        equal: DRIVERS,
        mismatched: 0,
        staleOnline: 0,
        missingOnline: 0,
      });
      expect(f).toMatchObject({ onlineOnly: 0, mismatchRate: 0, passed: true });
    }
    // Sampling the offline keys finds the same.
    expect((await h.server.client.validateConsistency({ sampleFrom: "offline" })).passed).toBe(true);
  });

  it("reports a value changed behind the store's back as mismatched, with the example", async () => {
    // Driver 1004's stored bytes copied over driver 1005's: 1005 now shows 1004's values at 1004's time.
    await h.rawCopy(1004n, 1005n);
    // And a value rewritten through the store at the same event time.
    const victim = h.latest.get(1003n) as DriverRow;
    const values = valuesOf(victim);
    values[2] = "tampered";
    await writeOnlineRows(h.store, view(), [
      { entityKey: [1003n], eventTimeUs: victim.eventMs * 1000, values },
    ]);

    const report = await h.server.client.validateConsistency({ featureViews: [VIEW] });
    expect(report.passed).toBe(false);
    // avatar's first byte is the driver number, so 1004's avatar differs from 1005's for sure.
    const avatar = feature(report, "avatar");
    expect(avatar).toMatchObject({ compared: DRIVERS, mismatched: 1, equal: DRIVERS - 1, passed: false });
    const ex = avatar.examples[0];
    const from = h.latest.get(1004n) as DriverRow;
    // Driver 1005 has a tie at that time: the later created row is the offline truth.
    const offline1005 = h.rows
      .filter((r) => r.driverId === 1005n && r.eventMs === from.eventMs)
      .sort((a, b) => b.createdMs - a.createdMs)[0] as DriverRow;
    expect(ex?.kind).toBe("mismatched");
    expect(ex?.entityKey).toEqual({ driver_id: 1005n });
    expect(plain(ex?.onlineValue)).toEqual(plain(from.values.avatar));
    expect(plain(ex?.offlineValue)).toEqual(plain(offline1005.values.avatar));
    expect(ex?.onlineEventTimestamp).toEqual(new Date(from.eventMs));
    const name = feature(report, "name");
    expect(name.mismatched).toBeGreaterThanOrEqual(2);
    const tampered = name.examples.find((e) => e.entityKey.driver_id === 1003n);
    expect(tampered).toMatchObject({
      kind: "mismatched",
      onlineValue: "tampered",
      offlineValue: victim.values.name,
    });

    // Restore both for the next cases.
    await writeOnlineRows(h.store, view(), [
      { entityKey: [1003n], eventTimeUs: victim.eventMs * 1000, values: valuesOf(victim) },
      {
        entityKey: [1005n],
        eventTimeUs: (h.latest.get(1005n) as DriverRow).eventMs * 1000,
        values: valuesOf(h.latest.get(1005n) as DriverRow),
      },
    ]);
    expect((await h.server.client.validateConsistency({})).passed).toBe(true);
  });

  it("reports a value written online only (after the window, no offline row) as online-only", async () => {
    const at = new Date(WINDOW_END + 2 * HOUR);
    const base = h.latest.get(1007n) as DriverRow;
    await writeOnlineRows(h.store, view(), [
      { entityKey: [1007n], eventTimeUs: at.getTime() * 1000, values: valuesOf(base) },
    ]);
    const report = await h.server.client.validateConsistency({ entities: { driver_id: [1007n, 1008n] } });
    expect(report.entitiesChecked).toBe(2);
    for (const f of report.features) {
      expect(f).toMatchObject({ compared: 2, equal: 1, onlineOnly: 1, passed: false });
      expect(f.examples[0]).toMatchObject({
        kind: "online_only",
        onlineEventTimestamp: at,
        offlineValue: null,
      });
    }
  });

  it("reports a row pushed online only through the Push RPC as online-only", async () => {
    const at = new Date(WINDOW_END + 3 * HOUR);
    const base = h.latest.get(1009n) as DriverRow;
    const pushed = await h.server.client.push({
      source: VIEW,
      to: "online",
      columns: {
        driver_id: [1009n],
        event_timestamp: [at],
        ...Object.fromEntries(FEATURES.map((f) => [f.name, [base.values[f.name] ?? null]])),
      },
    });
    expect(pushed.onlineEntitiesWritten).toBe(1);
    const report = await h.server.client.validateConsistency({ entities: { driver_id: [1009n] } });
    for (const f of report.features) {
      expect(f).toMatchObject({ compared: 1, equal: 0, onlineOnly: 1, passed: false });
      expect(f.examples[0]).toMatchObject({
        kind: "online_only",
        onlineEventTimestamp: at,
        offlineValue: null,
      });
    }
  });

  it("reports a deleted online key as missing online", async () => {
    await h.rawDelete(1011n);
    const report = await h.server.client.validateConsistency({ entities: { driver_id: [1011n, 1012n] } });
    const expected = h.latest.get(1011n) as DriverRow;
    for (const f of report.features) {
      expect(f).toMatchObject({ compared: 2, equal: 1, missingOnline: 1, passed: false });
      expect(f.examples[0]).toMatchObject({
        kind: "missing_online",
        onlineValue: null,
        offlineEventTimestamp: new Date(expected.eventMs),
      });
      expect(plain(f.examples[0]?.offlineValue)).toEqual(plain(expected.values[f.feature] ?? null));
    }
  });

  it("reports an online value older than a late offline row inside the window as stale", async () => {
    const late: DriverRow = {
      driverId: 1013n,
      eventMs: WINDOW_END - HOUR / 4,
      createdMs: WINDOW_END + HOUR,
      values: { ...(h.latest.get(1013n) as DriverRow).values, name: "late" },
    };
    await writeParquet(join(h.repo, "data", "drivers", "part-1-late.parquet"), [late]);
    const report = await h.server.client.validateConsistency({ entities: { driver_id: [1013n, 1014n] } });
    const name = feature(report, "name");
    expect(name).toMatchObject({ compared: 2, equal: 1, staleOnline: 1, passed: false });
    expect(name.examples[0]).toMatchObject({
      kind: "stale_online",
      onlineEventTimestamp: new Date((h.latest.get(1013n) as DriverRow).eventMs),
      offlineEventTimestamp: new Date(late.eventMs),
      offlineValue: "late",
    });
  });

  it("applies the threshold: passes at exactly the rate, fails just under it", async () => {
    // 1007 and 1009 (online only), 1011 (missing), 1013 (stale) fail among all sampled offline keys.
    const all = await h.server.client.validateConsistency({ sampleFrom: "offline", featureViews: [VIEW] });
    const name = feature(all, "name");
    expect(name).toMatchObject({ compared: DRIVERS, onlineOnly: 2, missingOnline: 1, staleOnline: 1 });
    const rate = 4 / DRIVERS;
    expect(name.mismatchRate).toBeCloseTo(rate, 15);
    const at = await h.server.client.validateConsistency({
      sampleFrom: "offline",
      maxMismatchRate: name.mismatchRate,
    });
    expect(at.passed).toBe(true);
    const under = await h.server.client.validateConsistency({
      sampleFrom: "offline",
      maxMismatchRate: name.mismatchRate * 0.999,
    });
    expect(under.passed).toBe(false);
  });

  it("checks exactly the selected features: references, or a feature service", async () => {
    const byRef = await h.server.client.validateConsistency({ features: [`${VIEW}:trips`, `${VIEW}:name`] });
    expect(byRef.features.map((f) => `${f.featureView}:${f.feature}`).sort()).toEqual(
      [`${VIEW}:name`, `${VIEW}:trips`].sort(),
    );
    const byService = await h.server.client.validateConsistency({ featureServices: ["driver_model"] });
    expect(byService.features.map((f) => f.feature).sort()).toEqual(["conv_rate", "trips"]);
    expect(byService.features.every((f) => f.compared > 0)).toBe(true);
  });

  it("answers bad input with precise gRPC statuses and keeps serving", async () => {
    const status = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FstoreClientError);
      return err as FstoreClientError;
    };
    const unknownView = await status(h.server.client.validateConsistency({ featureViews: ["nope"] }));
    expect(unknownView.codeName).toBe("NOT_FOUND");
    expect(unknownView.message).toMatch(/feature view "nope" not found/);
    const unknownService = await status(h.server.client.validateConsistency({ featureServices: ["nope"] }));
    expect(unknownService.codeName).toBe("NOT_FOUND");
    const both = await status(
      h.server.client.raw.validateConsistency({
        selection: { features: [`${VIEW}:trips`], featureServices: ["driver_model"] },
      }),
    );
    expect(both.codeName).toBe("INVALID_ARGUMENT");
    expect(both.message).toMatch(/give feature references or feature services, not both/);
    const huge = await status(h.server.client.validateConsistency({ sampleSize: 2_000_000 }));
    expect(huge.codeName).toBe("INVALID_ARGUMENT");
    // The server's own bound (server.max_validate_entities, 10,000 by default) comes before the
    // sample limit of 1,000,000 that in-process validation has (validate-options.spec.ts).
    expect(huge.message).toMatch(
      /sample_size 2000000 is above 10000 entities per call \(server\.max_validate_entities\)/,
    );
    const negative = await status(h.server.client.validateConsistency({ tolerance: -0.5 }));
    expect(negative.codeName).toBe("INVALID_ARGUMENT");
    expect(negative.message).toMatch(/tolerance must be a finite number >= 0/);
    const rate = await status(h.server.client.validateConsistency({ maxMismatchRate: 2 }));
    expect(rate.codeName).toBe("INVALID_ARGUMENT");
    // sample_size 0 over gRPC means the default (proto3 cannot tell it from unset).
    expect((await h.server.client.validateConsistency({ sampleSize: 0 })).entitiesChecked).toBeGreaterThan(0);
  });
});

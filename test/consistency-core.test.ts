/**
 * Consistency validation end to end below the server: real Parquet read by a
 * real DuckDB, a real SQLite registry, and an online store (the in-memory
 * stand-in here; Redis and SQLite in consistency-stores.test.ts). Expected
 * counts are hand-made from how the online state was changed.
 */
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RepeatedValueSchema, ValueSchema } from "../gen/fstore/v1/value_pb.js";
import type { ConsistencyReport, FeatureReport } from "../src/consistency/index.js";
import { type ValidateConsistencyInput, validateConsistency } from "../src/consistency/index.js";
import { Code, FstoreError } from "../src/errors/index.js";
import { writeOnlineRows } from "../src/online/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { Registry } from "../src/registry/registry.js";
import type { NativeValue } from "../src/values/index.js";
import {
  type DriverRow,
  driverDefinitions,
  FEATURES,
  generateRows,
  HOUR,
  latestRows,
  MemoryOnlineStore,
  materializeByHand,
  rng,
  T0,
  tempRepo,
  writeParquet,
} from "./consistency-fixtures.js";
import { testConfig } from "./support/server.js";

const DRIVERS = 40;
const HOURS = 6;
const WINDOW_END = T0 + (HOURS - 1) * HOUR;

let repo: string;
let rows: DriverRow[];
let db: DuckDBInstance;
let registry: Registry;

beforeAll(async () => {
  repo = tempRepo();
  rows = generateRows(DRIVERS, HOURS);
  await writeParquet(join(repo, "data", "driver_stats.parquet"), rows);
  registry = await openRegistry(testConfig(repo));
  await registry.apply(driverDefinitions("data/driver_stats.parquet"));
  db = await DuckDBInstance.create(":memory:");
});

afterAll(() => {
  registry?.close();
  db?.closeSync();
});

function view() {
  const v = registry.snapshot().featureViews.get("driver_stats");
  if (!v) throw new Error("driver_stats not applied");
  return v;
}

async function validate(
  store: MemoryOnlineStore,
  input: Partial<ValidateConsistencyInput> = {},
  reg: Registry = registry,
): Promise<ConsistencyReport> {
  return validateConsistency(
    {
      repoPath: repo,
      snapshot: reg.snapshot(),
      registry: reg,
      onlineStore: store,
      connect: () => db.connect(),
    },
    { featureViews: [], sampleFrom: "online", options: {}, ...input },
  );
}

function feature(report: ConsistencyReport, name: string): FeatureReport {
  const f = report.features.find((x) => x.feature === name);
  if (!f) throw new Error(`no ${name} in report`);
  return f;
}

/** A fresh store, materialized by hand over the whole data, and a registry with that interval only. */
async function materialized(): Promise<{
  store: MemoryOnlineStore;
  latest: Map<bigint, DriverRow>;
  reg: Registry;
}> {
  const dir = tempRepo();
  const reg = await openRegistry(testConfig(dir));
  await reg.apply(driverDefinitions(join(repo, "data", "driver_stats.parquet")));
  const store = new MemoryOnlineStore();
  const latest = await materializeByHand(store, reg, view(), rows, T0, WINDOW_END);
  return { store, latest, reg };
}

async function expectError(p: Promise<unknown>, code: Code, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FstoreError);
  expect((err as FstoreError).code).toBe(code);
  expect((err as FstoreError).message).toMatch(message);
}

describe("validateConsistency", () => {
  it("passes with 0 mismatches right after materialization, comparing every feature of every entity", async () => {
    const { store, reg } = await materialized();
    const report = await validate(store, {}, reg);
    expect(report.passed).toBe(true);
    expect(report.entitiesChecked).toBe(DRIVERS);
    expect(report.features.map((f) => f.feature)).toEqual(FEATURES.map((f) => f.name));
    for (const f of report.features) {
      expect(f).toMatchObject({ compared: DRIVERS, equal: DRIVERS, mismatched: 0, staleOnline: 0 });
      expect(f).toMatchObject({
        missingOnline: 0,
        onlineOnly: 0,
        mismatchRate: 0,
        passed: true,
        examples: [],
      });
    }
    await reg.close();
  });

  it("reports a value overwritten online at the same event time as mismatched, with both values", async () => {
    const { store, latest, reg } = await materialized();
    const victim = latest.get(1003n) as DriverRow;
    const values = FEATURES.map((f) => victim.values[f.name] ?? null);
    values[2] = "tampered";
    await writeOnlineRows(store, view(), [
      { entityKey: [1003n], eventTimeUs: victim.eventMs * 1000, values },
    ]);
    const report = await validate(store, {}, reg);
    expect(report.passed).toBe(false);
    const name = feature(report, "name");
    expect(name).toMatchObject({ compared: DRIVERS, equal: DRIVERS - 1, mismatched: 1, passed: false });
    expect(name.mismatchRate).toBeCloseTo(1 / DRIVERS, 15);
    expect(name.examples).toHaveLength(1);
    expect(name.examples[0]).toMatchObject({
      kind: "mismatched",
      onlineValue: "tampered",
      offlineValue: victim.values.name,
      onlineEventTime: new Date(victim.eventMs),
      offlineEventTime: new Date(victim.eventMs),
    });
    expect(name.examples[0]?.entityKey).toEqual([
      { name: "driver_id", dtype: FEATURES[1]?.dtype, value: 1003n },
    ]);
    // The other features of the same entity still agree.
    expect(feature(report, "conv_rate")).toMatchObject({ equal: DRIVERS, passed: true });
    await reg.close();
  });

  it("uses the latest created row among ties at the online event time", async () => {
    // Driver 1000 (d % 5 == 0) has two rows at its last hour; materialization picked the later created one.
    const { store, reg } = await materialized();
    const ties = rows.filter((r) => r.driverId === 1000n && r.eventMs === WINDOW_END);
    expect(ties).toHaveLength(2);
    const report = await validate(store, { entities: { driver_id: int64s([1000n]) } }, reg);
    expect(report.passed).toBe(true);
    // Overwrite online with the earlier created tie's values: now it is a mismatch (if they differ).
    const older = ties.find((r) => r.createdMs === WINDOW_END) as DriverRow;
    await writeOnlineRows(store, view(), [
      {
        entityKey: [1000n],
        eventTimeUs: WINDOW_END * 1000,
        values: FEATURES.map((f) => older.values[f.name] ?? null),
      },
    ]);
    const after = await validate(store, { entities: { driver_id: int64s([1000n]) } }, reg);
    expect(feature(after, "avatar")).toMatchObject({ mismatched: 1 });
    await reg.close();
  });

  it("reports a value pushed online only (no offline row at its time) as online-only", async () => {
    const { store, latest, reg } = await materialized();
    const pushedAt = WINDOW_END + 3 * HOUR;
    const base = latest.get(1007n) as DriverRow;
    await writeOnlineRows(store, view(), [
      {
        entityKey: [1007n],
        eventTimeUs: pushedAt * 1000,
        values: FEATURES.map((f) => base.values[f.name] ?? null),
      },
      // An entity that exists only online.
      { entityKey: [99_999n], eventTimeUs: pushedAt * 1000, values: FEATURES.map(() => null) },
    ]);
    const report = await validate(store, {}, reg);
    expect(report.entitiesChecked).toBe(DRIVERS + 1);
    for (const f of report.features) {
      expect(f).toMatchObject({ compared: DRIVERS + 1, equal: DRIVERS - 1, onlineOnly: 2, passed: false });
    }
    const ex = feature(report, "trips").examples;
    expect(ex.map((e) => e.kind)).toEqual(["online_only", "online_only"]);
    expect(ex.find((e) => e.entityKey[0]?.value === 1007n)).toMatchObject({
      onlineValue: base.values.trips,
      offlineValue: undefined,
      onlineEventTime: new Date(pushedAt),
    });
    await reg.close();
  });

  it("reports a deleted online key as missing online when sampling offline keys or given the entity", async () => {
    const { store, latest, reg } = await materialized();
    store.deleteEntity(view(), [1011n]);
    // Sampled from the online store, the deleted key cannot be seen.
    expect((await validate(store, {}, reg)).passed).toBe(true);
    const fromOffline = await validate(store, { sampleFrom: "offline" }, reg);
    expect(fromOffline.entitiesChecked).toBe(DRIVERS);
    const conv = feature(fromOffline, "conv_rate");
    expect(conv).toMatchObject({ compared: DRIVERS, equal: DRIVERS - 1, missingOnline: 1, passed: false });
    const expected = latest.get(1011n) as DriverRow;
    expect(conv.examples[0]).toMatchObject({
      kind: "missing_online",
      onlineValue: undefined,
      offlineValue: expected.values.conv_rate,
      offlineEventTime: new Date(expected.eventMs),
    });
    const given = await validate(store, { entities: { driver_id: int64s([1011n, 1012n, 1011n]) } }, reg);
    expect(given.entitiesChecked).toBe(3);
    expect(feature(given, "tags")).toMatchObject({ compared: 2, equal: 1, missingOnline: 1 });
    await reg.close();
  });

  it("reports an online value older than an offline row inside the window as stale", async () => {
    const { store, reg } = await materialized();
    store.deleteEntity(view(), [1020n]);
    const old = rows.find((r) => r.driverId === 1020n && r.eventMs === T0 + HOUR) as DriverRow;
    await writeOnlineRows(store, view(), [
      {
        entityKey: [1020n],
        eventTimeUs: old.eventMs * 1000,
        values: FEATURES.map((f) => old.values[f.name] ?? null),
      },
    ]);
    const report = await validate(store, {}, reg);
    const newest = latestRows(rows, T0, WINDOW_END).get(1020n) as DriverRow;
    for (const f of report.features) {
      expect(f).toMatchObject({
        compared: DRIVERS,
        equal: DRIVERS - 1,
        staleOnline: 1,
        mismatched: 0,
        passed: false,
      });
      expect(f.examples[0]).toMatchObject({
        kind: "stale_online",
        onlineEventTime: new Date(old.eventMs),
        offlineEventTime: new Date(newest.eventMs),
        offlineValue: newest.values[f.feature],
      });
    }
    await reg.close();
  });

  it("applies the tolerance to numbers, inclusive at the edge", async () => {
    const { store, latest, reg } = await materialized();
    const id = [...latest.keys()].find((k) => typeof latest.get(k)?.values.conv_rate === "number") as bigint;
    const row = latest.get(id) as DriverRow;
    const conv = row.values.conv_rate as number;
    const tampered = conv * (1 + 1e-5);
    const values = FEATURES.map((f) => row.values[f.name] ?? null);
    values[0] = tampered;
    await writeOnlineRows(store, view(), [{ entityKey: [id], eventTimeUs: row.eventMs * 1000, values }]);
    const rd = Math.abs(tampered - conv) / Math.max(Math.abs(tampered), Math.abs(conv));
    const strict = await validate(store, { features: { kind: "services", names: ["driver_model"] } }, reg);
    expect(feature(strict, "conv_rate")).toMatchObject({ mismatched: 1 });
    expect(feature(strict, "conv_rate").examples[0]?.relativeDifference).toBeCloseTo(rd, 12);
    const atEdge = await validate(
      store,
      { features: { kind: "services", names: ["driver_model"] }, options: { tolerance: rd } },
      reg,
    );
    expect(feature(atEdge, "conv_rate")).toMatchObject({ mismatched: 0, equal: DRIVERS, passed: true });
    const below = await validate(
      store,
      { features: { kind: "services", names: ["driver_model"] }, options: { tolerance: rd * 0.99 } },
      reg,
    );
    expect(feature(below, "conv_rate")).toMatchObject({ mismatched: 1 });
    await reg.close();
  });

  it("passes a feature at exactly the threshold, and the report only when every feature passes", async () => {
    const { store, latest, reg } = await materialized();
    const row = latest.get(1001n) as DriverRow;
    const values = FEATURES.map((f) => row.values[f.name] ?? null);
    values[1] = (values[1] as bigint) + 1n; // trips
    await writeOnlineRows(store, view(), [{ entityKey: [1001n], eventTimeUs: row.eventMs * 1000, values }]);
    const rate = 1 / DRIVERS;
    const at = await validate(
      store,
      { features: { kind: "services", names: ["driver_model"] }, options: { maxMismatchRate: rate } },
      reg,
    );
    expect(at.passed).toBe(true);
    expect(feature(at, "trips")).toMatchObject({ mismatched: 1, passed: true, mismatchRate: rate });
    const under = await validate(
      store,
      { features: { kind: "services", names: ["driver_model"] }, options: { maxMismatchRate: rate * 0.999 } },
      reg,
    );
    expect(under.passed).toBe(false);
    expect(feature(under, "trips").passed).toBe(false);
    expect(feature(under, "conv_rate").passed).toBe(true);
    // Only the service's features were checked.
    expect(under.features.map((f) => f.feature)).toEqual(["conv_rate", "trips"]);
    await reg.close();
  });

  it("keeps int64 precision beyond 2^53", async () => {
    const { store, latest, reg } = await materialized();
    const id = [...latest.keys()].find(
      (k) => ((latest.get(k)?.values.trips as bigint) ?? 0n) > 2n ** 53n,
    ) as bigint;
    const row = latest.get(id) as DriverRow;
    const values = FEATURES.map((f) => row.values[f.name] ?? null);
    values[1] = (values[1] as bigint) + 1n;
    await writeOnlineRows(store, view(), [{ entityKey: [id], eventTimeUs: row.eventMs * 1000, values }]);
    const report = await validate(
      store,
      { features: { kind: "services", names: ["driver_model"] }, options: { tolerance: 0 } },
      reg,
    );
    expect(feature(report, "trips")).toMatchObject({ mismatched: 1 });
    await reg.close();
  });

  it("limits examples to max examples", async () => {
    const { store, reg } = await materialized();
    for (const id of [1002n, 1004n, 1006n, 1008n, 1010n]) store.deleteEntity(view(), [id]);
    const report = await validate(store, { sampleFrom: "offline", options: { maxExamples: 2 } }, reg);
    expect(feature(report, "name")).toMatchObject({ missingOnline: 5 });
    expect(feature(report, "name").examples).toHaveLength(2);
    const def = await validate(store, { sampleFrom: "offline" }, reg);
    expect(feature(def, "name").examples).toHaveLength(3);
    await reg.close();
  });

  it("stops with CANCELLED when the call is cancelled", async () => {
    const { store, reg } = await materialized();
    const controller = new AbortController();
    controller.abort();
    await expectError(
      validateConsistency(
        {
          repoPath: repo,
          snapshot: reg.snapshot(),
          registry: reg,
          onlineStore: store,
          connect: () => db.connect(),
          signal: controller.signal,
        },
        { featureViews: [], sampleFrom: "online", options: {} },
      ),
      Code.Cancelled,
      /cancelled/,
    );
    await reg.close();
  });

  it("rejects bad input with precise statuses", async () => {
    const store = new MemoryOnlineStore();
    await expectError(
      validate(store, { featureViews: ["nope"] }),
      Code.NotFound,
      /feature view "nope" not found/,
    );
    await expectError(
      validate(store, { features: { kind: "services", names: ["nope"] } }),
      Code.NotFound,
      /feature service "nope" not found/,
    );
    await expectError(validate(store, { options: { sampleSize: 0 } }), Code.InvalidArgument, /sample size/);
    await expectError(
      validate(store, { options: { sampleSize: 5_000_000 } }),
      Code.InvalidArgument,
      /limit of 1000000/,
    );
    await expectError(validate(store, { options: { tolerance: -1 } }), Code.InvalidArgument, /tolerance/);
    await expectError(
      validate(store, { options: { tolerance: Number.NaN } }),
      Code.InvalidArgument,
      /tolerance/,
    );
    await expectError(
      validate(store, { entities: { vehicle_id: int64s([1n]) } }),
      Code.InvalidArgument,
      /"vehicle_id" is not a join key/,
    );
    const wrongType = create(RepeatedValueSchema, {
      val: [create(ValueSchema, { val: { case: "stringVal", value: "x" } })],
    });
    await expectError(
      validate(store, { entities: { driver_id: wrongType } }),
      Code.InvalidArgument,
      /expected INT64/,
    );
  });
});

function int64s(values: bigint[]) {
  return create(RepeatedValueSchema, {
    val: values.map((v) => create(ValueSchema, { val: { case: "int64Val", value: v } })),
  });
}

describe("validateConsistency against a brute-force oracle", () => {
  it("agrees count for count with plain loops over the rows on a randomly perturbed online store", async () => {
    const { store, latest, reg } = await materialized();
    const r = rng(2024);
    // The online state, tracked here independently of the store.
    const onlineModel = new Map<bigint, { eventMs: number; values: NativeValue[] }>();
    for (const [id, row] of latest) onlineModel.set(id, { eventMs: row.eventMs, values: valuesOf(row) });
    const write = async (id: bigint, eventMs: number, values: NativeValue[]) => {
      store.deleteEntity(view(), [id]);
      await writeOnlineRows(store, view(), [{ entityKey: [id], eventTimeUs: eventMs * 1000, values }]);
      onlineModel.set(id, { eventMs, values });
    };
    for (const id of [...latest.keys()]) {
      const action = Math.floor(r() * 6);
      const cur = onlineModel.get(id) as { eventMs: number; values: NativeValue[] };
      if (action === 1) {
        const values = [...cur.values];
        const f = Math.floor(r() * FEATURES.length);
        const v = values[f];
        values[f] =
          typeof v === "number"
            ? v * (1 + (r() < 0.5 ? 1e-9 : 1e-3))
            : typeof v === "bigint"
              ? v + 1n
              : v === null
                ? "x"
                : null;
        await write(id, cur.eventMs, values);
      } else if (action === 2) {
        store.deleteEntity(view(), [id]);
        onlineModel.delete(id);
      } else if (action === 3) {
        const old = rows.find((x) => x.driverId === id && x.eventMs === T0) as DriverRow;
        await write(id, old.eventMs, valuesOf(old));
      } else if (action === 4) {
        await write(id, WINDOW_END + HOUR, cur.values);
      } else if (action === 5) {
        await write(id, T0 + HOUR / 2, cur.values);
      }
    }
    await write(
      77_777n,
      T0,
      FEATURES.map(() => null),
    );
    const ids = [...latest.keys(), 77_777n, 88_888n];
    const report = await validate(
      store,
      { entities: { driver_id: int64s(ids) }, options: { maxExamples: 0 } },
      reg,
    );

    // The oracle: plain loops over the generated rows.
    const equal = (a: NativeValue, b: NativeValue): boolean => {
      if (a === null || b === null) return a === b;
      if (typeof a === "number" && typeof b === "number") {
        return a === b || Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)) <= 1e-6;
      }
      if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
      if (Array.isArray(a) && Array.isArray(b)) return JSON.stringify(a) === JSON.stringify(b);
      return a === b;
    };
    FEATURES.forEach((feat, f) => {
      const expected = {
        compared: 0,
        equal: 0,
        mismatched: 0,
        staleOnline: 0,
        missingOnline: 0,
        onlineOnly: 0,
      };
      for (const id of ids) {
        const mine = rows.filter((x) => x.driverId === id);
        const inWindow = mine.filter((x) => x.eventMs >= T0 && x.eventMs <= WINDOW_END);
        const latestMs = inWindow.length ? Math.max(...inWindow.map((x) => x.eventMs)) : undefined;
        const on = onlineModel.get(id);
        if (!on) {
          if (latestMs !== undefined) {
            expected.compared++;
            expected.missingOnline++;
          }
          continue;
        }
        expected.compared++;
        if (latestMs !== undefined && latestMs > on.eventMs) {
          expected.staleOnline++;
          continue;
        }
        const at = mine.filter((x) => x.eventMs === on.eventMs).sort((a, b) => b.createdMs - a.createdMs)[0];
        if (!at) expected.onlineOnly++;
        else if (equal(on.values[f] ?? null, at.values[feat.name] ?? null)) expected.equal++;
        else expected.mismatched++;
      }
      const got = feature(report, feat.name);
      expect(
        {
          compared: got.compared,
          equal: got.equal,
          mismatched: got.mismatched,
          staleOnline: got.staleOnline,
          missingOnline: got.missingOnline,
          onlineOnly: got.onlineOnly,
        },
        feat.name,
      ).toEqual(expected);
      expect(got.examples).toEqual([]);
    });
    // Every outcome kind occurred somewhere.
    const totals = report.features.reduce(
      (t, x) => ({
        m: t.m + x.mismatched,
        s: t.s + x.staleOnline,
        mi: t.mi + x.missingOnline,
        o: t.o + x.onlineOnly,
      }),
      { m: 0, s: 0, mi: 0, o: 0 },
    );
    expect(Math.min(totals.m, totals.s, totals.mi, totals.o)).toBeGreaterThan(0);
    await reg.close();
  });
});

function valuesOf(row: DriverRow): NativeValue[] {
  return FEATURES.map((f) => row.values[f.name] ?? null);
}

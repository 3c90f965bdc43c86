/**
 * Consistency validation of timestamp values: a timestamp join key (stored as
 * TIMESTAMPTZ in the Parquet), timestamp features stored as naive TIMESTAMP,
 * as TIMESTAMPTZ and as TIMESTAMP[], compared with the instants written
 * online. Validation casts to the offline store's types (TIMESTAMPTZ, read in
 * UTC), so neither the Parquet flavour nor the caller's session time zone may
 * shift a value. Rows and expected counts are hand-made in TypeScript.
 */
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import type { ConsistencyReport } from "../src/consistency/index.js";
import { validateConsistency } from "../src/consistency/index.js";
import { writeOnlineRows } from "../src/online/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { EntityDef, FeatureViewDef, FieldDef, RepoDefinitions } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import { HOUR, MemoryOnlineStore, T0, tempRepo } from "./consistency-fixtures.js";
import { testConfig } from "./support/server.js";

const described = { description: "", tags: {}, owner: "" };
const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });

const entities: EntityDef[] = [
  { name: "device", joinKeys: ["device_id"], valueType: ValueType.INT64, ...described },
  { name: "shift", joinKeys: ["shift_start"], valueType: ValueType.UNIX_TIMESTAMP, ...described },
];
const FEATURES = [
  field("seen_at", ValueType.UNIX_TIMESTAMP),
  field("seen_tz", ValueType.UNIX_TIMESTAMP),
  field("seen_list", ValueType.UNIX_TIMESTAMP_LIST),
];

interface Row {
  device: bigint;
  shiftMs: number;
  eventMs: number;
  seenAt: number | null;
  seenTz: number;
  seenList: number[];
}

// 6 (device, shift) entities with one row per hour for two hours; milliseconds everywhere except
// in the timestamp join key, which Feast's entity key serialization stores in whole seconds (the
// online store's keys, which validation samples, hold no milliseconds).
const rows: Row[] = [];
for (let d = 1; d <= 6; d++) {
  for (let h = 0; h < 2; h++) {
    const base = T0 + d * 60_000 + h * 1_000;
    rows.push({
      device: BigInt(d),
      shiftMs: Date.UTC(2024, 11, 30 + (d % 2), 6, 30, 1),
      eventMs: T0 + h * HOUR,
      seenAt: d === 3 ? null : base + 123,
      seenTz: base + 456,
      seenList: [base + 7, base + 8_000_001],
    });
  }
}
const WINDOW_END = T0 + HOUR;

let repo: string;
let registry: Registry;
let view: FeatureViewDef;
let db: DuckDBInstance;

async function writeParquet(path: string): Promise<void> {
  const writer = await DuckDBInstance.create(":memory:");
  const conn = await writer.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const ts = (ms: number) => `make_timestamp(${ms * 1000})`;
    const values = rows.map((r) =>
      [
        `${r.device}`,
        `CAST(${ts(r.shiftMs)} AS TIMESTAMPTZ)`,
        ts(r.eventMs),
        r.seenAt === null ? "NULL::TIMESTAMP" : ts(r.seenAt),
        `CAST(${ts(r.seenTz)} AS TIMESTAMPTZ)`,
        `[${r.seenList.map(ts).join(", ")}]`,
      ].join(", "),
    );
    await conn.run(
      `COPY (SELECT * FROM (VALUES (${values.join("), (")})) t(device_id, shift_start, event_timestamp, seen_at, seen_tz, seen_list)) TO '${path}' (FORMAT parquet)`,
    );
    // The file really mixes naive and UTC-adjusted timestamps.
    const schema = await conn.runAndReadAll(`DESCRIBE SELECT * FROM '${path}'`);
    expect(Object.fromEntries(schema.getRows().map((r) => [r[0], r[1]]))).toMatchObject({
      shift_start: "TIMESTAMP WITH TIME ZONE",
      event_timestamp: "TIMESTAMP",
      seen_at: "TIMESTAMP",
      seen_tz: "TIMESTAMP WITH TIME ZONE",
      seen_list: "TIMESTAMP[]",
    });
  } finally {
    conn.closeSync();
    writer.closeSync();
  }
}

beforeAll(async () => {
  repo = tempRepo("fstore-consistency-ts-");
  const path = join(repo, "sightings.parquet");
  await writeParquet(path);
  view = {
    name: "sightings",
    entities: ["device", "shift"],
    entityColumns: [field("device_id", ValueType.INT64), field("shift_start", ValueType.UNIX_TIMESTAMP)],
    features: FEATURES,
    ttlSeconds: 0,
    source: {
      kind: "file",
      name: "sightings_source",
      path,
      timestampField: "event_timestamp",
      createdTimestampColumn: "",
      fieldMapping: {},
      ...described,
    },
    online: true,
    ...described,
  };
  const defs: RepoDefinitions = {
    entities,
    dataSources: [view.source],
    featureViews: [view],
    featureServices: [],
    onDemandFeatureViews: [],
  };
  registry = await openRegistry(testConfig(repo));
  await registry.apply(defs);
  db = await DuckDBInstance.create(":memory:");
});

afterAll(() => {
  registry?.close();
  db?.closeSync();
});

/** The online store after a hand-made materialization: each entity's hour-1 row. */
async function materialized(change?: (r: Row) => Row): Promise<MemoryOnlineStore> {
  const store = new MemoryOnlineStore();
  const latest = rows.filter((r) => r.eventMs === WINDOW_END).map((r) => (change ? change(r) : r));
  await writeOnlineRows(
    store,
    view,
    latest.map((r) => ({
      entityKey: [r.device, new Date(r.shiftMs)],
      eventTimeUs: r.eventMs * 1000,
      values: [
        r.seenAt === null ? null : new Date(r.seenAt),
        new Date(r.seenTz),
        r.seenList.map((ms) => new Date(ms)),
      ],
    })),
  );
  return store;
}

async function validate(
  store: MemoryOnlineStore,
  sampleFrom: "online" | "offline",
): Promise<ConsistencyReport> {
  await registry.recordMaterializationInterval(view.name, new Date(T0), new Date(WINDOW_END));
  return validateConsistency(
    {
      repoPath: repo,
      snapshot: registry.snapshot(),
      registry,
      onlineStore: store,
      // The caller's session is not in UTC: validation must not depend on it.
      connect: async () => {
        const conn = await db.connect();
        await conn.run("SET TimeZone = 'Asia/Kolkata'");
        return conn;
      },
    },
    { featureViews: [], sampleFrom, options: {} },
  );
}

describe("consistency of timestamp keys and features", () => {
  it.each(["online", "offline"] as const)(
    "finds every value equal right after materialization (sampling %s keys)",
    async (sampleFrom) => {
      const report = await validate(await materialized(), sampleFrom);
      expect(report.entitiesChecked).toBe(6);
      expect(
        report.features.map((f) => [
          f.feature,
          f.compared,
          f.equal,
          f.mismatched,
          f.missingOnline,
          f.onlineOnly,
        ]),
      ).toEqual([
        ["seen_at", 6, 6, 0, 0, 0],
        ["seen_tz", 6, 6, 0, 0, 0],
        ["seen_list", 6, 6, 0, 0, 0],
      ]);
      expect(report.passed).toBe(true);
    },
  );

  it("sees a one-millisecond change of a naive, a UTC-adjusted and a list timestamp", async () => {
    const store = await materialized((r) => {
      if (r.device === 1n) return { ...r, seenAt: (r.seenAt as number) + 1 };
      if (r.device === 2n) return { ...r, seenTz: r.seenTz - 1 };
      if (r.device === 4n)
        return { ...r, seenList: [r.seenList[0] as number, (r.seenList[1] as number) + 1] };
      return r;
    });
    const report = await validate(store, "online");
    expect(report.features.map((f) => [f.feature, f.compared, f.equal, f.mismatched])).toEqual([
      ["seen_at", 6, 5, 1],
      ["seen_tz", 6, 5, 1],
      ["seen_list", 6, 5, 1],
    ]);
    expect(report.passed).toBe(false);
  });
});

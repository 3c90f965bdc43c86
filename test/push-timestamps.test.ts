/**
 * What a pushed Parquet file's timestamp columns look like, and that one
 * source folder holding files written by older fstore versions (naive
 * TIMESTAMP columns, as push wrote them before it used the offline type map)
 * next to files pushed now still reads correctly: historical retrieval and
 * materialization (then consistency validation) over the folder, checked
 * against hand-made tables. The process runs in a zone that is not UTC, as a
 * server host may: naive timestamps must still be read as UTC.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import type { RepoConfig } from "../src/config/types.js";
import { openDuckDb } from "../src/offline/index.js";
import { openRegistry } from "../src/registry/index.js";
import type { FeatureViewDef, FieldDef, FileSourceDef } from "../src/registry/model.js";
import type { Registry } from "../src/registry/registry.js";
import { definitions, HOUR, T0, tempRepo } from "./materialize-fixtures.js";
import { startTestServer, type TestServer } from "./support/server.js";

// Before any DuckDB instance opens (they take their default zone from it); this file runs in its own process.
process.env.TZ = "America/New_York";

const at = (h: number) => new Date(T0 + h * HOUR);
const field = (name: string, dtype: ValueType): FieldDef => ({ name, dtype, description: "", tags: {} });
const described = { description: "", tags: {}, owner: "" };

const source: FileSourceDef = {
  kind: "file",
  name: "trips_source",
  path: "data/trips",
  timestampField: "event_ts",
  createdTimestampColumn: "created",
  fieldMapping: {},
  ...described,
};

/** Every timestamp shape a push writes: the event and created times, a timestamp feature and a list of them. */
const view: FeatureViewDef = {
  name: "trips",
  entities: ["driver"],
  entityColumns: [field("driver_id", ValueType.INT64)],
  features: [
    field("fare", ValueType.DOUBLE),
    field("last_stop", ValueType.UNIX_TIMESTAMP),
    field("stops", ValueType.UNIX_TIMESTAMP_LIST),
  ],
  ttlSeconds: 0,
  source,
  online: true,
  ...described,
};

interface Trip {
  driver_id: bigint;
  event_ts: Date;
  fare: number;
  last_stop: Date;
  stops: Date[];
}

const trip = (id: bigint, h: number, fare: number): Trip => ({
  driver_id: id,
  event_ts: at(h),
  fare,
  last_stop: new Date(at(h).getTime() - 90_000),
  stops: [new Date(at(h).getTime() - 600_000), new Date(at(h).getTime() - 90_000)],
});

/** Written as push wrote files before (naive TIMESTAMP columns, created = the push time). */
const legacyTrips = [trip(1n, 1, 10), trip(2n, 2, 20), trip(1n, 5, 15)];
/** Pushed by the code under test. */
const pushedTrips = [trip(1n, 3, 30), trip(3n, 4, 40), trip(2n, 6, 60)];

const sqlTs = (d: Date) => `TIMESTAMP '${d.toISOString().replace("T", " ").replace("Z", "")}'`;

/** A Parquet file in the old push layout, written with plain DuckDB SQL. */
async function writeLegacyFile(db: DuckDBInstance, path: string, rows: Trip[], pushedAt: Date) {
  const values = rows.map(
    (r) =>
      `(${r.driver_id}, ${r.fare}, ${sqlTs(r.last_stop)}, [${r.stops.map(sqlTs).join(", ")}], ${sqlTs(r.event_ts)}, ${sqlTs(pushedAt)})`,
  );
  const conn = await db.connect();
  try {
    await conn.run(
      `COPY (SELECT * FROM (VALUES ${values.join(", ")}) AS t(driver_id, fare, last_stop, stops, event_ts, created)) TO '${path}' (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
  }
}

/** Column -> [DuckDB type, Parquet logical type] of the timestamp columns of `path`. */
async function timestampColumns(db: DuckDBInstance, path: string): Promise<Record<string, [string, string]>> {
  const conn = await db.connect();
  try {
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`))
      .getRowObjectsJS()
      .map((r) => [String(r.column_name), String(r.column_type)]);
    const logical = new Map(
      (
        await conn.runAndReadAll(
          `SELECT name, logical_type FROM parquet_schema('${path}') WHERE logical_type IS NOT NULL`,
        )
      )
        .getRowObjectsJS()
        .map((r) => [String(r.name), String(r.logical_type)]),
    );
    return Object.fromEntries(
      described
        .filter(([, type]) => type?.includes("TIMESTAMP"))
        .map(([name, type]) => [
          name as string,
          [type as string, logical.get(name === "stops" ? "element" : (name as string)) ?? ""],
        ]),
    );
  } finally {
    conn.closeSync();
  }
}

describe("pushed Parquet timestamps", () => {
  let db: DuckDBInstance;
  let config: RepoConfig;
  let registry: Registry;
  let server: TestServer;
  let pushedPath: string;

  beforeAll(async () => {
    db = await openDuckDb({ threads: 1, memoryLimit: "256MB" });
    config = tempRepo();
    const folder = join(config.repoPath, "data", "trips");
    mkdirSync(folder, { recursive: true });
    // "push-0..." sorts before any file pushed now, as an older push's file would.
    await writeLegacyFile(db, join(folder, "push-00000000T000000000Z-legacy.parquet"), legacyTrips, at(99));
    registry = await openRegistry(config);
    await registry.apply(definitions([view]));
    server = await startTestServer({ config, registry });
    const res = await server.client.push({
      source: "trips",
      columns: {
        driver_id: pushedTrips.map((t) => t.driver_id),
        fare: pushedTrips.map((t) => t.fare),
        last_stop: pushedTrips.map((t) => t.last_stop),
        stops: pushedTrips.map((t) => t.stops),
        event_ts: pushedTrips.map((t) => t.event_ts),
      },
      to: "offline",
    });
    pushedPath = res.offlinePath;
  });
  afterAll(async () => {
    await server?.shutdown();
    registry?.close();
    db?.closeSync();
  });

  it("writes timestamps as UTC instants: TIMESTAMPTZ, Parquet isAdjustedToUTC", async () => {
    const columns = await timestampColumns(db, pushedPath);
    expect(Object.keys(columns).sort()).toEqual(["created", "event_ts", "last_stop", "stops"]);
    for (const [name, [type, logical]] of Object.entries(columns)) {
      expect(type, name).toBe(name === "stops" ? "TIMESTAMP WITH TIME ZONE[]" : "TIMESTAMP WITH TIME ZONE");
      expect(logical, name).toMatch(/isAdjustedToUTC=1/);
    }
    const conn = await db.connect();
    const back = (
      await conn.runAndReadAll(
        `SELECT epoch_ms(event_ts) AS e, epoch_ms(created) AS c, epoch_ms(last_stop) AS l, list_transform(stops, x -> epoch_ms(x)) AS s FROM read_parquet('${pushedPath}')`,
      )
    ).getRowObjectsJS();
    conn.closeSync();
    expect(back).toEqual(
      pushedTrips.map((t) => ({
        e: BigInt(t.event_ts.getTime()),
        c: expect.any(BigInt),
        l: BigInt(t.last_stop.getTime()),
        s: t.stops.map((d) => BigInt(d.getTime())),
      })),
    );
  });

  it("the legacy file is naive TIMESTAMP, so the folder mixes both kinds", async () => {
    const legacy = join(config.repoPath, "data", "trips", "push-00000000T000000000Z-legacy.parquet");
    const columns = await timestampColumns(db, legacy);
    expect(columns.event_ts?.[0]).toBe("TIMESTAMP");
    expect(columns.event_ts?.[1]).toMatch(/isAdjustedToUTC=0/);
    expect(columns.stops?.[0]).toBe("TIMESTAMP[]");
  });

  it("historical retrieval reads old and new files together (hand-made point-in-time table)", async () => {
    // driver 1: legacy h1 (10), pushed h3 (30), legacy h5 (15); driver 2: legacy h2 (20), pushed h6 (60);
    // driver 3: pushed h4 (40).
    const rows: [bigint, number, Trip | null][] = [
      [1n, 0.5, null],
      [1n, 2, legacyTrips[0] as Trip],
      [1n, 3, pushedTrips[0] as Trip],
      [1n, 4.5, pushedTrips[0] as Trip],
      [1n, 7, legacyTrips[2] as Trip],
      [2n, 5, legacyTrips[1] as Trip],
      [2n, 6, pushedTrips[2] as Trip],
      [3n, 3.9, null],
      [3n, 4, pushedTrips[1] as Trip],
    ];
    const r = await server.client.getHistoricalFeatures({
      features: ["trips:fare", "trips:last_stop", "trips:stops"],
      entityRows: {
        columns: { driver_id: rows.map(([id]) => id) },
        eventTimestamps: rows.map(([, h]) => at(h)),
      },
    });
    expect(r.summary.leakagePassed).toBe(true);
    // Output rows come back in the entity rows' order.
    expect(r.columns.driver_id).toEqual(rows.map(([id]) => id));
    expect(r.columns.event_timestamp).toEqual(rows.map(([, h]) => at(h)));
    expect(r.columns.fare).toEqual(rows.map(([, , t]) => t?.fare ?? null));
    expect(r.columns.last_stop).toEqual(rows.map(([, , t]) => t?.last_stop ?? null));
    expect(r.columns.stops).toEqual(rows.map(([, , t]) => t?.stops ?? null));
  });

  it("materialization reads old and new files together (latest row per driver online)", async () => {
    const events = [];
    for await (const ev of server.client.materialize({ start: at(0), end: at(10), featureViews: ["trips"] }))
      events.push(ev);
    const summary = events.at(-1);
    expect(summary?.kind === "summary" && summary.views[0]?.rowsRead).toBe(6);
    const online = await server.client.getOnlineFeatures({
      features: ["trips:fare", "trips:last_stop", "trips:stops"],
      entities: { driver_id: [1n, 2n, 3n] },
    });
    const latest = [legacyTrips[2], pushedTrips[2], pushedTrips[1]] as Trip[];
    const column = (name: string) => online.columns.find((c) => c.name === name);
    expect(column("fare")?.values).toEqual(latest.map((t) => t.fare));
    expect(column("last_stop")?.values).toEqual(latest.map((t) => t.last_stop));
    expect(column("stops")?.values).toEqual(latest.map((t) => t.stops));
    expect(column("fare")?.eventTimestamps).toEqual(latest.map((t) => t.event_ts));

    // Consistency validation reads the same mixed folder for the offline side.
    const report = await server.client.validateConsistency({ featureViews: ["trips"] });
    expect(report.entitiesChecked).toBe(3);
    expect(report.passed).toBe(true);
  });
});

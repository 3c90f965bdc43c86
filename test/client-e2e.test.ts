/**
 * The ergonomic client end to end on a copy of the example repository with
 * fresh data: materialize, then online features, push, a training set and a
 * consistency check, all through the client's native JS values. Expected
 * values come from DuckDB queries over the same Parquet files, written here.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MaterializeEvent, NativeValue } from "../clients/typescript/src/index.js";
import type { CallObserver } from "../src/server/service-adapter.js";
import { createExampleRepo, startTestServer, type TestServer } from "./support/server.js";
import type { TempRepo } from "./support/temp-repo.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface VehicleRow {
  vehicle_id: bigint;
  ts_ms: bigint;
  technology: string;
  num_images: bigint;
  street_parked: boolean;
  actual_price: number;
  recommended_price: number;
}

const finished: { method: string; code: number }[] = [];
const recorder: CallObserver = (method) => ({
  end(code) {
    finished.push({ method, code });
  },
});

let repo: TempRepo;
let t: TestServer;
let db: DuckDBInstance;
const end = new Date(Math.floor(Date.now() / HOUR) * HOUR);

async function query<T>(sql: string): Promise<T[]> {
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjects() as T[];
  } finally {
    conn.closeSync();
  }
}

/** The oracle: per vehicle, the row with the latest event time (then latest created) at or before `at`. */
function latestVehicleRows(at: Date, ids: bigint[], ttlMs = 30 * DAY): Promise<VehicleRow[]> {
  return query<VehicleRow>(`
    SELECT vehicle_id, epoch_ms(event_timestamp) AS ts_ms, technology, num_images, street_parked,
           actual_price, recommended_price
    FROM read_parquet('${repo.path}/data/vehicle_features.parquet')
    WHERE vehicle_id IN (${ids.join(",")})
      AND event_timestamp <= epoch_ms(${at.getTime()})
      AND event_timestamp >= epoch_ms(${at.getTime() - ttlMs})
    QUALIFY row_number() OVER (PARTITION BY vehicle_id ORDER BY event_timestamp DESC, created DESC) = 1
    ORDER BY vehicle_id`);
}

beforeAll(async () => {
  repo = await createExampleRepo({ end });
  t = await startTestServer({ repoPath: repo.path, observers: [recorder] });
  db = await DuckDBInstance.create(":memory:");
});
afterAll(async () => {
  db?.closeSync();
  await t?.shutdown();
  repo?.cleanup();
});

describe("ergonomic client, end to end", () => {
  it("materializes with progress events and a final summary", async () => {
    const events: MaterializeEvent[] = [];
    for await (const e of t.client.materialize({ start: new Date(end.getTime() - 40 * DAY), end }))
      events.push(e);
    const last = events.at(-1);
    expect(last?.kind).toBe("summary");
    if (last?.kind !== "summary") return;
    expect(last.views.map((v) => v.featureView).sort()).toEqual(["vehicle_features", "vehicle_hourly_stats"]);
    for (const v of last.views) {
      expect(v.done).toBe(true);
      expect(v.entitiesWritten).toBe(1000);
      expect(v.rowsRead).toBeGreaterThanOrEqual(1000);
      expect(v.end).toEqual(end);
    }
    expect(events.some((e) => e.kind === "progress")).toBe(true);
  });

  it("reads online features as bigint, boolean, number, string and Date", async () => {
    const ids = [1001n, 1500n, 2000n];
    const expected = await latestVehicleRows(end, ids);
    expect(expected).toHaveLength(3);
    const res = await t.client.getOnlineFeatures({
      features: [
        "vehicle_features:technology",
        "vehicle_features:num_images",
        "vehicle_features:street_parked",
        "vehicle_features:actual_price",
      ],
      entities: { vehicle_id: [...ids, 99_999_999n] },
    });
    expect(res.featureNames).toEqual([
      "vehicle_id",
      "technology",
      "num_images",
      "street_parked",
      "actual_price",
    ]);
    expect(res.rows).toEqual([
      ...expected.map((r) => ({
        vehicle_id: r.vehicle_id,
        technology: r.technology,
        num_images: r.num_images,
        street_parked: r.street_parked,
        actual_price: r.actual_price,
      })),
      {
        vehicle_id: 99_999_999n,
        technology: null,
        num_images: null,
        street_parked: null,
        actual_price: null,
      },
    ]);
    const numImages = res.columns.find((c) => c.name === "num_images");
    expect(numImages?.statuses).toEqual(["PRESENT", "PRESENT", "PRESENT", "NOT_FOUND"]);
    expect(numImages?.eventTimestamps.slice(0, 3)).toEqual(expected.map((r) => new Date(Number(r.ts_ms))));
    expect(numImages?.eventTimestamps[3]).toEqual(new Date(0)); // NOT_FOUND: epoch 0, as Feast sends it
  });

  it("serves a feature service with full names, including the on-demand price_diff", async () => {
    const [row] = await latestVehicleRows(end, [1001n]);
    const res = await t.client.getOnlineFeatures({
      featureServices: ["vehicle_model_v1"],
      entities: { vehicle_id: [1001n] },
      fullFeatureNames: true,
    });
    const out = res.rows[0] as Record<string, NativeValue>;
    expect(out.vehicle_features__num_images).toBe(row?.num_images);
    expect(out.price_features__price_diff).toBeCloseTo(
      (row?.actual_price ?? 0) - (row?.recommended_price ?? 0),
      9,
    );
  });

  it("pushes a fresh row that online reads then return", async () => {
    const at = new Date(end.getTime() + 30 * 60_000);
    const pushed = await t.client.push({
      source: "vehicle_hourly_push",
      columns: {
        vehicle_id: [1001n],
        event_timestamp: [at],
        recent_reservations: [77n],
        current_price: [12.5],
      },
    });
    expect(pushed.rows).toBe(1);
    expect(pushed.onlineEntitiesWritten).toBe(1);
    const res = await t.client.getOnlineFeatures({
      features: ["vehicle_hourly_stats:recent_reservations", "vehicle_hourly_stats:current_price"],
      entities: { vehicle_id: [1001n] },
    });
    expect(res.rows).toEqual([{ vehicle_id: 1001n, recent_reservations: 77n, current_price: 12.5 }]);
    expect(res.columns[1]?.eventTimestamps).toEqual([at]);
  });

  it("builds a point-in-time training set equal to the oracle", async () => {
    const ids = [1001n, 1002n, 1003n];
    const times = [new Date(end.getTime() - 3 * DAY - 5 * HOUR), new Date(end.getTime() - DAY), end];
    const expected: (bigint | null)[] = [];
    for (const [i, id] of ids.entries()) {
      const [row] = await latestVehicleRows(times[i] as Date, [id]);
      expected.push(row ? row.num_images : null);
    }
    const set = await t.client.getHistoricalFeatures({
      features: ["vehicle_features:num_images"],
      entityRows: { columns: { vehicle_id: ids }, eventTimestamps: times },
    });
    expect(set.summary.rowCount).toBe(3);
    expect(set.summary.leakageViolations).toBe(0);
    expect(set.summary.leakagePassed).toBe(true);
    // Row order is not part of the contract: compare as (vehicle, time) -> value.
    const got = new Map<string, NativeValue>();
    const vid = set.columns.vehicle_id ?? [];
    const ts = set.columns.event_timestamp ?? [];
    for (const [i, v] of vid.entries()) {
      got.set(`${v}@${(ts[i] as Date).getTime()}`, set.columns.num_images?.[i] ?? null);
    }
    const want = new Map(ids.map((id, i) => [`${id}@${times[i]?.getTime()}`, expected[i]]));
    expect(got).toEqual(want);
  });

  it("leaving a training-set stream early cancels it on the server", async () => {
    finished.length = 0; // earlier tests' calls
    // Far more output than HTTP/2 flow control lets the server send ahead, so it must wait for the reader.
    const ids = Array.from({ length: 60_000 }, (_, i) => BigInt(1001 + (i % 1000)));
    let batches = 0;
    for await (const event of t.client.streamHistoricalFeatures({
      features: [
        "vehicle_features:technology",
        "vehicle_features:num_images",
        "vehicle_features:actual_price",
      ],
      entityRows: { columns: { vehicle_id: ids }, eventTimestamps: ids.map(() => end) },
      batchSize: 100,
    })) {
      if (event.kind === "batch") {
        expect(event.numRows).toBe(100);
        batches++;
        break;
      }
    }
    expect(batches).toBe(1);
    for (let i = 0; i < 100 && !finished.some((f) => f.method === "GetHistoricalFeatures"); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(finished.filter((f) => f.method === "GetHistoricalFeatures")).toEqual([
      { method: "GetHistoricalFeatures", code: 1 },
    ]);
  });

  it("validates consistency after materializing: every vehicle_features feature passes", async () => {
    const report = await t.client.validateConsistency({ featureViews: ["vehicle_features"], sampleSize: 50 });
    expect(report.passed).toBe(true);
    expect(report.entitiesChecked).toBe(50);
    expect(report.features.map((f) => f.feature).sort()).toEqual(
      [
        "actual_price",
        "description",
        "num_images",
        "recommended_price",
        "street_parked",
        "technology",
      ].sort(),
    );
    for (const f of report.features) {
      expect(f.compared).toBe(50);
      expect(f.equal).toBe(50);
      expect(f.mismatchRate).toBe(0);
    }
  });

  it("shows the materialized interval and last run on the view", async () => {
    const view = await t.client.getFeatureView("vehicle_features");
    expect(view.materializationIntervals.at(-1)?.end).toEqual(end);
    expect(view.lastRun?.outcome).toBe("succeeded");
    expect(view.lastRun?.entitiesWritten).toBe(1000);
    expect(view.freshness?.lastMaterializedEnd).toEqual(end);
  });
});

/**
 * The example repository end to end: generate its data, apply it, serve it,
 * materialize through the Materialize RPC, then GetOnlineFeatures through the
 * feature service `vehicle_model_v1`. Every online value is checked against
 * the latest offline row computed independently with DuckDB over the
 * Parquet files, and `price_diff` (an on-demand feature) against
 * actual_price - recommended_price of that row.
 */
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleRepo, startTestServer, type TestServer } from "./support/server.js";
import type { TempRepo } from "./support/temp-repo.js";

const HOUR = 3_600_000;
const end = new Date(Math.floor(Date.now() / HOUR) * HOUR);

let repo: TempRepo;
let t: TestServer;
beforeAll(async () => {
  repo = await createExampleRepo({ end });
  t = await startTestServer({ repoPath: repo.path });
  for await (const _ of t.client.materialize({ start: new Date(end.getTime() - 60 * 24 * HOUR), end })) {
    // progress events
  }
}, 180_000);
afterAll(async () => {
  await t?.shutdown();
  repo?.cleanup();
});

/** Latest row per vehicle by (event_timestamp, created), straight from the Parquet, by DuckDB. */
async function latestOffline(): Promise<
  Map<bigint, { actual: number | null; recommended: number | null; tech: string | null; ts: Date }>
> {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const file = join(repo.path, "data", "vehicle_features.parquet");
  const reader = await c.runAndReadAll(`
    SELECT vehicle_id::BIGINT, actual_price::DOUBLE, recommended_price::DOUBLE, technology::VARCHAR,
           epoch_ms(event_timestamp)::BIGINT
    FROM (SELECT *, row_number() OVER (PARTITION BY vehicle_id ORDER BY event_timestamp DESC, created DESC) AS rn
          FROM read_parquet('${file}'))
    WHERE rn = 1`);
  const out = new Map();
  for (const [id, actual, recommended, tech, ms] of reader.getRows()) {
    out.set(id as bigint, {
      actual: actual as number | null,
      recommended: recommended as number | null,
      tech: tech as string | null,
      ts: new Date(Number(ms)),
    });
  }
  c.closeSync();
  db.closeSync();
  return out;
}

describe("GetOnlineFeatures on the example repository", () => {
  it("serves vehicle_model_v1 with online values equal to the latest offline rows and price_diff computed", async () => {
    const offline = await latestOffline();
    const ids = [...offline.keys()].slice(0, 40);
    expect(ids.length).toBe(40);
    const res = await t.client.getOnlineFeatures({
      featureServices: ["vehicle_model_v1"],
      entities: { vehicle_id: [...ids, 999_999_999n, ids[0] as bigint] },
    });
    const col = (name: string) => res.columns[res.featureNames.indexOf(name)];
    expect(res.featureNames[0]).toBe("vehicle_id");
    expect(res.featureNames).toContain("price_diff");
    ids.forEach((id, i) => {
      const o = offline.get(id);
      expect(col("actual_price")?.values[i]).toBe(o?.actual);
      expect(col("recommended_price")?.values[i]).toBe(o?.recommended);
      expect(col("technology")?.values[i]).toBe(o?.tech);
      expect(col("actual_price")?.eventTimestamps[i]).toEqual(o?.ts);
      const diff = o?.actual == null || o?.recommended == null ? null : o.actual - o.recommended;
      expect(col("price_diff")?.values[i]).toBe(diff);
      // Materialized within the view's 30-day ttl: fresh.
      expect(col("actual_price")?.statuses[i]).toBe(o?.actual == null ? "NULL_VALUE" : "PRESENT");
    });
    // An unknown vehicle: NOT_FOUND for stored features, NULL_VALUE for the computed one.
    const unknown = ids.length;
    expect(col("actual_price")?.statuses[unknown]).toBe("NOT_FOUND");
    expect(col("price_diff")?.statuses[unknown]).toBe("NULL_VALUE");
    // The duplicate of the first vehicle repeats its values.
    expect(col("actual_price")?.values[unknown + 1]).toBe(col("actual_price")?.values[0]);
  });
});

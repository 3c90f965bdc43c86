/**
 * A read of very many entities from a real redis-server: 150,000 entity keys
 * in one `read` (consistency validation with explicit entities or big
 * samples), in both layouts, including keys without a row. The read is split
 * into several script calls, so no argument array grows with the request.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineStore, type OnlineStore, readStoredRows, writeOnlineRows } from "../src/online/index.js";
import { featureView, field, redisStoreConfig, repoConfig, ValueType } from "./support/online-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";

const N = 150_000;
/** Entity keys read but never written (every 1000th id above N). */
const MISSING = 50;

const id = field("id", ValueType.INT64);
const view = featureView("big_view", [id], [field("x", ValueType.INT64), field("y", ValueType.FLOAT)], 0, []);

let redis: StartedRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe.each(["packed", "feast"] as const)("a read of %s rows for 150,000 entities", (layout) => {
  let store: OnlineStore;
  const ts = new Date(1_700_000_000_000);
  beforeAll(async () => {
    store = createOnlineStore(repoConfig(redisStoreConfig(redis.connectionString, layout), `big_${layout}`));
    const rows = [];
    for (let i = 0; i < N; i++) {
      rows.push({
        entityKey: [BigInt(i)],
        eventTimeUs: ts.getTime() * 1000,
        values: [BigInt(i) * 3n, i % 7],
      });
    }
    const r = await writeOnlineRows(store, view, rows);
    expect(r.written).toBe(N);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it("returns every row in order, and undefined for keys without one", async () => {
    // Shuffled-ish order (a stride through the ids) plus unknown ids mixed in.
    const ids: number[] = [];
    for (let k = 0; k < N; k++) ids.push((k * 7919) % N);
    for (let m = 0; m < MISSING; m++) ids.splice(m * 1000, 0, N + m * 1000);
    const rows = await readStoredRows(store, [
      { view, features: ["x", "y"], entityKeys: ids.map((i) => [BigInt(i)]) },
    ]);
    expect(rows).toHaveLength(1);
    const got = rows[0] as unknown[];
    expect(got).toHaveLength(N + MISSING);
    let present = 0;
    ids.forEach((i, k) => {
      const row = got[k] as { eventTimeUs: number; values: Map<string, unknown> } | undefined;
      if (i >= N) {
        expect(row).toBeUndefined();
        return;
      }
      present++;
      if (row?.values.get("x") !== BigInt(i) * 3n || row.values.get("y") !== i % 7) {
        expect.fail(`id ${i}: got ${row && JSON.stringify([...row.values], (_, v) => String(v))}`);
      }
      if (row.eventTimeUs / 1000 !== ts.getTime()) expect.fail(`id ${i}: event time ${row.eventTimeUs}`);
    });
    expect(present).toBe(N);
  }, 60_000);

  // The packed layout's merged read (two lookups) takes the feast layout's path, tested above.
  if (layout === "packed")
    it("reads a second lookup of the same keys in the same call (merged reads)", async () => {
      const ids = Array.from({ length: N }, (_, i) => i);
      const keys = ids.map((i) => [BigInt(i)]);
      const rows = await readStoredRows(store, [
        { view, features: ["x"], entityKeys: keys },
        { view, features: ["y"], entityKeys: keys.slice(0, 1000) },
      ]);
      expect((rows[0] as unknown[]).length).toBe(N);
      expect((rows[1] as unknown[]).length).toBe(1000);
      (rows[0] as ({ values: Map<string, unknown> } | undefined)[]).forEach((row, i) => {
        if (row?.values.get("x") !== BigInt(i) * 3n || row.values.has("y")) expect.fail(`x of id ${i}`);
      });
      (rows[1] as ({ values: Map<string, unknown> } | undefined)[]).forEach((row, i) => {
        if (row?.values.get("y") !== i % 7 || row.values.has("x")) expect.fail(`y of id ${i}`);
      });
    }, 60_000);
});

/**
 * GetOnlineFeatures responses are encoded into one buffer that the server
 * reuses for every response (grpc-js copies the bytes into its frame as soon
 * as it has them). Many concurrent calls for different entities, some with
 * responses far larger than the buffer's first size, must each get their own
 * values: a real gRPC server on real stores (Redis replies complete several
 * calls in one tick, so their encodes and sends interleave), expectations
 * computed from the rows written.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineStore, type OnlineStore, writeOnlineRows } from "../src/online/index.js";
import { featureView, field, ValueType } from "./support/online-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

const vehicleId = field("vehicle_id", ValueType.INT64);
const view = featureView(
  "vehicle_notes",
  [vehicleId],
  [field("note", ValueType.STRING), field("score", ValueType.DOUBLE), field("trips", ValueType.INT64)],
  0,
  ["vehicle"],
);
const ENTITIES = 400;
const eventMs = Date.now() - 60_000;
/** Each entity's values, from its id alone: notes of 0 to ~3 KB, so 400 entities make ~600 KB. */
const note = (id: number) => `note-${id}-${"abcdefghij".repeat((id * 37) % 300)}`;
const score = (id: number) => id * 1.5 + 0.25;
const trips = (id: number) => BigInt(id) * 1_000_003n;

let redis: StartedRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

const storeDocs: [string, () => Record<string, unknown>][] = [
  ["sqlite", () => ({ type: "sqlite", path: "data/online.db" })],
  ["redis packed", () => ({ type: "redis", connection_string: redis.connectionString })],
];

describe.each(storeDocs)(
  "GetOnlineFeatures: concurrent responses through the reused serializer buffer (%s)",
  (name, onlineStore) => {
    let t: TestServer;
    let store: OnlineStore;

    beforeAll(async () => {
      const project = `p_concurrent_${name.replace(/ /g, "_")}`;
      const config = testConfig(mkdtempSync(join(tmpdir(), "fstore-concurrent-")), {
        project,
        online_store: onlineStore(),
      });
      const described = { description: "", tags: {}, owner: "" };
      const registry = createMemoryRegistry(project, {
        entities: [{ ...described, name: "vehicle", joinKeys: ["vehicle_id"], valueType: ValueType.INT64 }],
        dataSources: [view.source],
        featureViews: [view],
        featureServices: [],
        onDemandFeatureViews: [],
      });
      store = createOnlineStore(config);
      await writeOnlineRows(
        store,
        view,
        Array.from({ length: ENTITIES }, (_, i) => ({
          entityKey: [BigInt(i)],
          eventTimeUs: eventMs * 1000,
          values: [note(i), score(i), trips(i)],
        })),
      );
      t = await startTestServer({ config, registry });
    });
    afterAll(async () => {
      await t?.shutdown();
      await store?.close();
    });

    it("gives every one of 120 concurrent calls of 1 to 400 entities its own values", async () => {
      const requests = Array.from({ length: 120 }, (_, r) => {
        // 1 to 400 distinct ids (11 is prime to 420), in a different order per call, some unknown
        // (400-419: NOT_FOUND).
        const n = 1 + ((r * 97) % ENTITIES);
        return Array.from({ length: n }, (_, i) => (i * 11 + r * 13) % (ENTITIES + 20));
      });
      const responses = await Promise.all(
        requests.map((ids) =>
          t.client.getOnlineFeatures({
            features: ["vehicle_notes:note", "vehicle_notes:score", "vehicle_notes:trips"],
            entities: { vehicle_id: ids.map(BigInt) },
          }),
        ),
      );
      responses.forEach((res, r) => {
        const ids = requests[r] as number[];
        const known = (id: number) => id < ENTITIES;
        expect({ r, ids: res.columns[0]?.values }).toEqual({ r, ids: ids.map(BigInt) });
        expect({ r, notes: res.columns[1]?.values }).toEqual({
          r,
          notes: ids.map((id) => (known(id) ? note(id) : null)),
        });
        expect({ r, scores: res.columns[2]?.values }).toEqual({
          r,
          scores: ids.map((id) => (known(id) ? score(id) : null)),
        });
        expect({ r, trips: res.columns[3]?.values }).toEqual({
          r,
          trips: ids.map((id) => (known(id) ? trips(id) : null)),
        });
        expect({ r, statuses: res.columns[3]?.statuses }).toEqual({
          r,
          statuses: ids.map((id) => (known(id) ? "PRESENT" : "NOT_FOUND")),
        });
      });
      // The largest response is far beyond the buffer's first 64 KB.
      const noteBytes = (ids: number[]) =>
        ids.reduce((sum, id) => sum + (id < ENTITIES ? note(id).length : 0), 0);
      expect(Math.max(...requests.map(noteBytes))).toBeGreaterThan(256 << 10);
    });
  },
);

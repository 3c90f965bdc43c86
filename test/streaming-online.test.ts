/**
 * Streaming, online: events fed through Redis Streams, NATS JetStream and
 * Push (into one server, consuming inside `fstore serve`) give, at several
 * request times (the server's clock injected), exactly the brute-force
 * oracle's aggregates for every function and window, on SQLite and on Redis.
 * The raw events land in the batch sources once each, with their ingestion
 * time; bad events go to the dead-letter file, counted, and ingestion goes on.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FstoreClientError } from "../clients/typescript/src/index.js";
import { applyRepo } from "../src/registry/index.js";
import { type StartedNats, startNats } from "./support/nats.js";
import { type StartedRedis, startRedis } from "./support/redis.js";
import { startTestServer } from "./support/server.js";
import {
  eventKeys,
  eventsFor,
  expectOnlineMatchesOracle,
  LATENESS_SECONDS,
  publishNats,
  publishRedis,
  pushEvents,
  readRawEvents,
  requestTimesMs,
  streamConfig,
  streamDefinitions,
  waitFor,
} from "./support/stream-fixtures.js";
import { lateEvents } from "./support/stream-oracle.js";
import { createTempRepo } from "./support/temp-repo.js";

let redis: StartedRedis;
let nats: StartedNats;
beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedis(), startNats()]);
}, 30_000);
afterAll(async () => {
  await Promise.all([redis?.close(), nats?.close()]);
});

describe.each(["sqlite", "redis", "redis-feast"] as const)(
  "stream views on the %s online store",
  (storeType) => {
    it("agree with the oracle for every function and window, fed by Redis Streams, NATS and Push", async () => {
      const tag = `${storeType}_${process.pid}`;
      const redisUrl = `redis://${redis.connectionString}`;
      const onlineStore =
        storeType === "sqlite"
          ? "online_store:\n  type: sqlite\n  path: data/online_store.db"
          : `online_store:\n  type: redis\n  connection_string: "${redis.connectionString},db=${storeType === "redis" ? 1 : 3}"\n  layout: ${storeType === "redis" ? "packed" : "feast"}`;
      const repo = createTempRepo({
        config: streamConfig(onlineStore),
        files: { "features.ts": streamDefinitions({ redisUrl, natsUrl: nats.url, tag }) },
      });
      let clockMs = Date.now();
      await applyRepo(repo.path);
      const server = await startTestServer({ repoPath: repo.path, clock: () => clockMs });
      try {
        const sent = {
          tx_redis: eventsFor(11, false),
          tx_nats: eventsFor(12, false),
          tx_push: eventsFor(13, true),
        };
        const [badRedis, badNats] = await Promise.all([
          publishRedis(redisUrl, `tx_${tag}`, sent.tx_redis),
          publishNats(nats.url, `TX_${tag}`, `tx.${tag}`, sent.tx_nats),
          pushEvents(server.client, "tx_push", sent.tx_push),
        ]);
        expect(badRedis).toBeGreaterThan(0);
        expect(badNats).toBeGreaterThan(0);

        // Every valid event reaches the batch source exactly once, with its ingestion time.
        const raw: Record<string, Awaited<ReturnType<typeof readRawEvents>>> = {};
        for (const [source, events] of Object.entries(sent)) {
          const folder = join(repo.path, "data", `${source}_raw`);
          await waitFor(`${source}'s raw events`, async () => {
            raw[source] = await readRawEvents(folder);
            return (raw[source]?.length ?? 0) >= events.length;
          });
          expect(eventKeys(raw[source] ?? [])).toEqual(eventKeys(events));
        }
        // Bad events are dead-lettered with their reason, and ingestion went on.
        const deadLetters = (source: string) =>
          readFileSync(join(repo.path, "data", "dead_letter", `${source}.jsonl`), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as { reason: string });
        await waitFor("dead letters", async () => {
          try {
            return deadLetters("tx_redis").length === badRedis && deadLetters("tx_nats").length === badNats;
          } catch {
            return false;
          }
        });
        expect(new Set(deadLetters("tx_redis").map((l) => l.reason))).toEqual(
          new Set(["missing_column", "wrong_type", "bad_time"]),
        );
        expect(new Set(deadLetters("tx_nats").map((l) => l.reason))).toEqual(
          new Set(["not_an_object", "missing_column", "wrong_type"]),
        );

        let compared = 0;
        let nonEmpty = 0;
        const mismatches: string[] = [];
        for (const source of ["tx_redis", "tx_nats", "tx_push"] as const) {
          // The random arrivals hold late events (left out online), and the oracle knows which.
          expect(lateEvents(raw[source] ?? [], LATENESS_SECONDS * 1e6).length).toBeGreaterThan(0);
          for (const t of requestTimesMs(raw[source] ?? [])) {
            clockMs = t;
            const r = await expectOnlineMatchesOracle(server.client, `${source}_view`, raw[source] ?? [], t);
            compared += r.compared;
            nonEmpty += r.nonEmpty;
            mismatches.push(...r.mismatches);
          }
        }
        expect(mismatches.slice(0, 10)).toEqual([]);
        expect(compared).toBe(3 * 10 * 18 * 7);
        // Both full and empty windows were compared.
        expect(nonEmpty).toBeGreaterThan(100);
        expect(nonEmpty).toBeLessThan(3 * 10 * 3 * 7);

        // The registry RPCs describe the view's aggregates and its stream.
        const info = await server.client.getFeatureView("tx_nats_view");
        expect(info.aggregations).toHaveLength(18);
        expect(info.aggregations[1]).toEqual({
          name: "a_sum_60s",
          column: "a",
          function: "sum",
          windowSeconds: 60,
          slideSeconds: 10,
        });
        expect(info.allowedLatenessSeconds).toBe(LATENESS_SECONDS);
        expect(info.streamSource?.name).toBe("tx_nats");
        expect(info.batchSource?.name).toBe("tx_nats_raw");

        // A bad pushed row rejects the whole push, naming the column (nothing is written).
        const badPush = (columns: Record<string, unknown[]>) =>
          server.client.push({ source: "tx_push", to: "online_and_offline", columns: columns as never }).then(
            () => undefined,
            (err: FstoreClientError) => `${err.code}: ${err.details}`,
          );
        const row = { user_id: [1n], a: [1.5], b: [2n], ts: [new Date(clockMs)] };
        expect(await badPush({ user_id: row.user_id, a: row.a, ts: row.ts })).toBe(
          `${status.INVALID_ARGUMENT}: push to stream source "tx_push": missing column "b"; every schema column is required`,
        );
        expect(await badPush({ ...row, extra: [1] })).toMatch(/column "extra" is not in its schema/);
        expect(await badPush({ ...row, b: [null] })).toMatch(/column "b" row 0: events hold no nulls/);
        expect((await readRawEvents(join(repo.path, "data", "tx_push_raw"))).length).toBe(
          sent.tx_push.length,
        );
      } finally {
        await server.shutdown();
        repo.cleanup();
      }
    }, 120_000);
  },
);

/**
 * Stream ingestion as a process (`fstore ingest`): killed (SIGKILL) right
 * after an online write and before the acknowledgement, then started again,
 * it resumes from its group's position and leaves aggregates equal to the
 * oracle and every raw event in the batch source exactly once. Both streams
 * (Redis Streams into a SQLite store, NATS JetStream into Redis).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRepo } from "../src/registry/index.js";
import { type StartedNats, startNats } from "./support/nats.js";
import { type StartedRedis, startRedis } from "./support/redis.js";
import { startTestServer } from "./support/server.js";
import {
  eventKeys,
  eventsFor,
  expectOnlineMatchesOracle,
  publishNats,
  publishRedis,
  readRawEvents,
  requestTimesMs,
  streamConfig,
  streamDefinitions,
  waitFor,
} from "./support/stream-fixtures.js";
import { createTempRepo, PROJECT_ROOT } from "./support/temp-repo.js";

let redis: StartedRedis;
let nats: StartedNats;
beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedis(), startNats()]);
}, 30_000);
afterAll(async () => {
  await Promise.all([redis?.close(), nats?.close()]);
});

function ingest(repoPath: string, source: string, env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(PROJECT_ROOT, "bin/fstore.js"), "ingest", "--repo", repoPath, "--source", source],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  // The JSON log and errors, shown when an expectation fails.
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  child.stdout?.on("data", (d) => {
    stderr += String(d);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exit };
}

describe.each([
  { stream: "redis", source: "tx_redis", store: "sqlite" },
  { stream: "nats", source: "tx_nats", store: "redis" },
] as const)(
  "$stream ingestion killed between the online write and the acknowledgement",
  ({ stream, source, store }) => {
    it("restarts from the group's position with aggregates equal to the oracle and no raw event twice", async () => {
      const tag = `crash_${stream}_${process.pid}`;
      const redisUrl = `redis://${redis.connectionString}`;
      const onlineStore =
        store === "sqlite"
          ? "online_store:\n  type: sqlite\n  path: data/online_store.db"
          : `online_store:\n  type: redis\n  connection_string: "${redis.connectionString},db=2"`;
      // Two batches per flush: the kill after the third online write leaves one applied, unacknowledged batch.
      const config = streamConfig(onlineStore)
        .replace("flush_interval_ms: 100", "flush_interval_ms: 60000\n  flush_rows: 100")
        .replace("batch_size: 200", "batch_size: 50\n  ingest_in_serve: false");
      const repo = createTempRepo({
        config,
        files: { "features.ts": streamDefinitions({ redisUrl, natsUrl: nats.url, tag }) },
      });
      try {
        await applyRepo(repo.path);
        const events = eventsFor(21, false);
        if (stream === "redis") await publishRedis(redisUrl, `tx_${tag}`, events, false);
        else await publishNats(nats.url, `TX_${tag}`, `tx.${tag}`, events, false);
        const folder = join(repo.path, "data", `${source}_raw`);

        const first = ingest(repo.path, source, { FSTORE_TEST_INGEST_CRASH_AFTER_WRITES: "3" });
        const killed = await first.exit;
        expect(killed.signal, killed.stderr).toBe("SIGKILL");
        // Killed with work applied online and not yet acknowledged (Redis: the third batch of 50 was
        // applied while the first two were being flushed beside it, or after they were).
        const rawAtKill = (await readRawEvents(folder)).length;
        expect(rawAtKill).toBeLessThan(events.length);
        if (stream === "redis") expect([0, 100]).toContain(rawAtKill);

        const second = ingest(repo.path, source);
        try {
          await waitFor(
            "every event in the batch source",
            async () => (await readRawEvents(folder)).length >= events.length,
            90_000,
          ).catch(async (err) => {
            second.child.kill("SIGTERM");
            throw new Error(`${(err as Error).message}: ${(await second.exit).stderr.slice(-3000)}`);
          });
          // Nothing more comes: a redelivered event is never written twice.
          await new Promise((r) => setTimeout(r, 500));
        } finally {
          second.child.kill("SIGTERM");
        }
        const stopped = await second.exit;
        expect(stopped.code, stopped.stderr).toBe(0);
        const raw = await readRawEvents(folder);
        expect(eventKeys(raw)).toEqual(eventKeys(events));
        if (stream === "redis") {
          // Everything was acknowledged: nothing is pending in the group.
          expect(redis.cli("XPENDING", `tx_${tag}`, "fstore").split("\n")[0]).toBe("0");
        }

        let clockMs = 0;
        const server = await startTestServer({ repoPath: repo.path, clock: () => clockMs });
        try {
          const mismatches: string[] = [];
          for (const t of requestTimesMs(raw)) {
            clockMs = t;
            mismatches.push(
              ...(await expectOnlineMatchesOracle(server.client, `${source}_view`, raw, t)).mismatches,
            );
          }
          expect(mismatches.slice(0, 10)).toEqual([]);
        } finally {
          await server.shutdown();
        }
      } finally {
        repo.cleanup();
      }
    }, 240_000);
  },
);

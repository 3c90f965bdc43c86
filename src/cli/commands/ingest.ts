/**
 * `fstore ingest`: the stream consumers on their own (what `fstore serve`
 * runs inside when streaming.ingest_in_serve is on), until SIGTERM/SIGINT,
 * which stop them after flushing and acknowledging (exit 0).
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError } from "../../errors/index.js";
import { startIngestion } from "../../ingest/index.js";
import { openDuckDb } from "../../offline/index.js";
import { createOnlineStore } from "../../online/index.js";
import { openRegistry } from "../../registry/index.js";
import { createLogger } from "../../server/index.js";

export interface IngestOptions {
  repo: string;
  /** Only these stream sources (default: all that feed an online stream view). */
  source?: string[];
}

/** Test only: the process kills itself (SIGKILL) after this many online writes, before acknowledging. */
const CRASH_ENV = "FSTORE_TEST_INGEST_CRASH_AFTER_WRITES";

export async function runIngest(options: IngestOptions): Promise<void> {
  const logger = createLogger();
  try {
    const config = loadRepoConfig(resolve(options.repo));
    const registry = await openRegistry(config);
    const store = createOnlineStore(config);
    const db = await openDuckDb();
    const crashAfter = Number(process.env[CRASH_ENV] ?? 0);
    let writes = 0;
    const ingestion = startIngestion({
      config,
      registry,
      store: () => store,
      db: async () => db,
      logger,
      ...(options.source ? { sources: options.source } : {}),
      ...(crashAfter > 0
        ? {
            afterOnlineWrite: () => {
              if (++writes >= crashAfter) process.kill(process.pid, "SIGKILL");
            },
          }
        : {}),
    });
    logger.info({ repo: config.repoPath }, "fstore ingest started");
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.info({ signal }, "stopping stream consumers");
      void (async () => {
        await ingestion.stop();
        await store.close();
        db.closeSync();
        await registry.close();
        process.exit(0);
      })();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  } catch (err) {
    const e = FstoreError.from(err);
    console.error(`fstore ingest: ${e.code}: ${e.message}`);
    process.exitCode = 1;
  }
}

export function registerIngestCommand(program: Command): void {
  program
    .command("ingest")
    .description(
      "consume the stream sources of online stream feature views (Redis Streams, NATS JetStream) into online tiles and Parquet",
    )
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--source <name...>", "only these stream sources")
    .action(async (options: IngestOptions) => {
      await runIngest(options);
    });
}

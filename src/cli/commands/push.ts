/**
 * `fstore push --source NAME FILE`: rows from a Parquet, CSV or JSON-lines
 * file pushed like the Push RPC (same target resolution, same validation,
 * all or nothing), online, offline or both.
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError } from "../../errors/index.js";
import { openDuckDb } from "../../offline/index.js";
import { createOnlineStore } from "../../online/create-online-store.js";
import { type PushDestination, push, resolvePushTarget } from "../../push/index.js";
import { openRegistry } from "../../registry/index.js";
import { readPushFile } from "../push-file-columns.js";

const DESTINATIONS = ["online", "offline", "online_and_offline"] as const;

export async function runPush(options: { repo: string; source: string; to: PushDestination }, file: string) {
  try {
    const config = loadRepoConfig(resolve(options.repo));
    const registry = await openRegistry(config);
    const store = createOnlineStore(config);
    const db = openDuckDb();
    try {
      const target = resolvePushTarget(registry.snapshot(), options.source);
      const columns = await readPushFile(await db, resolve(file), target);
      const result = await push(
        { config, registry, onlineStore: () => store, duckdb: () => db },
        { name: options.source, columns, to: options.to },
      );
      console.log(
        `pushed ${result.rows} rows to "${options.source}" (${options.to}): ` +
          `${result.onlineEntitiesWritten} entities written online, ${result.onlineRowsSkippedStale} rows skipped as stale` +
          (result.offlinePath ? `, offline ${result.offlinePath}` : ""),
      );
    } finally {
      (await db.catch(() => undefined))?.closeSync();
      await store.close();
      await registry.close();
    }
  } catch (err) {
    const e = FstoreError.from(err);
    console.error(`fstore push: ${e.code}: ${e.message}`);
    process.exitCode = 1;
  }
}

/** Registers `fstore push`. */
export function registerPushCommand(program: Command): void {
  program
    .command("push")
    .description("push rows from a Parquet, CSV or JSON-lines file to a push source or feature view")
    .argument("<file>", "a .parquet, .csv (with a header) or .jsonl file")
    .requiredOption("--source <name>", "push source (or feature view) to push to")
    .option(
      "--to <where>",
      `${DESTINATIONS.join(", ")} (default online)`,
      (value: string) => {
        if (!(DESTINATIONS as readonly string[]).includes(value)) {
          throw new InvalidArgumentError(`expected one of ${DESTINATIONS.join(", ")}`);
        }
        return value as PushDestination;
      },
      "online",
    )
    .option("--repo <dir>", "feature repository folder", ".")
    .action(async (file: string, options: { repo: string; source: string; to: PushDestination }) => {
      await runPush(options, file);
    });
}

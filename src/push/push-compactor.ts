/**
 * The server's compaction of offline pushes: after an offline push into a
 * folder, that folder is compacted in the background (compaction.ts), one
 * compaction per folder at a time, again if pushes arrived meanwhile. Errors
 * are logged, never thrown at a caller: compaction only saves work.
 */
import type { DuckDBInstance } from "@duckdb/node-api";
import type { Logger } from "pino";
import { type CompactionOptions, compactFolder, DEFAULT_COMPACTION } from "./compaction.js";
import { type ResourcePool, type RetrievalPins, sharedRetrievalPins } from "./retrieval-pins.js";

export class PushCompactor {
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();

  constructor(
    private readonly db: () => Promise<DuckDBInstance>,
    readonly pins: RetrievalPins,
    private readonly logger?: Logger,
    private readonly options: CompactionOptions = DEFAULT_COMPACTION,
  ) {}

  /** Notes an offline push into `folder`; compacts it in the background. */
  afterPush(folder: string): void {
    if (this.#running.has(folder)) {
      this.#again.add(folder);
      return;
    }
    const run = (async () => {
      do {
        this.#again.delete(folder);
        try {
          const r = await compactFolder(await this.db(), folder, this.pins, this.options);
          if (r.removed > 0) this.logger?.info({ folder, filesMerged: r.removed }, "compacted pushed files");
        } catch (err) {
          this.logger?.warn(
            { folder, err: (err as Error).message },
            "compacting pushed files failed; will retry",
          );
        }
      } while (this.#again.has(folder));
    })().finally(() => this.#running.delete(folder));
    this.#running.set(folder, run);
  }

  /** Resolves when no compaction is running (tests, and shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }
}

/**
 * The process's compactor. `db` is opened first, so the compactor (newer)
 * is closed, waiting for a running compaction, before DuckDB is.
 */
export function sharedPushCompactor(
  pool: ResourcePool,
  db: () => Promise<DuckDBInstance>,
  logger?: Logger,
): PushCompactor {
  const pins = sharedRetrievalPins(pool);
  void db();
  return pool.get(
    "push-compactor",
    () => new PushCompactor(db, pins, logger),
    (c) => c.idle(),
  );
}

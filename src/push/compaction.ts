/**
 * Offline push compaction: each offline push writes one small Parquet file,
 * and a folder of thousands makes every scan pay per file (1,000 single-row
 * pushes: Materialize 51 -> 450 ms, GetHistoricalFeatures 101 -> 390 ms).
 * When a source's folder holds `minFiles` or more small pushed files
 * (`push-*.parquet`, under `smallFileBytes`) that sit next to each other in
 * name order, they are merged into one:
 *
 * 1. DuckDB copies the run's rows, file after file and row after row (the
 *    order readers break ties by), into `<last input>.tmp`, which is fsynced;
 * 2. if no retrieval of this process holds a pin (retrieval-pins.ts), the
 *    temp file is renamed over the run's last file and the other inputs are
 *    deleted, synchronously (nothing can start in between); otherwise the
 *    merge is dropped and tried again after a later push.
 *
 * The merged file takes the last input's name, so it sorts where the run
 * sorted: every reader sees the same rows in the same order before and after,
 * and point-in-time results are identical. A reader that listed the folder
 * between rename and unlink would see some rows twice, which changes no
 * latest-row or point-in-time result (duplicates are identical).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { open, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { connectUtc } from "../materialize/duckdb.js";
import { quoteString } from "../offline/sql-text.js";
import type { RetrievalPins } from "./retrieval-pins.js";

export interface CompactionOptions {
  /** Merge once this many small pushed files sit together (default 16). */
  minFiles: number;
  /** A pushed file below this size is small (default 8 MiB). */
  smallFileBytes: number;
}

export const DEFAULT_COMPACTION: CompactionOptions = { minFiles: 16, smallFileBytes: 8 * 1024 * 1024 };

const PUSHED = /^push-.*\.parquet$/;

/**
 * The runs to merge (pure): maximal sequences of small pushed files that are
 * adjacent in name order among all of the folder's Parquet files, with at
 * least `minFiles` files each.
 */
export function planCompaction(
  files: readonly { name: string; bytes: number }[],
  o: CompactionOptions,
): string[][] {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const runs: string[][] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= o.minFiles) runs.push(run);
    run = [];
  };
  for (const f of sorted) {
    if (PUSHED.test(f.name) && f.bytes < o.smallFileBytes) run.push(f.name);
    else flush();
  }
  flush();
  return runs;
}

export interface CompactionResult {
  /** Files merged away (inputs minus outputs). */
  removed: number;
  /** Runs not swapped because a retrieval was in flight. */
  deferred: number;
}

/** Compacts `folder` once (see the file comment). */
export async function compactFolder(
  db: DuckDBInstance,
  folder: string,
  pins: RetrievalPins,
  o: CompactionOptions = DEFAULT_COMPACTION,
): Promise<CompactionResult> {
  const names = (await readdir(folder)).filter((n) => n.endsWith(".parquet"));
  const files = await Promise.all(
    names.map(async (name) => ({
      name,
      bytes: (await stat(join(folder, name)).catch(() => undefined))?.size ?? Infinity,
    })),
  );
  const result: CompactionResult = { removed: 0, deferred: 0 };
  for (const run of planCompaction(files, o)) {
    const paths = run.map((n) => join(folder, n));
    const last = paths[paths.length - 1] as string;
    const temp = `${last}.tmp`;
    const conn = await connectUtc(db);
    try {
      const list = `[${paths.map(quoteString).join(", ")}]`;
      await conn.run(
        `COPY (SELECT * EXCLUDE (filename, file_row_number) FROM read_parquet(${list}, union_by_name = true, filename = true, file_row_number = true)
           ORDER BY list_position(${list}, filename), file_row_number) TO ${quoteString(temp)} (FORMAT parquet)`,
      );
      const fd = await open(temp, "r");
      await fd.sync();
      await fd.close();
      if (pins.pinned) {
        await rm(temp, { force: true });
        result.deferred++;
        continue;
      }
      // Synchronous from here: no retrieval can pin and list the folder half-way.
      renameSync(temp, last);
      for (const p of paths.slice(0, -1)) unlinkSync(p);
      syncFolder(folder);
      result.removed += paths.length - 1;
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    } finally {
      conn.closeSync();
    }
  }
  return result;
}

function syncFolder(folder: string): void {
  const fd = openSync(folder, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

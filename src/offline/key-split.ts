/**
 * The historical join split by key, for sets larger than DuckDB's memory.
 *
 * DuckDB's ASOF join sorts both of its sides whole; past the memory limit
 * those sorts spill and the join grew far faster than the data (measured
 * with a 2 GB limit: 10x the rows took 18x the time of the join, nearly all
 * of it in the two ASOF joins; bench/scale.bench.ts). Split by a hash of
 * the keys every view joins on, the entity rows and feature rows of one part
 * meet only each other, so each part's join runs in memory: the entity rows
 * and each view's source rows are written once to temp Parquet files per
 * part (one pass each, as materialization's split does), then each part's
 * join is appended to the result table, which the caller sorts on output.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckDbTempDirectory } from "./duckdb-instance.js";
import type { HistoricalPlan, HistoricalSplit } from "./historical-plan.js";
import { quoteIdent, quoteString } from "./sql-text.js";

/**
 * DuckDB memory a joined row needs, entity and feature rows counted alike,
 * with room for both ASOF sorts of a part (measured: 11M rows, the scale
 * bench's 1x, peaked at 1.2 GB RSS in memory; at 128 bytes the 10x set's 8
 * parts of ~14M rows ran at the 2 GB limit and took 12.2x the 1x's time, at
 * 256 its 16 parts took 10.3x, 25.6 s instead of 27.1 s, the 1x itself then
 * split in 2 and 0.3 s slower). A split part holds at most memory limit /
 * this many rows.
 */
export const BYTES_PER_JOIN_ROW = 256;

/** Part files a split write keeps open at once (each holds a row group being built). */
const SPLIT_OPEN_FILES = 8;

/**
 * How many parts a join over `rows` rows (entity plus feature rows) is
 * split into, each holding at most `rowsPerPart` rows on average: a power of
 * two, at most 256; 1 means no split (the join runs as one).
 */
export function splitPartCount(rows: bigint, rowsPerPart: number): number {
  const perPart = BigInt(Math.max(1, Math.floor(rowsPerPart)));
  let parts = 1;
  while (parts < 256 && rows > BigInt(parts) * perPart) parts *= 2;
  return parts;
}

/** Rows a split part may hold under DuckDB's memory limit on `connection` (NaN when unreadable). */
export async function rowsPerPartOf(connection: DuckDBConnection): Promise<number> {
  return (await memoryLimitBytes(connection)) / BYTES_PER_JOIN_ROW;
}

/** The part (0 .. parts-1) of a row: a hash of its split keys, each cast to the type both sides compare as. */
export function keyPartSql(keys: HistoricalSplit["keys"], parts: number): string {
  const hashed = keys.map((k) => `CAST(${quoteIdent(k.name)} AS ${k.sqlType})`).join(", ");
  return `CAST(hash(${hashed}) % ${parts} AS INTEGER)`;
}

/**
 * COPY of `selectSql`'s rows into `folder`, one `__part=<n>` sub-folder per
 * part (the part not stored). Uncompressed and without dictionaries: read
 * once, soon after (measured: compression and dictionaries cost 10-15% more
 * CPU than they save). Small row groups bound the memory of the open part writers.
 */
export function splitCopySql(
  selectSql: string,
  keys: HistoricalSplit["keys"],
  parts: number,
  folder: string,
): string {
  return (
    `COPY (SELECT *, ${keyPartSql(keys, parts)} AS __part FROM (${selectSql})) ` +
    `TO ${quoteString(folder)} (FORMAT parquet, PARTITION_BY (__part), ROW_GROUP_SIZE 16384, COMPRESSION uncompressed, DICTIONARY_SIZE_LIMIT 0)`
  );
}

/** The Parquet files of each part written by `splitCopySql` into `folder` (a part without rows has none). */
export function partFilesOf(folder: string, column = "__part"): Map<number, string[]> {
  const byPart = new Map<number, string[]>();
  for (const name of readdirSync(folder)) {
    const m = name.startsWith(`${column}=`) ? name.slice(column.length + 1).match(/^(\d+)$/) : null;
    if (!m) continue;
    const files = readdirSync(join(folder, name))
      .filter((f) => f.endsWith(".parquet"))
      .sort()
      .map((f) => join(folder, name, f));
    if (files.length > 0) byPart.set(Number(m[1]), files);
  }
  return byPart;
}

/** DuckDB's memory limit in bytes (its setting reads like "1.8 GiB"). */
export async function memoryLimitBytes(connection: DuckDBConnection): Promise<number> {
  const r = await connection.runAndReadAll("SELECT current_setting('memory_limit')");
  return bytesOfSize(String(r.getRows()[0]?.[0] ?? ""));
}

/** "1.8 GiB", "2GB", "512.0 MiB" -> bytes (binary units either way); NaN when unreadable. */
export function bytesOfSize(size: string): number {
  const m = size.trim().match(/^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B$/i);
  if (!m) return Number.NaN;
  return Number(m[1]) * 1024 ** "BKMGT".indexOf((m[2] || "B").toUpperCase());
}

/**
 * Makes `name` on `connection` hold `plan.unsortedSql`'s rows (unordered):
 * a temp table, or, when the join would not fit in DuckDB's memory, a temp
 * view over the parts' results in temp Parquet files (kept out of DuckDB's
 * memory, which the sorted write then has whole). `rowsPerPart` (default:
 * from DuckDB's memory limit) sets the split. Returns what removes the
 * files; the caller drops `name`.
 */
export async function createJoinResult(
  connection: DuckDBConnection,
  plan: HistoricalPlan,
  name: string,
  isAborted: () => boolean,
  rowsPerPart?: number,
): Promise<() => void> {
  const split = plan.split;
  const perPart = split ? (rowsPerPart ?? (await rowsPerPartOf(connection))) : Number.NaN;
  const parts = split && Number.isFinite(perPart) ? splitPartCount(split.rows, perPart) : 1;
  if (!split || parts === 1) {
    await connection.run(`CREATE TEMP TABLE ${name} AS ${plan.unsortedSql}`);
    return () => {};
  }
  // Beside DuckDB's spill folder, not in it: DuckDB makes that one on its first spill and removes it.
  const folder = `${await duckDbTempDirectory(connection)}-join-parts-${randomUUID()}`;
  const close = () => rmSync(folder, { recursive: true, force: true });
  try {
    mkdirSync(join(folder, "result"), { recursive: true });
    // Row order within the split files and the parts' results does not matter (the output is
    // sorted on write), and keeping it makes DuckDB buffer whole inputs. This connection only,
    // and reset before the sorted COPY, which needs it.
    await connection.run("SET SESSION preserve_insertion_order = false");
    await connection.run(`SET SESSION partitioned_write_max_open_files = ${SPLIT_OPEN_FILES}`);
    const results: string[] = [];
    try {
      const entityFolder = join(folder, "entities");
      await connection.run(splitCopySql(split.entitiesSql, split.keys, parts, entityFolder));
      const viewFolders = split.sourceSqls.map((_, i) => join(folder, `view${i}`));
      for (const [i, sql] of split.sourceSqls.entries()) {
        if (isAborted()) throw new Error("aborted while splitting the join");
        await connection.run(splitCopySql(sql, split.keys, parts, viewFolders[i] as string));
      }
      const entityParts = safePartFiles(entityFolder);
      const viewParts = viewFolders.map((f) => safePartFiles(f));
      for (const [part, entityFiles] of [...entityParts].sort((a, b) => a[0] - b[0])) {
        if (isAborted()) throw new Error("aborted while joining");
        const sources = split.sourceSqls.map((sql, i) => {
          const files = viewParts[i]?.get(part);
          // A part without feature rows of a view: the view's source read as empty.
          return files ? scanSql(files) : `SELECT * FROM (${sql}) LIMIT 0`;
        });
        const result = join(folder, "result", `part-${part}.parquet`);
        await connection.run(
          `COPY (${split.unsortedSqlOver(scanSql(entityFiles), sources)}) TO ${quoteString(result)} ` +
            "(FORMAT parquet, COMPRESSION uncompressed, DICTIONARY_SIZE_LIMIT 0)",
        );
        results.push(result);
      }
      // The parts' inputs are read: their disk is freed before the sorted write.
      rmSync(entityFolder, { recursive: true, force: true });
      for (const f of viewFolders) rmSync(f, { recursive: true, force: true });
    } finally {
      await connection.run("RESET SESSION preserve_insertion_order");
      await connection.run("RESET SESSION partitioned_write_max_open_files");
    }
    await connection.run(
      results.length > 0
        ? `CREATE TEMP VIEW ${name} AS ${scanSql(results)}`
        : `CREATE TEMP VIEW ${name} AS SELECT * FROM (${plan.unsortedSql}) LIMIT 0`,
    );
    return close;
  } catch (err) {
    close();
    throw err;
  }
}

/** The files of one part, read with their stored columns only. */
function scanSql(files: readonly string[]): string {
  return `SELECT * FROM read_parquet([${files.map(quoteString).join(", ")}], hive_partitioning = false)`;
}

/** `partFilesOf`, for a folder that a COPY of no rows may not have made. */
function safePartFiles(folder: string): Map<number, string[]> {
  try {
    return partFilesOf(folder);
  } catch {
    return new Map();
  }
}

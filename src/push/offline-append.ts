/**
 * Appends pushed rows to a batch source as a new Parquet file, atomically:
 * DuckDB writes `<name>.parquet.tmp` (which no reader's `*.parquet` pattern
 * matches), the file is fsynced, then renamed into place, so a killed process
 * never leaves a half-written file visible.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance, DuckDBType } from "@duckdb/node-api";
import { timestampTZValue } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { failedPrecondition } from "../errors/index.js";
import { TimeSlice } from "../event-loop/index.js";
import { connectUtc } from "../materialize/duckdb.js";
import { sourcePath } from "../materialize/source-files.js";
import { appendNative } from "../offline/duckdb-append.js";
import { sqlTypeOf } from "../offline/duckdb-types.js";
import { storedColumnOf } from "../offline/source-scan.js";
import { quoteIdent, quoteString } from "../offline/sql-text.js";
import type { FileSourceDef } from "../registry/model.js";
import type { NativeValue } from "../values/index.js";
import type { PushColumn } from "./push-target.js";
import type { PushTable } from "./validate-push.js";

/** The folder a source's pushed files go to; a source that is a single file cannot take appends. */
export function appendFolderOf(repoPath: string, source: FileSourceDef): string {
  const abs = sourcePath(repoPath, source);
  if (/[*?[]/.test(abs)) {
    throw failedPrecondition(`source "${source.name}" is a glob (${abs}); offline push needs a folder`);
  }
  const st = statSync(abs, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) {
    throw failedPrecondition(
      `source "${source.name}" is a single file (${abs}); offline push needs a folder`,
    );
  }
  return abs;
}

/** A file name that sorts after earlier pushes (latest-row ties break on file name). */
export function pushFileName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, "");
  return `push-${stamp}-${randomBytes(4).toString("hex")}.parquet`;
}

/** Makes the rename itself durable. */
function syncFolder(folder: string): void {
  const fd = openSync(folder, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface AppendOptions {
  repoPath: string;
  source: FileSourceDef;
  columns: readonly PushColumn[];
  table: PushTable;
  now: Date;
}

/** Writes the rows as one new Parquet file in the source's folder and returns its path. */
export async function appendParquet(db: DuckDBInstance, o: AppendOptions): Promise<string> {
  const folder = appendFolderOf(o.repoPath, o.source);
  mkdirSync(folder, { recursive: true });
  const final = join(folder, pushFileName(o.now));
  const temp = `${final}.tmp`;
  // Stored names are the source's own columns (field_mapping reversed), plus its created timestamp.
  const stored = o.columns.map((c) => (c.role === "timestamp" ? c.name : storedColumnOf(o.source, c.name)));
  const created = o.source.createdTimestampColumn;
  const table = `push_${randomBytes(6).toString("hex")}`;
  const conn: DuckDBConnection = await connectUtc(db);
  try {
    // The offline store's types: timestamps are TIMESTAMPTZ, Parquet's UTC-adjusted timestamps.
    const defs = o.columns.map((c, i) => `${quoteIdent(stored[i] as string)} ${sqlTypeOf(c.dtype)}`);
    if (created) defs.push(`${quoteIdent(created)} ${sqlTypeOf(ValueType.UNIX_TIMESTAMP)}`);
    await conn.run(`CREATE TABLE ${table} (${defs.join(", ")})`);
    const app = await conn.createAppender(table);
    const types: DuckDBType[] = o.columns.map((_, i) => app.columnType(i));
    const cols = o.columns.map((c) => o.table.columns.get(c.name) as NativeValue[]);
    const createdValue = timestampTZValue(BigInt(o.now.getTime()) * 1000n);
    // A value at a time through N-API: 1,000 rows x 9 columns take milliseconds, so in slices.
    const slice = new TimeSlice();
    for (let r = 0; r < o.table.rowCount; r++) {
      if ((r & 31) === 31 && slice.due()) await slice.yield();
      for (let i = 0; i < o.columns.length; i++) {
        const value = (cols[i] as NativeValue[])[r] ?? null;
        appendNative(app, value, (o.columns[i] as PushColumn).dtype, types[i] as DuckDBType);
      }
      if (created) app.appendTimestampTZ(createdValue);
      app.endRow();
    }
    app.closeSync();
    await conn.run(`COPY (SELECT * FROM ${table} ORDER BY rowid) TO ${quoteString(temp)} (FORMAT parquet)`);
    const fd = openSync(temp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, final);
    syncFolder(folder);
    return final;
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    conn.closeSync();
  }
}

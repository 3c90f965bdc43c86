/**
 * Writes serving logs: decoded responses are staged per schema in an
 * in-memory DuckDB table (appended a data chunk of 2,048 rows at a time, the
 * vectors filled from typed arrays) and, at each rotation, copied to one
 * Parquet file per service in Feast's logging layout, then emptied. Runs in
 * the logging worker thread (log-worker.ts), never on the serving thread.
 */
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import {
  blobValue,
  type DuckDBAppender,
  DuckDBBigIntType,
  DuckDBBlobType,
  DuckDBBooleanType,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBDoubleType,
  DuckDBIntegerType,
  type DuckDBType,
  DuckDBVarCharType,
} from "@duckdb/node-api";
import { openDuckDb } from "../offline/duckdb-instance.js";
import { quoteIdent, quoteString } from "../offline/index.js";
import { type LogSchema, logSelectSql, stagedColumns, stagingTableSql } from "./log-schema.js";
import { decodeResponseRows, responseRowCount, StagedRows } from "./response-log-decoder.js";

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;
/**
 * A service's file is written early when it reaches this many rows: staged
 * rows are held in memory (an in-memory table does not spill; 100,000 rows of
 * 50 features overran 256 MB), so a busy service rotates by size too.
 */
export const MAX_ROWS_PER_FILE = 50_000;

interface Staging {
  schema: LogSchema;
  table: string;
  appender: DuckDBAppender;
  types: DuckDBType[];
  staged: StagedRows;
  /** Rows appended to the table since the last rotation. */
  pending: number;
}

export interface LogWriter {
  addSchema(schema: LogSchema): Promise<void>;
  /**
   * Stages the rows of one encoded response of schema `schemaId`, requested
   * at `requestMs`; true when its service holds MAX_ROWS_PER_FILE rows or
   * more (time to `rotate(now, MAX_ROWS_PER_FILE)`).
   */
  append(schemaId: number, buf: Uint8Array, start: number, end: number, requestMs: number): boolean;
  /**
   * Writes the staged rows of every service holding at least `minRows` to
   * Parquet (a new file per service); returns the files.
   */
  rotate(now: Date, minRows?: number): Promise<string[]>;
  close(): Promise<void>;
}

const TYPES: Record<string, DuckDBType> = {
  DOUBLE: DuckDBDoubleType.instance,
  INTEGER: DuckDBIntegerType.instance,
  BIGINT: DuckDBBigIntType.instance,
  BOOLEAN: DuckDBBooleanType.instance,
  VARCHAR: DuckDBVarCharType.instance,
  BLOB: DuckDBBlobType.instance,
};

export async function createLogWriter(): Promise<LogWriter> {
  // One thread and a small memory limit: the writer must stay a small share of the server.
  const db = await openDuckDb({ threads: 1, memoryLimit: "512MB" });
  const connection: DuckDBConnection = await db.connect();
  const stagings = new Map<number, Staging>();
  let files = 0;

  const flushStaged = (s: Staging) => {
    const { staged } = s;
    if (staged.rows === 0) return;
    s.appender.appendDataChunk(chunkOf(staged, s.types));
    s.pending += staged.rows;
    staged.clear();
  };

  return {
    async addSchema(schema) {
      const table = `log_${schema.id}`;
      await connection.run(stagingTableSql(table, schema.columns));
      const appender = await connection.createAppender(table);
      const types = stagedColumns(schema.columns).map((c) => TYPES[c.type] as DuckDBType);
      stagings.set(schema.id, {
        schema,
        table,
        appender,
        types,
        staged: new StagedRows(schema.columns, CHUNK_ROWS),
        pending: 0,
      });
      mkdirSync(schema.folder, { recursive: true });
    },
    append(schemaId, buf, start, end, requestMs) {
      const s = stagings.get(schemaId);
      if (!s) throw new Error(`feature log: unknown schema ${schemaId}`);
      const rows = responseRowCount(buf, start, end);
      if (rows > CHUNK_ROWS) {
        // More rows than a chunk: staged through a larger buffer of its own.
        const big = new StagedRows(s.schema.columns, rows);
        decodeResponseRows(buf, start, end, requestMs * 1000, big);
        flushStaged(s);
        for (let from = 0; from < rows; from += CHUNK_ROWS) {
          s.appender.appendDataChunk(chunkOf(big, s.types, from, Math.min(rows, from + CHUNK_ROWS)));
        }
        s.pending += rows;
        return s.pending >= MAX_ROWS_PER_FILE;
      }
      if (s.staged.rows + rows > CHUNK_ROWS) flushStaged(s);
      decodeResponseRows(buf, start, end, requestMs * 1000, s.staged);
      return s.pending + s.staged.rows >= MAX_ROWS_PER_FILE;
    },
    async rotate(now, minRows = 1) {
      const written: string[] = [];
      for (const s of stagings.values()) {
        if (s.pending + s.staged.rows < minRows) continue;
        flushStaged(s);
        if (s.pending === 0) continue;
        s.appender.flushSync();
        const stamp = now.toISOString().replace(/:/g, "-");
        const file = join(s.schema.folder, `${stamp}_${process.pid}_${++files}.parquet`);
        const partial = `${file}.partial`;
        await connection.run(
          `COPY (${logSelectSql(s.table, s.schema)}) TO ${quoteString(partial)} (FORMAT parquet)`,
        );
        renameSync(partial, file);
        await connection.run(`DELETE FROM ${quoteIdent(s.table)}`);
        s.pending = 0;
        written.push(file);
      }
      return written;
    },
    async close() {
      for (const s of stagings.values()) s.appender.closeSync();
      connection.closeSync();
      db.closeSync();
    },
  };
}

/** Rows [from, to) of `staged` as a data chunk of the staging table's columns. */
function chunkOf(staged: StagedRows, types: DuckDBType[], from = 0, to = staged.rows): DuckDBDataChunk {
  const n = to - from;
  const chunk = DuckDBDataChunk.create(types, n);
  let col = 0;
  for (const c of staged.columns) {
    const vector = chunk.getColumnVector(col++);
    const { values, valid } = c;
    if (values instanceof Float64Array || values instanceof Int32Array || values instanceof BigInt64Array) {
      for (let i = 0; i < n; i++) vector.setItem(i, valid[from + i] ? (values[from + i] as never) : null);
    } else if (types[col - 1] === DuckDBBlobType.instance) {
      for (let i = 0; i < n; i++)
        vector.setItem(i, valid[from + i] ? blobValue(values[from + i] as Uint8Array) : null);
    } else {
      for (let i = 0; i < n; i++) vector.setItem(i, valid[from + i] ? (values[from + i] as never) : null);
    }
    vector.flush();
    if (!c.key) {
      const status = chunk.getColumnVector(col++);
      for (let i = 0; i < n; i++) status.setItem(i, c.status[from + i] as number);
      status.flush();
    }
    if (c.times) {
      const time = chunk.getColumnVector(col++);
      for (let i = 0; i < n; i++)
        time.setItem(i, c.timeValid[from + i] ? (c.timeUs[from + i] as number) : null);
      time.flush();
    }
  }
  const request = chunk.getColumnVector(col);
  for (let i = 0; i < n; i++) request.setItem(i, staged.requestUs[from + i] as number);
  request.flush();
  return chunk;
}

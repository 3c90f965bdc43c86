/**
 * Appends a stream source's raw events to its batch source folder as
 * batched Parquet files (written atomically like offline pushes, and named
 * `push-*` so the push compaction merges them). Each row holds the event's
 * columns, `created` (its ingestion time) and its stream position
 * (`_stream_partition`, `_stream_hi`, `_stream_lo`; NULL for Push). On start
 * the writer reads the newest position already written per partition, so an
 * event redelivered after a crash between the file write and the
 * acknowledgement is not written twice.
 */
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBAppender, DuckDBInstance } from "@duckdb/node-api";
import { timestampTZValue } from "@duckdb/node-api";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { STREAM_CREATED_COLUMN } from "../definitions/stream.js";
import { connectUtc } from "../materialize/duckdb.js";
import { sqlTypeOf } from "../offline/duckdb-types.js";
import { quoteIdent, quoteString } from "../offline/sql-text.js";
import { appendFolderOf, pushFileName } from "../push/offline-append.js";
import type { StreamSourceDef } from "../registry/model.js";
import type { IngestEvent } from "./tile-applier.js";

/** Position columns of the raw events (after the schema's and `created`). */
export const POSITION_COLUMNS = ["_stream_partition", "_stream_hi", "_stream_lo"] as const;

export interface RawEventWriter {
  /** Reads the newest written position per partition (once, before the first add). */
  open(): Promise<void>;
  /** Buffers events; those at or before the newest written position of their partition are skipped. */
  add(events: readonly IngestEvent[]): void;
  /** Buffered rows. */
  readonly pending: number;
  /**
   * Writes the buffered rows as one file; returns its path ("" when nothing
   * was buffered). After a failure the writer is not used again (the
   * consumer restarts and a new writer reads what is on disk).
   */
  flush(): Promise<string>;
}

export interface RawEventWriterOptions {
  db: () => Promise<DuckDBInstance>;
  repoPath: string;
  source: StreamSourceDef;
  /** Called with the folder after each file (the server compacts it). */
  afterAppend?: (folder: string) => void;
  now?: () => Date;
}

export function createRawEventWriter(o: RawEventWriterOptions): RawEventWriter {
  const written = new Map<string, [number, number]>();
  let buffer: IngestEvent[] = [];
  const folder = () => appendFolderOf(o.repoPath, o.source.batchSource);

  return {
    async open() {
      const dir = folder();
      if (!existsSync(dir)) return;
      const conn = await connectUtc(await o.db());
      try {
        const glob = quoteString(join(dir, "**", "*.parquet"));
        const reader = await conn.runAndReadAll(
          `SELECT _stream_partition, arg_max(_stream_hi, (_stream_hi, _stream_lo)) AS hi, arg_max(_stream_lo, (_stream_hi, _stream_lo)) AS lo
             FROM read_parquet(${glob}, union_by_name = true)
            WHERE _stream_partition IS NOT NULL GROUP BY 1`,
        );
        for (const [p, hi, lo] of reader.getRows()) written.set(String(p), [Number(hi), Number(lo)]);
      } catch (err) {
        // A folder with no stream files yet (no position column, or no file at all).
        if (!/_stream_partition|No files found|not found/i.test(String((err as Error).message))) throw err;
      } finally {
        conn.closeSync();
      }
    },
    add(events) {
      for (const e of events) {
        const p = e.position;
        if (p) {
          const w = written.get(p.partition);
          if (w && (p.hi < w[0] || (p.hi === w[0] && p.lo <= w[1]))) continue;
          written.set(p.partition, [p.hi, p.lo]);
        }
        buffer.push(e);
      }
    },
    get pending() {
      return buffer.length;
    },
    async flush() {
      if (buffer.length === 0) return "";
      // Events added while this file is written go to the next one.
      const rows = buffer;
      buffer = [];
      const dir = folder();
      mkdirSync(dir, { recursive: true });
      const final = join(dir, pushFileName(o.now?.() ?? new Date()));
      const temp = `${final}.tmp`;
      const table = `raw_${randomBytes(6).toString("hex")}`;
      const fields = o.source.schema;
      const conn = await connectUtc(await o.db());
      try {
        const defs = fields.map((f) => `${quoteIdent(f.name)} ${sqlTypeOf(f.dtype)}`);
        defs.push(`${quoteIdent(STREAM_CREATED_COLUMN)} ${sqlTypeOf(ValueType.UNIX_TIMESTAMP)}`);
        defs.push("_stream_partition VARCHAR", "_stream_hi DOUBLE", "_stream_lo DOUBLE");
        await conn.run(`CREATE TEMP TABLE ${table} (${defs.join(", ")})`);
        const app = await conn.createAppender(table);
        for (const e of rows) {
          for (let i = 0; i < fields.length; i++)
            appendEventValue(app, (fields[i] as (typeof fields)[number]).dtype, e.values[i]);
          app.appendTimestampTZ(timestampTZValue(BigInt(e.createdUs)));
          if (e.position) {
            app.appendVarchar(e.position.partition);
            app.appendDouble(e.position.hi);
            app.appendDouble(e.position.lo);
          } else {
            app.appendNull();
            app.appendNull();
            app.appendNull();
          }
          app.endRow();
        }
        app.closeSync();
        await conn.run(
          `COPY (SELECT * FROM ${table} ORDER BY rowid) TO ${quoteString(temp)} (FORMAT parquet)`,
        );
        const fd = openSync(temp, "r");
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, final);
        o.afterAppend?.(dir);
        return final;
      } catch (err) {
        rmSync(temp, { force: true });
        throw err;
      } finally {
        await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
        conn.closeSync();
      }
    },
  };
}

function appendEventValue(app: DuckDBAppender, t: ValueType, v: unknown): void {
  switch (t) {
    case ValueType.INT32:
      app.appendInteger(v as number);
      return;
    case ValueType.INT64:
      app.appendBigInt(v as bigint);
      return;
    case ValueType.FLOAT:
      app.appendFloat(v as number);
      return;
    case ValueType.DOUBLE:
      app.appendDouble(v as number);
      return;
    case ValueType.BOOL:
      app.appendBoolean(v as boolean);
      return;
    case ValueType.STRING:
      app.appendVarchar(v as string);
      return;
    case ValueType.BYTES:
      app.appendBlob(v as Uint8Array);
      return;
    case ValueType.UNIX_TIMESTAMP:
      app.appendTimestampTZ(timestampTZValue(BigInt(v as number)));
      return;
    default:
      app.appendNull();
  }
}

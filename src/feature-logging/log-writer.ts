/**
 * Writes serving logs: decoded responses are gathered per schema in typed
 * columns (response-log-decoder.ts) and, at each rotation, written as one
 * Parquet file per service in Feast's logging layout (parquet-file.ts), then
 * emptied. Runs in the logging worker thread (log-worker.ts), never on the
 * serving thread. Staging in DuckDB and copying out cost about 13 µs per
 * 1 x 50 request against about 2 µs for writing the typed columns directly.
 */
import { mkdirSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { LogSchema } from "./log-schema.js";
import { ConvertedType, type ParquetColumn, PhysicalType, parquetFile } from "./parquet-file.js";
import { BYTE_VALUES, decodeResponseRows, responseRowCount, StagedRows } from "./response-log-decoder.js";

/** Rows gathered before the first growth of a service's columns. */
const INITIAL_ROWS = 2048;
/**
 * A service's file is written early when it reaches this many rows: the
 * rows of a period are held in memory until written.
 */
export const MAX_ROWS_PER_FILE = 50_000;

interface Staging {
  schema: LogSchema;
  staged: StagedRows;
}

export interface LogWriter {
  addSchema(schema: LogSchema): Promise<void>;
  /**
   * Stages the rows of one encoded response of schema `schemaId`, requested
   * at `requestMs`; true when its service holds MAX_ROWS_PER_FILE rows or
   * more (time to `rotate(now, MAX_ROWS_PER_FILE)`). Not called while a
   * rotation is pending: the file being written views the staged arrays.
   */
  append(schemaId: number, buf: Uint8Array, start: number, end: number, requestMs: number): boolean;
  /**
   * Writes the staged rows of every service holding at least `minRows` to
   * Parquet (a new file per service); returns the files.
   */
  rotate(now: Date, minRows?: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function createLogWriter(): Promise<LogWriter> {
  const stagings = new Map<number, Staging>();
  let files = 0;
  return {
    async addSchema(schema) {
      stagings.set(schema.id, { schema, staged: new StagedRows(schema.columns, INITIAL_ROWS) });
      mkdirSync(schema.folder, { recursive: true });
    },
    append(schemaId, buf, start, end, requestMs) {
      const s = stagings.get(schemaId);
      if (!s) throw new Error(`feature log: unknown schema ${schemaId}`);
      // A response has at most a row per byte: counting its rows is needed only when room is short.
      if (s.staged.capacity - s.staged.rows < end - start)
        s.staged.reserve(responseRowCount(buf, start, end));
      decodeResponseRows(buf, start, end, requestMs * 1000, s.staged);
      return s.staged.rows >= MAX_ROWS_PER_FILE;
    },
    async rotate(now, minRows = 1) {
      const written: string[] = [];
      for (const s of stagings.values()) {
        const rows = s.staged.rows;
        if (rows === 0 || rows < minRows) continue;
        const stamp = now.toISOString().replace(/:/g, "-");
        const file = join(s.schema.folder, `${stamp}_${process.pid}_${++files}.parquet`);
        const partial = `${file}.partial`;
        // The file's parts view the staged arrays: written before the staging takes new rows
        // (the worker appends nothing while a rotation is pending).
        try {
          await writeParts(partial, parquetFile(logColumns(s.schema, s.staged), rows));
          await rename(partial, file);
        } finally {
          // Written or failed (and reported), the rows are let go. Arrays sized for this period's
          // rows are kept for the next (no growing again each period); much larger ones are not.
          if (s.staged.capacity > Math.max(INITIAL_ROWS, rows) * 4)
            s.staged = new StagedRows(s.schema.columns, INITIAL_ROWS);
          else s.staged.clear();
        }
        written.push(file);
      }
      return written;
    },
    async close() {
      stagings.clear();
    },
  };
}

/** Writes `parts` to a new file `path`, many parts per system call. */
async function writeParts(path: string, parts: Buffer[]): Promise<void> {
  const file = await open(path, "w");
  try {
    // At most IOV_MAX (1024) buffers per writev.
    for (let i = 0; i < parts.length; i += 1024) {
      const some = parts.slice(i, i + 1024);
      const want = some.reduce((n, b) => n + b.length, 0);
      let done = (await file.writev(some)).bytesWritten;
      // A short write (rare): the rest one part at a time.
      for (let k = 0, at = 0; done < want && k < some.length; k++) {
        const b = some[k] as Buffer;
        if (at + b.length > done) {
          const from = Math.max(0, done - at);
          await file.write(b, from, b.length - from);
          done += b.length - from;
        }
        at += b.length;
      }
    }
  } finally {
    await file.close();
  }
}

const MICROS_PER_DAY = 86_400_000_000;

/** The file's columns in Feast's logging layout (see log-schema.ts). */
export function logColumns(schema: LogSchema, staged: StagedRows): ParquetColumn[] {
  const rows = staged.rows;
  const out: ParquetColumn[] = [];
  schema.columns.forEach((column, i) => {
    const c = staged.columns[i];
    if (!c) throw new Error(`feature log: no staged column ${i}`);
    const value =
      c.kind === BYTE_VALUES
        ? {
            type: PhysicalType.BYTE_ARRAY,
            ...(column.dtype === ValueType.STRING ? { converted: ConvertedType.UTF8 } : {}),
            values: [],
            ranges: { bytes: c.bytes.buf, ends: c.values as Int32Array, prefixed: true },
          }
        : valueColumn(column.dtype, c.values, rows);
    out.push({ name: column.name, ...value, valid: c.valid });
    if (column.key) return;
    out.push({
      name: `${column.name}__status`,
      type: PhysicalType.INT32,
      values: c.status,
      dictionary: true,
    });
    const times = staged.columns[column.timesOf];
    if (!times) throw new Error(`feature log: no staged times for column ${i}`);
    out.push({
      name: `${column.name}__timestamp`,
      type: PhysicalType.INT64,
      converted: ConvertedType.TIMESTAMP_MICROS,
      int64FromNumbers: true,
      valid: times.timeValid,
      values: times.timeUs,
      dictionary: true,
    });
  });
  const days = new Int32Array(rows);
  for (let r = 0; r < rows; r++) days[r] = Math.floor((staged.requestUs[r] as number) / MICROS_PER_DAY);
  out.push(
    {
      name: "__log_timestamp",
      type: PhysicalType.INT64,
      converted: ConvertedType.TIMESTAMP_MICROS,
      int64FromNumbers: true,
      values: staged.requestUs,
    },
    {
      name: "__log_date",
      type: PhysicalType.INT32,
      converted: ConvertedType.DATE,
      values: days,
      dictionary: true,
    },
    {
      name: "__feature_service_version",
      type: PhysicalType.BYTE_ARRAY,
      converted: ConvertedType.UTF8,
      values: new Array<string>(rows).fill(schema.version),
      dictionary: true,
    },
  );
  return out;
}

function valueColumn(
  dtype: ValueType,
  values: Float64Array | Int32Array | BigInt64Array | unknown[],
  rows: number,
): Pick<ParquetColumn, "type" | "converted" | "values" | "int64FromNumbers"> {
  switch (dtype) {
    case ValueType.DOUBLE:
      return { type: PhysicalType.DOUBLE, values: values as Float64Array };
    case ValueType.FLOAT:
      return { type: PhysicalType.FLOAT, values: values as Float64Array };
    case ValueType.INT32:
      return { type: PhysicalType.INT32, values: values as Int32Array };
    case ValueType.INT64:
      return { type: PhysicalType.INT64, values: values as BigInt64Array };
    case ValueType.UNIX_TIMESTAMP:
      return {
        type: PhysicalType.INT64,
        converted: ConvertedType.TIMESTAMP_MICROS,
        int64FromNumbers: true,
        values: values as Float64Array,
      };
    case ValueType.BOOL: {
      const bits = new Uint8Array(rows);
      for (let r = 0; r < rows; r++) bits[r] = (values as unknown[])[r] === true ? 1 : 0;
      return { type: PhysicalType.BOOLEAN, values: bits };
    }
    case ValueType.BYTES:
      return { type: PhysicalType.BYTE_ARRAY, values: values as Uint8Array[] };
    default:
      // Strings, and lists as JSON text.
      return { type: PhysicalType.BYTE_ARRAY, converted: ConvertedType.UTF8, values: values as string[] };
  }
}

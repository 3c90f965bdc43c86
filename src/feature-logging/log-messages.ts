/**
 * The messages between the serving thread (feature-logger.ts) and the
 * logging worker (log-worker.ts). A batch carries many logged responses in
 * a slot of shared memory (sent once, then named by its id), each record
 * laid out as
 *   u32 schema id | f64 request time (ms) | u32 byte length | response bytes
 * (little-endian), so the serving thread only copies bytes.
 */
import type { LogSchema } from "./log-schema.js";

export const RECORD_HEADER_BYTES = 16;
/** A batch slot's size (a larger one is made for a single larger response). */
export const BATCH_BYTES = 1 << 20;

export type ToWorker =
  | { type: "schema"; schema: LogSchema }
  /** `records` responses in the first `length` bytes of slot `slot` (its memory comes with its first batch). */
  | { type: "batch"; slot: number; memory?: SharedArrayBuffer; length: number; records: number }
  /** Write every staged row to Parquet now; answered by "rotated" with the same id. */
  | { type: "rotate"; id: number }
  | { type: "close" };

export type FromWorker =
  /**
   * `records` logged responses of a batch were staged (their room in the
   * queue is free again); its slot can take the next batch.
   */
  | { type: "done"; records: number; slot: number }
  | { type: "rotated"; id: number; files: string[] }
  | { type: "error"; message: string }
  | { type: "closed" };

export interface WorkerSettings {
  /** Seconds between rotations (a new file per service each time). */
  rotateSeconds: number;
}

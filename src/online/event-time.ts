/**
 * Event times online are integers of microseconds since the epoch: offline
 * sources (Parquet, DuckDB) carry microseconds, so a JavaScript Date (ms)
 * would serve a row at …18.123456 as …18.123000 and let the older-over-newer
 * rule compare truncated times. A µs count up to year 2255 is below 2^53, so
 * a double (Float64Array, the packed row's f64) holds it exactly.
 */
import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";

/** µs of a Date (whole ms). */
export function microsOf(date: Date): number {
  return date.getTime() * 1000;
}

/** The Date of `us`, truncated to the ms below (for messages and ms-only APIs). */
export function dateOfMicros(us: number): Date {
  return new Date(Math.floor(us / 1000));
}

/** A `google.protobuf.Timestamp` of `us` (seconds floored, nanos in [0, 1e9), as protobuf requires). */
export function timestampFromMicros(us: number): Timestamp {
  const seconds = Math.floor(us / 1e6);
  return create(TimestampSchema, { seconds: BigInt(seconds), nanos: (us - seconds * 1e6) * 1000 });
}

/** µs of a Timestamp (nanos below a µs are dropped, towards the past). */
export function microsOfTimestamp(ts: Timestamp): number {
  return Number(ts.seconds) * 1e6 + Math.floor(ts.nanos / 1000);
}

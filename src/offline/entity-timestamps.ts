/**
 * Entity-row timestamps arrive as protobuf Timestamps (UTC by definition);
 * DuckDB wants microseconds since the epoch.
 */
import { invalidArgument } from "../errors/index.js";

/** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range protobuf allows. */
const MIN_SECONDS = -62135596800n;
const MAX_SECONDS = 253402300799n;

/**
 * Microseconds since the epoch of a protobuf Timestamp (nanoseconds below a
 * microsecond are dropped). Out-of-range seconds or nanos are
 * INVALID_ARGUMENT naming `where`.
 */
export function timestampMicros(ts: { seconds: bigint; nanos: number }, where: string): bigint {
  if (ts.seconds < MIN_SECONDS || ts.seconds > MAX_SECONDS || !(ts.nanos >= 0 && ts.nanos < 1e9)) {
    throw invalidArgument(
      `${where}: unparsable timestamp (seconds=${ts.seconds}, nanos=${ts.nanos}); expected 0001-01-01..9999-12-31 and 0 <= nanos < 1e9`,
    );
  }
  return ts.seconds * 1_000_000n + BigInt(Math.floor(ts.nanos / 1000));
}

/** A Date for microseconds since the epoch (sub-millisecond precision is dropped). */
export function dateOfMicros(micros: bigint): Date {
  return new Date(Number(micros / 1000n));
}

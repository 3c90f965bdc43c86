/**
 * Quoting for the SQL that the offline store hands to DuckDB. Every name and
 * literal goes through here: names come from the registry and paths from the
 * repository, and nothing a client sends reaches SQL except as a quoted
 * literal built by these functions.
 */

/** A DuckDB identifier: double quotes, inner double quotes doubled. NUL is refused. */
export function quoteIdent(name: string): string {
  if (name.includes("\0")) throw new Error("identifier contains a NUL character");
  return `"${name.replaceAll('"', '""')}"`;
}

/** A DuckDB string literal: single quotes, inner single quotes doubled. NUL is refused. */
export function quoteString(text: string): string {
  if (text.includes("\0")) throw new Error("string literal contains a NUL character");
  return `'${text.replaceAll("'", "''")}'`;
}

/** A TIMESTAMPTZ literal for microseconds since the epoch (UTC). */
export function timestampLiteral(micros: bigint): string {
  // make_timestamp takes a BIGINT, so the value is a plain integer: no parsing, no time zone.
  return `CAST(make_timestamp(${BigInt.asIntN(64, micros).toString()}::BIGINT) AS TIMESTAMPTZ)`;
}

/** An INTERVAL literal of whole seconds. */
export function secondsInterval(seconds: number): string {
  if (!Number.isSafeInteger(seconds)) throw new Error(`not a whole number of seconds: ${seconds}`);
  return `INTERVAL (${seconds}) SECOND`;
}

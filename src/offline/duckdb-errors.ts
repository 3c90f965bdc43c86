/**
 * Translation of DuckDB's errors into FstoreErrors where they enter: a
 * missing file is NOT_FOUND, an unreadable or ill-typed one is
 * FAILED_PRECONDITION, an interrupted query is CANCELLED; anything else stays
 * a bug (INTERNAL).
 */
import { Code, FstoreError } from "../errors/index.js";

/** Rules by message, first match wins. Exported for the unit test. */
export const DUCKDB_ERROR_RULES: readonly { pattern: RegExp; code: Code; hint: string }[] = [
  { pattern: /INTERRUPT/i, code: Code.Cancelled, hint: "the query was cancelled" },
  // Raised by materialize/latest-rows-sql.ts for a NaN or infinity the view does not allow.
  {
    pattern:
      /No files found that match the pattern|No such file or directory|does not exist|Cannot open file/i,
    code: Code.NotFound,
    hint: "file not found",
  },
  {
    pattern: /magic bytes|too small to be a Parquet file|Invalid Input Error|Corrupt|parquet/i,
    code: Code.FailedPrecondition,
    hint: "unreadable Parquet",
  },
  {
    pattern: /Conversion Error|Could not convert|Binder Error|Mismatch Type Error|Out of Range/i,
    code: Code.FailedPrecondition,
    hint: "data does not match its definition",
  },
  { pattern: /Out of Memory/i, code: Code.ResourceExhausted, hint: "out of memory" },
];

/** `err` as an FstoreError, its message prefixed with `context` (e.g. `data source "x" (/path)`). */
export function fromDuckDbError(err: unknown, context: string): FstoreError {
  if (err instanceof FstoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  for (const rule of DUCKDB_ERROR_RULES) {
    if (rule.pattern.test(message)) {
      return new FstoreError(rule.code, `${context}: ${rule.hint}: ${firstLine(message)}`, { cause: err });
    }
  }
  return new FstoreError(Code.Internal, `${context}: ${firstLine(message)}`, { cause: err });
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  return line.length > 500 ? `${line.slice(0, 500)}...` : line;
}

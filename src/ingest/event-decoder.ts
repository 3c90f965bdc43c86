/**
 * Stream events against a stream source's schema (pure). An event arrives as
 * a record of column -> value: a JSON object (NATS, Push) or a Redis stream
 * entry's fields (all strings). Every schema column is required and non-null;
 * extra fields are ignored (producers may add columns before the schema does).
 *
 * Accepted forms: INT32/INT64 integers or decimal-integer strings (INT64 as
 * bigint); FLOAT/DOUBLE finite numbers or numeric strings; BOOL true/false
 * (or "true"/"false"/"1"/"0"); STRING strings; BYTES base64 strings;
 * UNIX_TIMESTAMP a number of milliseconds since the epoch (fractions keep
 * µs), the same as a decimal string ("1767225600123.456"), or RFC 3339 text with up to 6 fraction
 * digits ("2026-01-02T03:04:05.123456Z"). Time values are kept in µs.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { StreamSourceDef } from "../registry/model.js";
import { valueTypeName } from "../values/index.js";

/** An event's column values in schema order: bigint (INT64), number (µs for timestamps), string, boolean, bytes. */
export type EventValue = number | bigint | string | boolean | Uint8Array;

export type DeadLetterReason = "missing_column" | "wrong_type" | "bad_time" | "not_an_object";

export type DecodeResult =
  | { ok: true; values: EventValue[]; eventTimeUs: number }
  | { ok: false; reason: DeadLetterReason; message: string };

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})$/;

/** A decoder for one source, precomputed once per registry version. */
export function createEventDecoder(source: StreamSourceDef): (event: unknown) => DecodeResult {
  const fields = source.schema;
  const tsIndex = fields.findIndex((f) => f.name === source.timestampField);
  return (event) => {
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      return { ok: false, reason: "not_an_object", message: "the event is not an object of column values" };
    }
    const record = event as Record<string, unknown>;
    const values = new Array<EventValue>(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as (typeof fields)[number];
      const raw = record[f.name];
      if (raw === undefined || raw === null) {
        return { ok: false, reason: "missing_column", message: `column "${f.name}" is missing` };
      }
      const v = f.dtype === ValueType.UNIX_TIMESTAMP ? timeUsOf(raw) : scalarOf(raw, f.dtype);
      if (v === undefined) {
        const shown = JSON.stringify(raw);
        const bounded = shown !== undefined && shown.length > 60 ? `${shown.slice(0, 60)}...` : shown;
        return f.dtype === ValueType.UNIX_TIMESTAMP
          ? {
              ok: false,
              reason: "bad_time",
              message: `column "${f.name}": ${bounded} is not a time (ms since the epoch or RFC 3339)`,
            }
          : {
              ok: false,
              reason: "wrong_type",
              message: `column "${f.name}": ${bounded} is not ${valueTypeName(f.dtype)}`,
            };
      }
      values[i] = v;
    }
    return { ok: true, values, eventTimeUs: values[tsIndex] as number };
  };
}

function scalarOf(raw: unknown, t: ValueType): EventValue | undefined {
  switch (t) {
    case ValueType.INT32: {
      const n = typeof raw === "string" && INTEGER.test(raw) ? Number(raw) : raw;
      return typeof n === "number" && Number.isInteger(n) && n >= -2147483648 && n <= 2147483647
        ? n
        : undefined;
    }
    case ValueType.INT64:
      if (typeof raw === "number" && Number.isSafeInteger(raw)) return BigInt(raw);
      if (typeof raw === "bigint") return raw;
      if (typeof raw === "string" && INTEGER.test(raw)) {
        const b = BigInt(raw);
        return b >= -(2n ** 63n) && b < 2n ** 63n ? b : undefined;
      }
      return undefined;
    case ValueType.FLOAT:
    case ValueType.DOUBLE: {
      const n = typeof raw === "string" && NUMBER.test(raw.trim()) ? Number(raw) : raw;
      return typeof n === "number" && Number.isFinite(n) ? n : undefined;
    }
    case ValueType.BOOL:
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      return undefined;
    case ValueType.STRING:
      return typeof raw === "string" ? raw : undefined;
    case ValueType.BYTES:
      if (raw instanceof Uint8Array) return raw;
      return typeof raw === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(raw)
        ? Buffer.from(raw, "base64")
        : undefined;
    default:
      return undefined;
  }
}

/** µs since the epoch of a time value, or undefined. */
export function timeUsOf(raw: unknown): number | undefined {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.getTime() * 1000;
  if (typeof raw === "number") return Number.isFinite(raw) ? Math.round(raw * 1000) : undefined;
  if (typeof raw !== "string") return undefined;
  if (INTEGER.test(raw)) return Number(raw) * 1000;
  if (NUMBER.test(raw)) return Math.round(Number(raw) * 1000);
  const m = RFC3339.exec(raw);
  if (!m) return undefined;
  const ms = Date.parse(
    `${m[1]}T${m[2]}${m[4]?.toUpperCase() === "Z" ? "Z" : normalizeOffset(m[4] as string)}`,
  );
  if (Number.isNaN(ms)) return undefined;
  const fraction = (m[3] ?? "").padEnd(6, "0").slice(0, 6);
  return ms * 1000 + Number(fraction);
}

function normalizeOffset(o: string): string {
  return o.includes(":") ? o : `${o.slice(0, 3)}:${o.slice(3)}`;
}

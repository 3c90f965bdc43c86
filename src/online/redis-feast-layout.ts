/**
 * Redis's `feast` layout as a codec between Feast's fields and packed rows,
 * so the Redis store has one path per operation whatever the layout. Feast's
 * fields (SPEC "Redis layout", `feast-fields.ts`): per feature
 * `u32le(murmur3_32("view:feature"))` holding a serialized `Value`, and
 * `_ts:view` holding a serialized `google.protobuf.Timestamp`.
 *
 * A read fetches every feature field of the view and `_ts:view` and turns
 * them into one packed row (a feature whose field is missing, or holds a
 * value of another type since a retype, is left out: NOT_FOUND). A write
 * decodes each packed row and sends Feast's fields through a script that
 * keeps the older-over-newer rule on `_ts:view`.
 */
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import type { NativeValue } from "../values/index.js";
import {
  decodeFeastTimestamp,
  decodeFeastValue,
  encodeFeastTimestamp,
  encodeFeastValue,
  feastFeatureField,
  feastTimestampField,
} from "./feast-fields.js";
import type { EncodedRows } from "./online-store.js";
import { decodePackedRow, encodePackedRow, packedReadPlan } from "./packed-row.js";
import { respCommand } from "./resp-connection.js";

/** Upper bound on a script call's arguments (Lua's unpack and the call stack both have limits). */
const MAX_ARGS_PER_CALL = 4000;

/** A view's Feast fields: its features' fields in `view.features` order, then `_ts:view`. */
const fieldsByView = new WeakMap<FeatureViewDef, Buffer[]>();

export function feastViewFields(view: FeatureViewDef): Buffer[] {
  let f = fieldsByView.get(view);
  if (!f) {
    f = [...view.features.map((x) => feastFeatureField(view.name, x.name)), feastTimestampField(view.name)];
    fieldsByView.set(view, f);
  }
  return f;
}

/**
 * The packed row of `view` from the values of `feastViewFields(view)` at
 * `reply[at ..]`; undefined when the entity has no `_ts:view` (no row).
 */
export function feastFieldsToPacked(
  view: FeatureViewDef,
  reply: readonly (Buffer | null)[],
  at: number,
): Buffer | undefined {
  const n = view.features.length;
  const ts = reply[at + n];
  if (ts === null || ts === undefined) return undefined;
  const values = new Array<NativeValue | undefined>(n);
  for (let j = 0; j < n; j++) {
    const bytes = reply[at + j];
    values[j] =
      bytes === null || bytes === undefined
        ? undefined
        : decodeFeastValue(bytes, (view.features[j] as FieldDef).dtype);
  }
  return encodePackedRow(view, decodeFeastTimestamp(ts), values);
}

/**
 * The script calls writing `rows` of `batch` in Feast's fields: `EVAL script
 * 1 key0 tsField ttl n m field x m` then per row `key, event µs, Timestamp,
 * Value x m` (see FEAST_BODY in redis-scripts.ts), at most MAX_ARGS_PER_CALL
 * arguments each.
 */
export function feastWriteFrames(
  script: string,
  view: FeatureViewDef,
  batch: EncodedRows,
  rows: Uint32Array,
  keyOf: (i: number) => Buffer,
  ttlSeconds: number,
): Buffer[] {
  const fields = feastViewFields(view);
  const m = view.features.length;
  const tsField = fields[m] as Buffer;
  const featureFields = fields.slice(0, m);
  const plan = packedReadPlan(
    view,
    view.features.map((f) => f.name),
  );
  const perCall = Math.max(1, Math.floor(MAX_ARGS_PER_CALL / (3 + m)));
  const frames: Buffer[] = [];
  for (let from = 0; from < rows.length; from += perCall) {
    const to = Math.min(rows.length, from + perCall);
    const first = keyOf(rows[from] as number);
    const args: (string | Buffer)[] = [
      "EVAL",
      script,
      "1",
      first,
      tsField,
      String(ttlSeconds),
      String(to - from),
      String(m),
      ...featureFields,
    ];
    for (let k = from; k < to; k++) {
      const i = rows[k] as number;
      const r0 = i === 0 ? 0 : (batch.rowEnds[i - 1] as number);
      const row = decodePackedRow(plan, batch.rows.subarray(r0, batch.rowEnds[i] as number));
      args.push(keyOf(i), String(row.eventTimeUs), encodeFeastTimestamp(row.eventTimeUs));
      for (const f of view.features) args.push(encodeFeastValue(row.values.get(f.name) ?? null, f.dtype));
    }
    frames.push(respCommand(args));
  }
  return frames;
}

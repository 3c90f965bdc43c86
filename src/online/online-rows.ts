/**
 * Rows as values, at the edges that need them: Push and tests write
 * `OnlineRow`s (encoded here into the store's packed batch), validation and
 * tests read `StoredRow`s (decoded here from the store's packed rows). The
 * store itself only ever sees packed rows.
 */
import type { FeatureViewDef } from "../registry/model.js";
import { createEntityKeyEncoder } from "./entity-key.js";
import type {
  EncodedRows,
  OnlineRow,
  OnlineStore,
  StoredRow,
  ViewLookup,
  WriteResult,
} from "./online-store.js";
import { decodePackedRow, encodePackedRows, packedReadPlan } from "./packed-row.js";

/**
 * Rows of `view` as one packed batch. Values must match the view's types; a
 * mismatch is INVALID_ARGUMENT naming the view, feature and row.
 */
export function encodeOnlineRows(view: FeatureViewDef, rows: readonly OnlineRow[]): EncodedRows {
  const encodeKey = createEntityKeyEncoder(view.entityColumns);
  const packed = encodePackedRows(view, rows);
  const keys = rows.map((r) => encodeKey(r.entityKey));
  const keyEnds = new Uint32Array(rows.length);
  const rowEnds = new Uint32Array(rows.length);
  const eventTimesUs = new Float64Array(rows.length);
  let k = 0;
  let r = 0;
  for (let i = 0; i < rows.length; i++) {
    k += (keys[i] as Buffer).length;
    r += (packed[i] as Buffer).length;
    keyEnds[i] = k;
    rowEnds[i] = r;
    eventTimesUs[i] = (rows[i] as OnlineRow).eventTimeUs;
  }
  return {
    count: rows.length,
    keys: Buffer.concat(keys, k),
    keyEnds,
    rows: Buffer.concat(packed, r),
    rowEnds,
    eventTimesUs,
  };
}

/** Writes rows of `view` (encoded as one batch) under the store's older-over-newer rule. */
export async function writeOnlineRows(
  store: OnlineStore,
  view: FeatureViewDef,
  rows: readonly OnlineRow[],
): Promise<WriteResult> {
  if (rows.length === 0) return { written: 0, skippedStale: 0 };
  return store.write(view, encodeOnlineRows(view, rows));
}

/** Reads lookups and decodes each stored row's wanted features (a feature not stored is left out). */
export async function readStoredRows(
  store: OnlineStore,
  lookups: ViewLookup[],
  signal?: AbortSignal,
): Promise<(StoredRow | undefined)[][]> {
  const found = await store.read(lookups, signal);
  return lookups.map((l, i) => {
    const plan = packedReadPlan(l.view, l.features);
    return (found[i] ?? []).map((bytes) => (bytes === undefined ? undefined : decodePackedRow(plan, bytes)));
  });
}

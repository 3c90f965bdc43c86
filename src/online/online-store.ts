/**
 * The online store contract (after Feast's OnlineStore): a store writes rows
 * and reads rows, in fstore's packed row encoding (`packed-row.ts`), plus its
 * lifecycle. Rows in any other form exist only at the edges that need them:
 * Push and tests build `OnlineRow`s and encode them (`online-rows.ts`),
 * validation decodes what it reads, and Redis's `feast` layout translates
 * packed rows to Feast's fields inside the store (`redis-feast-layout.ts`).
 * Implementations: `redis-online-store.ts` (standalone and cluster, `packed`
 * or `feast` layout) and `sqlite-online-store.ts` (the embedded default).
 */
import type { FeatureViewDef } from "../registry/model.js";
import type { NativeValue } from "../values/index.js";

/** An entity key of one view: the values of the view's join keys, in `view.entityColumns` order. */
export type EntityKeyValues = NativeValue[];

/** One row of a view as values (the edges' form): its entity, event time and feature values. */
export interface OnlineRow {
  entityKey: EntityKeyValues;
  /** Event time in µs since the epoch (an integer: sources keep microseconds, and so do stores). */
  eventTimeUs: number;
  /** Feature values in `view.features` order; null is a stored null. */
  values: NativeValue[];
}

/** One stored row decoded (the edges' form): a feature missing from `values` was not stored. */
export interface StoredRow {
  /** Event time in µs since the epoch. */
  eventTimeUs: number;
  values: Map<string, NativeValue>;
}

export interface WriteResult {
  /** Rows written. */
  written: number;
  /** Rows skipped because the store already held a newer value for the entity. */
  skippedStale: number;
}

/**
 * Rows of one view in the packed encoding. Row `i` is `keys[keyEnds[i - 1]
 * .. keyEnds[i])` (the entity key, Feast serialization v3 without the project
 * suffix) and `rows[rowEnds[i - 1] .. rowEnds[i])` (its packed row), with
 * `keyEnds[-1] = rowEnds[-1] = 0`. Materialization encodes them straight from
 * DuckDB's column vectors; `encodeOnlineRows` from row objects.
 */
export interface EncodedRows {
  count: number;
  keys: Buffer;
  keyEnds: Uint32Array;
  rows: Buffer;
  rowEnds: Uint32Array;
  /** Event time (µs since the epoch, an integer) of each row. */
  eventTimesUs: Float64Array;
}

/** A read of some entities of one view. */
export interface ViewLookup {
  view: FeatureViewDef;
  /** Features wanted (a subset of the view's); a store may return rows holding more. */
  features: string[];
  entityKeys: EntityKeyValues[];
}

export interface OnlineStore {
  readonly type: "sqlite" | "redis";
  /**
   * Stores packed rows of one view. A row never replaces a stored row with a
   * newer event time (the older-over-newer rule); ties go to the incoming row.
   */
  write(view: FeatureViewDef, batch: EncodedRows): Promise<WriteResult>;
  /**
   * Reads several views at once, in one round trip to the store where the
   * store allows it: per lookup, per entity key, the stored packed row or
   * undefined. Serving encodes its response straight from these bytes.
   */
  read(lookups: ViewLookup[], signal?: AbortSignal): Promise<(Buffer | undefined)[][]>;
  /** Up to `limit` entity keys that have a row for `view` (for consistency sampling). */
  sampleEntityKeys(view: FeatureViewDef, limit: number): Promise<EntityKeyValues[]>;
  /** Removes a view's rows (e.g. when it is removed from the repository). */
  deleteView(view: FeatureViewDef): Promise<void>;
  close(): Promise<void>;
}

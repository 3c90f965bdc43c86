/**
 * The online store contract (after Feast's four-method OnlineStore): write a
 * batch, read, and lifecycle. Implementations: `redis-online-store.ts`
 * (standalone and cluster, `packed` or `feast` layout) and
 * `sqlite-online-store.ts` (the embedded default).
 */
import type { FeatureViewDef } from "../registry/model.js";
import type { NativeValue } from "../values/index.js";

/** An entity key of one view: the values of the view's join keys, in `view.entityColumns` order. */
export type EntityKeyValues = NativeValue[];

/** One row of a view to store: its entity, event time and feature values in `view.features` order. */
export interface OnlineRow {
  entityKey: EntityKeyValues;
  eventTimestamp: Date;
  /** Feature values in `view.features` order; null is a stored null. */
  values: NativeValue[];
}

/** What is stored for one entity of one view. */
export interface StoredRow {
  eventTimestamp: Date;
  /** Values by feature name; a feature missing here was not stored (e.g. added to the view later). */
  values: Map<string, NativeValue>;
}

export interface WriteResult {
  /** Rows written. */
  written: number;
  /** Rows skipped because the store already held a newer value for the entity. */
  skippedStale: number;
}

/**
 * Rows of one view already in the packed encoding (the materialization fast
 * path: encoded straight from DuckDB's column vectors, no row objects). Row
 * `i` is `keys[keyEnds[i - 1] .. keyEnds[i])` (the entity key, Feast
 * serialization v3 without the project suffix) and `rows[rowEnds[i - 1] ..
 * rowEnds[i])` (its packed row), with `keyEnds[-1] = rowEnds[-1] = 0`.
 */
export interface EncodedRows {
  count: number;
  keys: Buffer;
  keyEnds: Uint32Array;
  rows: Buffer;
  rowEnds: Uint32Array;
  /** Event time (ms since the epoch) of each row. */
  eventTimesMs: Float64Array;
}

/** A read of some entities of one view. */
export interface ViewLookup {
  view: FeatureViewDef;
  /** Features wanted (a subset of the view's). */
  features: string[];
  entityKeys: EntityKeyValues[];
}

/**
 * A stored row with values aligned to a lookup's `features` (the serving
 * hot path: no Map, no Date per row). `values[i]` is `undefined` when the
 * row does not hold `features[i]`.
 */
export interface AlignedRow {
  eventTimeMs: number;
  values: (NativeValue | undefined)[];
}

export interface OnlineStore {
  readonly type: "sqlite" | "redis";
  /**
   * Stores rows of one view. A row never replaces a stored row with a newer
   * event timestamp (the older-over-newer rule); ties go to the incoming row.
   */
  writeBatch(view: FeatureViewDef, rows: OnlineRow[]): Promise<WriteResult>;
  /**
   * Optional fast path of `writeBatch` for rows already packed (same rule:
   * older never over newer). Offered only by stores that keep the packed
   * encoding (SQLite; Redis with `layout: packed`).
   */
  writeEncoded?(view: FeatureViewDef, batch: EncodedRows): Promise<WriteResult>;
  /**
   * Reads several views at once, in one round trip to the store where the
   * store allows it. Result: per lookup, per entity key, the row or undefined.
   */
  read(lookups: ViewLookup[], signal?: AbortSignal): Promise<(StoredRow | undefined)[][]>;
  /** Optional fast path of `read` (same round trips), with values aligned to each lookup's features. */
  readAligned?(lookups: ViewLookup[], signal?: AbortSignal): Promise<(AlignedRow | undefined)[][]>;
  /**
   * Optional fast path of `read` (same round trips) for stores that keep
   * rows in the packed encoding (SQLite; Redis with `layout: packed`): the
   * stored packed rows themselves, per lookup and entity key (undefined: no
   * row). Serving encodes its response straight from these bytes.
   */
  readPacked?(lookups: ViewLookup[], signal?: AbortSignal): Promise<(Buffer | undefined)[][]>;
  /** Up to `limit` entity keys that have a row for `view` (for consistency sampling). */
  sampleEntityKeys(view: FeatureViewDef, limit: number): Promise<EntityKeyValues[]>;
  /** Removes a view's rows (e.g. when it is removed from the repository). */
  deleteView(view: FeatureViewDef): Promise<void>;
  /**
   * A named lock with expiry, shared by every server on this store, so a
   * scheduled job runs once. Returns a release function, or undefined if held elsewhere.
   */
  tryLock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  close(): Promise<void>;
}

/**
 * The server's online store, wrapped to feed the metrics: the latency of each
 * read, and per view the values that will be served NOT_FOUND (no row, or the
 * feature not stored) or OUTSIDE_MAX_AGE (older than the view's ttl). Counted
 * per distinct entity looked up and per feature, from what the store returns,
 * so online retrieval needs no metrics code. Registered under the shared
 * online-store resource key before any handler asks for the store; the real
 * store opens lazily on first use, as it would without metrics.
 */
import type { RepoConfig } from "../config/types.js";
import { createOnlineStore, ONLINE_STORE_RESOURCE } from "../online/index.js";
import type {
  AlignedRow,
  EntityKeyValues,
  OnlineRow,
  OnlineStore,
  StoredRow,
  ViewLookup,
  WriteResult,
} from "../online/online-store.js";
import { locatePackedValues, packedReadPlan } from "../online/packed-row.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { FstoreMetrics } from "./fstore-metrics.js";

const RAW = Symbol("fstore.rawOnlineStore");

/** The store without instrumentation (validation reads are not serving reads). */
export function uninstrumented(store: OnlineStore): OnlineStore {
  return (store as { [RAW]?: () => OnlineStore })[RAW]?.() ?? store;
}

/** Per view of a read: how many served values would be NOT_FOUND and OUTSIDE_MAX_AGE. Pure. */
export function servingStatusCounts(
  lookups: readonly ViewLookup[],
  results: readonly (StoredRow | undefined)[][],
  nowMs: number,
): { view: string; notFound: number; outsideMaxAge: number }[] {
  return lookups.map((lookup, l) => {
    let notFound = 0;
    let outsideMaxAge = 0;
    const ttlMs = lookup.view.ttlSeconds * 1000;
    for (const row of results[l] ?? []) {
      if (!row) {
        notFound += lookup.features.length;
        continue;
      }
      let stored = 0;
      for (const f of lookup.features) if (row.values.has(f)) stored++;
      notFound += lookup.features.length - stored;
      if (ttlMs > 0 && nowMs - row.eventTimestamp.getTime() > ttlMs) outsideMaxAge += stored;
    }
    return { view: lookup.view.name, notFound, outsideMaxAge };
  });
}

/** `servingStatusCounts` for aligned rows (`values[i]` undefined = feature not stored). Pure. */
export function alignedStatusCounts(
  lookups: readonly ViewLookup[],
  results: readonly (AlignedRow | undefined)[][],
  nowMs: number,
): { view: string; notFound: number; outsideMaxAge: number }[] {
  return lookups.map((lookup, l) => {
    let notFound = 0;
    let outsideMaxAge = 0;
    const ttlMs = lookup.view.ttlSeconds * 1000;
    const n = lookup.features.length;
    for (const row of results[l] ?? []) {
      if (!row) {
        notFound += n;
        continue;
      }
      let stored = 0;
      for (let i = 0; i < n; i++) if (row.values[i] !== undefined) stored++;
      notFound += n - stored;
      if (ttlMs > 0 && nowMs - row.eventTimeMs > ttlMs) outsideMaxAge += stored;
    }
    return { view: lookup.view.name, notFound, outsideMaxAge };
  });
}

/** `servingStatusCounts` for packed rows (a feature the row does not hold is not stored). Pure. */
export function packedStatusCounts(
  lookups: readonly ViewLookup[],
  results: readonly (Buffer | undefined)[][],
  nowMs: number,
): { view: string; notFound: number; outsideMaxAge: number }[] {
  return lookups.map((lookup, l) => {
    let notFound = 0;
    let outsideMaxAge = 0;
    const ttlMs = lookup.view.ttlSeconds * 1000;
    const n = lookup.features.length;
    const plan = packedReadPlan(lookup.view, lookup.features);
    const offsets = new Int32Array(n);
    for (const row of results[l] ?? []) {
      if (!row) {
        notFound += n;
        continue;
      }
      offsets.fill(-1);
      const eventTimeMs = locatePackedValues(plan, row, offsets, 0);
      let stored = 0;
      for (let i = 0; i < n; i++) if ((offsets[i] as number) >= 0) stored++;
      notFound += n - stored;
      if (ttlMs > 0 && nowMs - eventTimeMs > ttlMs) outsideMaxAge += stored;
    }
    return { view: lookup.view.name, notFound, outsideMaxAge };
  });
}

/** Plain read results as aligned rows (for a store without `readAligned`). */
function alignedFromRead(
  lookups: readonly ViewLookup[],
  rows: readonly (StoredRow | undefined)[][],
): (AlignedRow | undefined)[][] {
  return rows.map((perView, i) =>
    perView.map((row) =>
      row
        ? {
            eventTimeMs: row.eventTimestamp.getTime(),
            values: (lookups[i] as ViewLookup).features.map((f) => row.values.get(f)),
          }
        : undefined,
    ),
  );
}

class InstrumentedOnlineStore implements OnlineStore {
  #inner: OnlineStore | undefined;

  constructor(
    private readonly config: RepoConfig,
    private readonly metrics: FstoreMetrics,
  ) {}

  get type(): "sqlite" | "redis" {
    return this.config.onlineStore.type;
  }

  [RAW] = (): OnlineStore => this.#store();

  #store(): OnlineStore {
    this.#inner ??= createOnlineStore(this.config);
    return this.#inner;
  }

  writeBatch(view: FeatureViewDef, rows: OnlineRow[]): Promise<WriteResult> {
    return this.#store().writeBatch(view, rows);
  }

  /** The store's fast path for rows already packed (materialization), when it offers one. */
  get writeEncoded(): OnlineStore["writeEncoded"] {
    const store = this.#store();
    const write = store.writeEncoded;
    return write && ((view, batch) => write.call(store, view, batch));
  }

  async read(lookups: ViewLookup[], signal?: AbortSignal): Promise<(StoredRow | undefined)[][]> {
    const started = performance.now();
    const results = await this.#store().read(lookups, signal);
    this.metrics.observeOnlineRead(this.type, (performance.now() - started) / 1000);
    for (const c of servingStatusCounts(lookups, results, Date.now())) {
      this.metrics.countServingStatus(c.view, "NOT_FOUND", c.notFound);
      this.metrics.countServingStatus(c.view, "OUTSIDE_MAX_AGE", c.outsideMaxAge);
    }
    return results;
  }

  /**
   * The store's aligned read (the serving fast path), timed and counted like
   * `read`; without it, serving through this wrapper would fall back to `read`
   * and build a Map and a Date per row.
   */
  async readAligned(lookups: ViewLookup[], signal?: AbortSignal): Promise<(AlignedRow | undefined)[][]> {
    const store = this.#store();
    if (!store.readAligned) return alignedFromRead(lookups, await this.read(lookups, signal));
    const started = performance.now();
    const results = await store.readAligned(lookups, signal);
    this.metrics.observeOnlineRead(this.type, (performance.now() - started) / 1000);
    for (const c of alignedStatusCounts(lookups, results, Date.now())) {
      this.metrics.countServingStatus(c.view, "NOT_FOUND", c.notFound);
      this.metrics.countServingStatus(c.view, "OUTSIDE_MAX_AGE", c.outsideMaxAge);
    }
    return results;
  }

  /**
   * The store's packed read (the serving fast path on SQLite and packed
   * Redis), timed and counted like `read`; absent when the store has none.
   */
  get readPacked(): OnlineStore["readPacked"] {
    const store = this.#store();
    if (!store.readPacked) return undefined;
    return async (lookups, signal) => {
      const started = performance.now();
      const results = await (store.readPacked as NonNullable<OnlineStore["readPacked"]>)(lookups, signal);
      this.metrics.observeOnlineRead(this.type, (performance.now() - started) / 1000);
      for (const c of packedStatusCounts(lookups, results, Date.now())) {
        this.metrics.countServingStatus(c.view, "NOT_FOUND", c.notFound);
        this.metrics.countServingStatus(c.view, "OUTSIDE_MAX_AGE", c.outsideMaxAge);
      }
      return results;
    };
  }

  sampleEntityKeys(view: FeatureViewDef, limit: number): Promise<EntityKeyValues[]> {
    return this.#store().sampleEntityKeys(view, limit);
  }

  deleteView(view: FeatureViewDef): Promise<void> {
    return this.#store().deleteView(view);
  }

  tryLock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    return this.#store().tryLock(name, ttlMs);
  }

  async close(): Promise<void> {
    await this.#inner?.close();
    this.#inner = undefined;
  }
}

/** Registers the instrumented store as the server's shared online store. */
export function instrumentOnlineStore(
  resources: { get<T>(key: string, open: () => T, close: (r: T) => Promise<void> | void): T },
  config: RepoConfig,
  metrics: FstoreMetrics,
): void {
  resources.get(
    ONLINE_STORE_RESOURCE,
    (): OnlineStore => new InstrumentedOnlineStore(config, metrics),
    (store) => store.close(),
  );
}

/**
 * Applies validated events of one stream source to the online tiles of every
 * online stream view over it: one store read for all views' entities, the
 * events applied in order (`applyEvent`), one store write per view. Each
 * entity's tiles and its last applied position are one value, written
 * atomically, so a batch redelivered after a crash between this write and
 * the acknowledgement changes nothing the second time. Calls are serialized
 * (the consumer and Push share an applier within a process).
 *
 * The applier is the one writer of its views' tiles while it runs, so it
 * keeps the tiles it wrote in memory (up to CACHED_ENTITIES per view) and
 * reads from the store only the entities it has not seen: the store read
 * and decoding were most of a batch's cost. Whatever rebuilds tiles beside
 * it (Materialize) calls `forget` (see `forgetTileCaches`).
 */
import type { EntityKeyValues, OnlineStore } from "../online/online-store.js";
import type { FeatureViewDef, StreamSourceDef } from "../registry/model.js";
import { type TileLayout, tileLayoutOf } from "../streaming/tile-layout.js";
import { tileFeatures, tileStorageView, tilesOfStoredRow, writeEntityTiles } from "../streaming/tile-row.js";
import { applyEvent, type EntityTiles, emptyEntityTiles, type StreamPosition } from "../streaming/tiles.js";
import type { EventValue } from "./event-decoder.js";

/** A validated event: schema-ordered values, its times, and its stream position (none for Push). */
export interface IngestEvent {
  values: EventValue[];
  eventTimeUs: number;
  createdUs: number;
  position?: StreamPosition | undefined;
}

export interface ApplyCounts {
  applied: number;
  duplicate: number;
  late: number;
}

export interface TileApplier {
  readonly views: readonly FeatureViewDef[];
  /** Applies events in order; counts per view name. */
  apply(events: readonly IngestEvent[]): Promise<Map<string, ApplyCounts>>;
  /** Drops the cached tiles: the next batch reads them from the store (call after tiles were rebuilt elsewhere). */
  forget(): void;
}

/** Entities whose tiles an applier keeps in memory per view; past it the cache starts over. */
const CACHED_ENTITIES = 200_000;

interface ViewPlan {
  view: FeatureViewDef;
  layout: TileLayout;
  keyIndexes: number[];
  valueIndexes: number[];
}

export function createTileApplier(
  source: StreamSourceDef,
  views: readonly FeatureViewDef[],
  store: () => OnlineStore,
): TileApplier {
  const schemaIndex = new Map(source.schema.map((f, i) => [f.name, i]));
  const plans: ViewPlan[] = views.map((view) => {
    const layout = tileLayoutOf(view);
    return {
      view,
      layout,
      keyIndexes: view.entityColumns.map((c) => schemaIndex.get(c.name) as number),
      valueIndexes: layout.columns.map((c) => schemaIndex.get(c) as number),
    };
  });
  let tail: Promise<unknown> = Promise.resolve();
  const caches = plans.map(() => new Map<string, EntityTiles>());

  const run = async (events: readonly IngestEvent[]): Promise<Map<string, ApplyCounts>> => {
    const counts = new Map<string, ApplyCounts>(
      views.map((v) => [v.name, { applied: 0, duplicate: 0, late: 0 }]),
    );
    if (events.length === 0 || plans.length === 0) return counts;
    // Per view: the batch's distinct entities and, per event, its entity's index.
    const grouped = plans.map((p) => {
      const index = new Map<string, number>();
      const keys: EntityKeyValues[] = [];
      const texts: string[] = [];
      const eventEntity = new Int32Array(events.length);
      events.forEach((e, i) => {
        const key = p.keyIndexes.map((k) => e.values[k] as EventValue);
        const text = key.map(String).join("\u0000");
        let u = index.get(text);
        if (u === undefined) {
          u = keys.length;
          index.set(text, u);
          keys.push(key as EntityKeyValues);
          texts.push(text);
        }
        eventEntity[i] = u;
      });
      return { keys, texts, eventEntity };
    });
    const s = store();
    // Only entities not in memory are read (one store call for every view).
    const missing = grouped.map((g, pi) => {
      const cache = caches[pi] as Map<string, EntityTiles>;
      return g.keys.map((_, u) => u).filter((u) => !cache.has(g.texts[u] as string));
    });
    const lookups = plans.map((p, pi) => ({
      view: tileStorageView(p.view),
      features: tileFeatures() as string[],
      entityKeys: (missing[pi] as number[]).map(
        (u) => (grouped[pi] as (typeof grouped)[number]).keys[u] as EntityKeyValues,
      ),
    }));
    const found = lookups.some((l) => l.entityKeys.length > 0)
      ? await s.read(lookups)
      : lookups.map(() => []);
    for (let pi = 0; pi < plans.length; pi++) {
      const p = plans[pi] as ViewPlan;
      const g = grouped[pi] as (typeof grouped)[number];
      const cache = caches[pi] as Map<string, EntityTiles>;
      const read = new Map<number, EntityTiles>();
      (missing[pi] as number[]).forEach((u, j) => {
        read.set(u, tilesOfStoredRow(p.view, found[pi]?.[j]) ?? emptyEntityTiles(p.layout));
      });
      const states: EntityTiles[] = g.texts.map((t, u) => read.get(u) ?? (cache.get(t) as EntityTiles));
      if (cache.size + read.size > CACHED_ENTITIES) cache.clear();
      g.texts.forEach((t, u) => {
        cache.set(t, states[u] as EntityTiles);
      });
      const changed = new Uint8Array(g.keys.length);
      const c = counts.get(p.view.name) as ApplyCounts;
      const values = new Float64Array(p.valueIndexes.length);
      for (let i = 0; i < events.length; i++) {
        const e = events[i] as IngestEvent;
        for (let j = 0; j < p.valueIndexes.length; j++)
          values[j] = Number(e.values[p.valueIndexes[j] as number]);
        const u = g.eventEntity[i] as number;
        const outcome = applyEvent(p.layout, states[u] as EntityTiles, {
          eventTimeUs: e.eventTimeUs,
          createdUs: e.createdUs,
          values,
          position: e.position,
        });
        c[outcome]++;
        // A late event still moves the position, which must be stored.
        if (outcome !== "duplicate") changed[u] = 1;
      }
      const entries = g.keys
        .map((entityKey, u) => ({ entityKey, tiles: states[u] as EntityTiles }))
        .filter((_, u) => changed[u] === 1);
      try {
        await writeEntityTiles(s, p.view, entries);
      } catch (err) {
        // What the store holds is unknown now: read it again next time.
        cache.clear();
        throw err;
      }
    }
    return counts;
  };

  return {
    views,
    forget() {
      for (const c of caches) c.clear();
    },
    apply(events) {
      const next = tail.then(() => run(events));
      tail = next.catch(() => {});
      return next;
    },
  };
}

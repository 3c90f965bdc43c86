/**
 * Applies validated events of one stream source to the online tiles of every
 * online stream view over it: one store read for all views' entities, the
 * events applied in order (`applyEvent`), one store write per view. Each
 * entity's tiles and its last applied position are one value, written
 * atomically, so a batch redelivered after a crash between this write and
 * the acknowledgement changes nothing the second time. Calls are serialized
 * (the consumer and Push share an applier within a process).
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
}

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

  const run = async (events: readonly IngestEvent[]): Promise<Map<string, ApplyCounts>> => {
    const counts = new Map<string, ApplyCounts>(
      views.map((v) => [v.name, { applied: 0, duplicate: 0, late: 0 }]),
    );
    if (events.length === 0 || plans.length === 0) return counts;
    // Per view: the batch's distinct entities and, per event, its entity's index.
    const grouped = plans.map((p) => {
      const index = new Map<string, number>();
      const keys: EntityKeyValues[] = [];
      const eventEntity = new Int32Array(events.length);
      events.forEach((e, i) => {
        const key = p.keyIndexes.map((k) => e.values[k] as EventValue);
        const text = key.map(String).join("\u0000");
        let u = index.get(text);
        if (u === undefined) {
          u = keys.length;
          index.set(text, u);
          keys.push(key as EntityKeyValues);
        }
        eventEntity[i] = u;
      });
      return { keys, eventEntity };
    });
    const s = store();
    const found = await s.read(
      plans.map((p, i) => ({
        view: tileStorageView(p.view),
        features: tileFeatures() as string[],
        entityKeys: (grouped[i] as (typeof grouped)[number]).keys,
      })),
    );
    for (let pi = 0; pi < plans.length; pi++) {
      const p = plans[pi] as ViewPlan;
      const g = grouped[pi] as (typeof grouped)[number];
      const rows = found[pi] ?? [];
      const states: EntityTiles[] = g.keys.map(
        (_, u) => tilesOfStoredRow(p.view, rows[u]) ?? emptyEntityTiles(p.layout),
      );
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
      await writeEntityTiles(s, p.view, entries);
    }
    return counts;
  };

  return {
    views,
    apply(events) {
      const next = tail.then(() => run(events));
      tail = next.catch(() => {});
      return next;
    },
  };
}

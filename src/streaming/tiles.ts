/**
 * The tile state of one entity of a stream view, how an event updates it and
 * how values at a time are read from it (`semantics.ts` states the rules).
 * Pure: no I/O, no clock.
 */

import { floorTo, isLate, laterThan, tileIndexOf, windowTileRange } from "./semantics.js";
import {
  COLUMN_SLOTS,
  SLOT_LAST_C,
  SLOT_LAST_T,
  SLOT_LAST_V,
  SLOT_MAX,
  SLOT_MIN,
  SLOT_SUM,
  TILE_HEAD,
  type TileLayout,
} from "./tile-layout.js";

/** A position in a partitioned stream, compared as (hi, lo): Redis ids (ms, seq), NATS (0, seq), Kafka (0, offset). */
export interface StreamPosition {
  /** Which ordered log: e.g. "redis:events", "nats:EVENTS", "kafka:topic/3". */
  partition: string;
  hi: number;
  lo: number;
}

/** One validated event, reduced to what tiles need. */
export interface TileEvent {
  eventTimeUs: number;
  /** Ingestion time (µs): the broker's append time, or the server's time for Push. */
  createdUs: number;
  /** Values of `layout.columns`, in order. */
  values: ArrayLike<number>;
  /** Where the event sits in its stream (absent for Push: no redelivery to detect). */
  position?: StreamPosition | undefined;
}

/** One entity's tiles: per series, tiles sorted by index, each `layout.tileSlots` float64s. */
export interface EntityTiles {
  /** Newest applied event time (µs), -Infinity when none. */
  newestUs: number;
  /** Last applied position per partition: [hi, lo]. */
  positions: Map<string, [number, number]>;
  series: Float64Array[][];
}

export type ApplyOutcome = "applied" | "duplicate" | "late";

export function emptyEntityTiles(layout: TileLayout): EntityTiles {
  return { newestUs: Number.NEGATIVE_INFINITY, positions: new Map(), series: layout.series.map(() => []) };
}

/**
 * Applies one event. A position at or before the entity's last applied one in
 * its partition is a redelivery (`duplicate`, nothing changes); a late event
 * advances the position but not the tiles.
 */
export function applyEvent(layout: TileLayout, state: EntityTiles, event: TileEvent): ApplyOutcome {
  const p = event.position;
  if (p) {
    const last = state.positions.get(p.partition);
    if (last && (p.hi < last[0] || (p.hi === last[0] && p.lo <= last[1]))) return "duplicate";
    state.positions.set(p.partition, [p.hi, p.lo]);
  }
  const t = event.eventTimeUs;
  if (isLate(t, state.newestUs, layout.allowedLatenessUs)) return "late";
  if (t > state.newestUs) state.newestUs = t;
  const n = layout.columns.length;
  layout.series.forEach((s, si) => {
    const tiles = state.series[si] as Float64Array[];
    const k = tileIndexOf(t, s.slideUs);
    const tile = tileAt(tiles, k, layout.tileSlots, n);
    tile[1] = (tile[1] as number) + 1;
    for (let c = 0; c < n; c++) {
      const v = event.values[c] as number;
      const o = TILE_HEAD + c * COLUMN_SLOTS;
      tile[o + SLOT_SUM] = (tile[o + SLOT_SUM] as number) + v;
      if (v < (tile[o + SLOT_MIN] as number)) tile[o + SLOT_MIN] = v;
      if (v > (tile[o + SLOT_MAX] as number)) tile[o + SLOT_MAX] = v;
      const lt = tile[o + SLOT_LAST_T] as number;
      const lc = tile[o + SLOT_LAST_C] as number;
      const lv = tile[o + SLOT_LAST_V] as number;
      if ((tile[1] as number) === 1 || laterThan(t, event.createdUs, v, lt, lc, lv)) {
        tile[o + SLOT_LAST_T] = t;
        tile[o + SLOT_LAST_C] = event.createdUs;
        tile[o + SLOT_LAST_V] = v;
      }
    }
    pruneTiles(tiles, state.newestUs, s.slideUs, s.maxWindowUs);
  });
  return "applied";
}

/**
 * The tile `k` of series `series` of an entity, created empty (count 0, min
 * +Infinity, max -Infinity) in its sorted place when missing: for writers that
 * build tiles from aggregates computed elsewhere (e.g. Materialize from DuckDB),
 * which fill slots `TILE_HEAD + column * COLUMN_SLOTS + SLOT_*` and the count
 * (slot 1), and set `newestUs`.
 */
export function tileFor(layout: TileLayout, state: EntityTiles, series: number, k: number): Float64Array {
  return tileAt(state.series[series] as Float64Array[], k, layout.tileSlots, layout.columns.length);
}

/** The tile with index `k`, created empty in its sorted place when missing. */
function tileAt(tiles: Float64Array[], k: number, slots: number, columns: number): Float64Array {
  let i = tiles.length;
  while (i > 0 && ((tiles[i - 1] as Float64Array)[0] as number) > k) i--;
  const before = tiles[i - 1];
  if (before && before[0] === k) return before;
  const tile = new Float64Array(slots);
  tile[0] = k;
  for (let c = 0; c < columns; c++) {
    const o = TILE_HEAD + c * COLUMN_SLOTS;
    tile[o + SLOT_MIN] = Number.POSITIVE_INFINITY;
    tile[o + SLOT_MAX] = Number.NEGATIVE_INFINITY;
  }
  tiles.splice(i, 0, tile);
  return tile;
}

/** Drops tiles no window at or after the newest event can read: k·slide < floor(newest) − maxWindow. */
function pruneTiles(tiles: Float64Array[], newestUs: number, slideUs: number, maxWindowUs: number): void {
  const first = (floorTo(newestUs, slideUs) - maxWindowUs) / slideUs;
  let drop = 0;
  while (drop < tiles.length && ((tiles[drop] as Float64Array)[0] as number) < first) drop++;
  if (drop > 0) tiles.splice(0, drop);
}

/**
 * Each output's value at `tUs` (in `layout.outputs` order): a number, or null
 * for mean/min/max/last over an empty window. No state is an empty window.
 */
export function valuesAt(layout: TileLayout, state: EntityTiles | undefined, tUs: number): (number | null)[] {
  return layout.outputs.map((out) => {
    const s = layout.series[out.series];
    const tiles = state?.series[out.series];
    let count = 0;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let lt = Number.NEGATIVE_INFINITY;
    let lc = 0;
    let lv = 0;
    if (s && tiles) {
      const [lo, hi] = windowTileRange(tUs, out.windowUs, s.slideUs);
      const o = TILE_HEAD + out.column * COLUMN_SLOTS;
      for (const tile of tiles) {
        const k = tile[0] as number;
        if (k < lo) continue;
        if (k > hi) break;
        count += tile[1] as number;
        if (out.column < 0) continue;
        sum += tile[o + SLOT_SUM] as number;
        if ((tile[o + SLOT_MIN] as number) < min) min = tile[o + SLOT_MIN] as number;
        if ((tile[o + SLOT_MAX] as number) > max) max = tile[o + SLOT_MAX] as number;
        const t = tile[o + SLOT_LAST_T] as number;
        const c = tile[o + SLOT_LAST_C] as number;
        const v = tile[o + SLOT_LAST_V] as number;
        if (laterThan(t, c, v, lt, lc, lv)) {
          lt = t;
          lc = c;
          lv = v;
        }
      }
    }
    switch (out.aggregation.function) {
      case "count":
        return count;
      case "sum":
        return sum;
      case "mean":
        return count === 0 ? null : sum / count;
      case "min":
        return count === 0 ? null : min;
      case "max":
        return count === 0 ? null : max;
      default:
        return count === 0 ? null : lv; // last
    }
  });
}

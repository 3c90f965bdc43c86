/**
 * What a stream view's tiles hold, derived from its aggregations: one tile
 * series per distinct slide, each tile holding the event count and, per
 * aggregated column, sum, min, max and the `last` event (time, created,
 * value). Cached per view object (i.e. per registry version).
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { murmur3_32String } from "../online/murmur3.js";
import type { AggregationDef, FeatureViewDef } from "../registry/model.js";

/** Float64 slots of a tile before its columns: tile index, event count. */
export const TILE_HEAD = 2;
/** Float64 slots per column in a tile: sum, min, max, last time, last created, last value. */
export const COLUMN_SLOTS = 6;
export const SLOT_SUM = 0;
export const SLOT_MIN = 1;
export const SLOT_MAX = 2;
export const SLOT_LAST_T = 3;
export const SLOT_LAST_C = 4;
export const SLOT_LAST_V = 5;

export interface TileSeriesLayout {
  slideUs: number;
  /** The largest window over this series (tiles older than it are pruned). */
  maxWindowUs: number;
}

export interface TileOutput {
  aggregation: AggregationDef;
  /** Output type (the view's feature type). */
  dtype: ValueType;
  series: number;
  /** Index into `columns`, or -1 for count. */
  column: number;
  windowUs: number;
}

export interface TileLayout {
  view: string;
  series: TileSeriesLayout[];
  /** Aggregated columns (numeric), in first-use order. */
  columns: string[];
  /** Slots per tile: TILE_HEAD + COLUMN_SLOTS x columns. */
  tileSlots: number;
  /** One per view feature, in `view.features` order. */
  outputs: TileOutput[];
  allowedLatenessUs: number;
  /** Hash of series and columns: tiles written under another layout are not read. */
  fingerprint: number;
}

const layouts = new WeakMap<FeatureViewDef, TileLayout>();

/** The tile layout of a stream view (its `aggregations` must be set). */
export function tileLayoutOf(view: FeatureViewDef): TileLayout {
  let layout = layouts.get(view);
  if (layout) return layout;
  const aggregations = view.aggregations ?? [];
  const slides: number[] = [];
  const columns: string[] = [];
  for (const a of aggregations) {
    if (!slides.includes(a.slideSeconds)) slides.push(a.slideSeconds);
    if (a.function !== "count" && !columns.includes(a.column)) columns.push(a.column);
  }
  const series = slides.map((s) => ({
    slideUs: s * 1e6,
    maxWindowUs:
      Math.max(...aggregations.filter((a) => a.slideSeconds === s).map((a) => a.windowSeconds)) * 1e6,
  }));
  const outputs = aggregations.map((a, i) => ({
    aggregation: a,
    dtype: view.features[i]?.dtype ?? ValueType.DOUBLE,
    series: slides.indexOf(a.slideSeconds),
    column: a.function === "count" ? -1 : columns.indexOf(a.column),
    windowUs: a.windowSeconds * 1e6,
  }));
  const maxWindow = Math.max(0, ...aggregations.map((a) => a.windowSeconds));
  layout = {
    view: view.name,
    series,
    columns,
    tileSlots: TILE_HEAD + COLUMN_SLOTS * columns.length,
    outputs,
    allowedLatenessUs: (view.allowedLatenessSeconds ?? maxWindow) * 1e6,
    fingerprint: murmur3_32String(`${slides.join(",")}|${columns.join(",")}`),
  };
  layouts.set(view, layout);
  return layout;
}

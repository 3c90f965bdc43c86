// Streaming features: windowed aggregations of stream events, served from tiles.
// The written semantics are in `semantics.ts`; everything here is pure except
// `tile-row.ts` (which reads and writes tiles through an OnlineStore).

export { aggregateValue } from "./aggregate-values.js";
// Semantics (shared by online tiles, the offline query and the test oracle).
export { floorTo, inWindow, isLate, laterThan, tileIndexOf, windowTileRange } from "./semantics.js";
// Tiles in the online store (one BYTES value per entity row).
export { decodeEntityTiles, encodeEntityTiles } from "./tile-codec.js";
// The tile model: one entity's tiles per view, updated by events, read at a time.
export type { TileLayout, TileOutput, TileSeriesLayout } from "./tile-layout.js";
export {
  COLUMN_SLOTS,
  SLOT_LAST_C,
  SLOT_LAST_T,
  SLOT_LAST_V,
  SLOT_MAX,
  SLOT_MIN,
  SLOT_SUM,
  TILE_HEAD,
  tileLayoutOf,
} from "./tile-layout.js";
export {
  encodeTileRows,
  readEntityTiles,
  TILES_FEATURE,
  tileFeatures,
  tileStorageView,
  tilesOfStoredRow,
  writeEntityTiles,
} from "./tile-row.js";
export type { ApplyOutcome, EntityTiles, StreamPosition, TileEvent } from "./tiles.js";
export { applyEvent, emptyEntityTiles, tileFor, valuesAt } from "./tiles.js";
export { defaultSlideSeconds, parseWindow } from "./window.js";

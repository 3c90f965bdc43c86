/**
 * Tiles as online rows: a stream view's row per entity is a packed row of one
 * BYTES value (`__tiles`, the encoded `EntityTiles`) whose event time is the
 * entity's newest applied event. So tiles take the online store contract
 * as it is: one write per batch, and GetOnlineFeatures reads them in the same
 * single store call as the other views; the older-over-newer rule keeps a
 * rebuild from older history from replacing tiles fed by newer live events.
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { encodeOnlineRows } from "../online/online-rows.js";
import type { EncodedRows, EntityKeyValues, OnlineStore } from "../online/online-store.js";
import { decodePackedRow, packedReadPlan } from "../online/packed-row.js";
import type { FeatureViewDef } from "../registry/model.js";
import { decodeEntityTiles, encodeEntityTiles } from "./tile-codec.js";
import { tileLayoutOf } from "./tile-layout.js";
import type { EntityTiles } from "./tiles.js";

/** The one stored feature of a stream view's online row. */
export const TILES_FEATURE = "__tiles";
const TILES_FEATURES: readonly string[] = [TILES_FEATURE];

const storageViews = new WeakMap<FeatureViewDef, FeatureViewDef>();

/** The view as the online store sees it: same name and keys, one BYTES feature holding the tiles. */
export function tileStorageView(view: FeatureViewDef): FeatureViewDef {
  let s = storageViews.get(view);
  if (!s) {
    s = {
      ...view,
      features: [{ name: TILES_FEATURE, dtype: ValueType.BYTES, description: "", tags: {} }],
    };
    storageViews.set(view, s);
  }
  return s;
}

/** The feature list to read a stream view's tiles with (one array, so read plans are cached). */
export function tileFeatures(): readonly string[] {
  return TILES_FEATURES;
}

/** One batch of tile rows for `store.write(tileStorageView(view), ...)`. */
export function encodeTileRows(
  view: FeatureViewDef,
  entries: readonly { entityKey: EntityKeyValues; tiles: EntityTiles }[],
): EncodedRows {
  const layout = tileLayoutOf(view);
  return encodeOnlineRows(
    tileStorageView(view),
    entries.map((e) => ({
      entityKey: e.entityKey,
      eventTimeUs: Number.isFinite(e.tiles.newestUs) ? e.tiles.newestUs : 0,
      values: [encodeEntityTiles(layout, e.tiles)],
    })),
  );
}

/** The tiles held by a stored row of a stream view (undefined: no row, or written under another layout). */
export function tilesOfStoredRow(view: FeatureViewDef, row: Buffer | undefined): EntityTiles | undefined {
  if (row === undefined) return undefined;
  const stored = decodePackedRow(packedReadPlan(tileStorageView(view), TILES_FEATURES), row);
  const bytes = stored.values.get(TILES_FEATURE);
  if (!(bytes instanceof Uint8Array)) return undefined;
  return decodeEntityTiles(tileLayoutOf(view), bytes);
}

/** Reads the tiles of some entities of one stream view (one store read). */
export async function readEntityTiles(
  store: OnlineStore,
  view: FeatureViewDef,
  entityKeys: EntityKeyValues[],
): Promise<(EntityTiles | undefined)[]> {
  if (entityKeys.length === 0) return [];
  const [rows] = await store.read([
    { view: tileStorageView(view), features: TILES_FEATURES as string[], entityKeys },
  ]);
  return (rows ?? []).map((r) => tilesOfStoredRow(view, r));
}

/** Writes tiles of some entities of one stream view (one store write). */
export async function writeEntityTiles(
  store: OnlineStore,
  view: FeatureViewDef,
  entries: readonly { entityKey: EntityKeyValues; tiles: EntityTiles }[],
): Promise<void> {
  if (entries.length === 0) return;
  await store.write(tileStorageView(view), encodeTileRows(view, entries));
}

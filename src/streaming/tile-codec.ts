/**
 * The bytes of one entity's tiles, stored online as the single BYTES value
 * of the view's packed row (`tile-row.ts`), so tiles go through the online
 * store contract unchanged (one write, one read, SQLite and Redis alike).
 *
 * Layout v1 (little-endian):
 *   u8 version=1 | u32 layout fingerprint | f64 newest event µs
 *   | u16 p x ( u16 len | utf8 partition | f64 hi | f64 lo )
 *   | u16 s x ( u32 tiles | tiles x tileSlots f64 )
 * Tiles written under another layout (the view's slides or columns changed)
 * decode as no state; Materialize rebuilds them from the raw events.
 */
import type { TileLayout } from "./tile-layout.js";
import type { EntityTiles } from "./tiles.js";

const VERSION = 1;

export function encodeEntityTiles(layout: TileLayout, state: EntityTiles): Buffer {
  const partitions = [...state.positions.entries()].map(([p, v]) => [Buffer.from(p, "utf8"), v] as const);
  let head = 1 + 4 + 8 + 2 + 2;
  for (const [name] of partitions) head += 2 + name.length + 16;
  let slots = 0;
  for (const tiles of state.series) {
    head += 4;
    slots += tiles.length * layout.tileSlots;
  }
  const b = Buffer.allocUnsafe(head + slots * 8);
  let o = b.writeUInt8(VERSION, 0);
  o = b.writeUInt32LE(layout.fingerprint, o);
  o = b.writeDoubleLE(state.newestUs, o);
  o = b.writeUInt16LE(partitions.length, o);
  for (const [name, [hi, lo]] of partitions) {
    o = b.writeUInt16LE(name.length, o);
    o += name.copy(b, o);
    o = b.writeDoubleLE(hi, o);
    o = b.writeDoubleLE(lo, o);
  }
  o = b.writeUInt16LE(state.series.length, o);
  // Tiles go through one aligned float64 array per series, copied in one piece.
  for (const tiles of state.series) {
    o = b.writeUInt32LE(tiles.length, o);
    const block = new Float64Array(tiles.length * layout.tileSlots);
    for (let t = 0; t < tiles.length; t++) block.set(tiles[t] as Float64Array, t * layout.tileSlots);
    b.set(new Uint8Array(block.buffer, 0, block.byteLength), o);
    o += block.byteLength;
  }
  return b;
}

/** The tiles in `bytes`, or undefined when they were written under another layout or version. */
export function decodeEntityTiles(layout: TileLayout, bytes: Uint8Array): EntityTiles | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 17 || b.readUInt8(0) !== VERSION || b.readUInt32LE(1) !== layout.fingerprint)
    return undefined;
  let o = 5;
  const newestUs = b.readDoubleLE(o);
  o += 8;
  const positions = new Map<string, [number, number]>();
  const np = b.readUInt16LE(o);
  o += 2;
  for (let i = 0; i < np; i++) {
    const len = b.readUInt16LE(o);
    o += 2;
    const name = b.toString("utf8", o, o + len);
    o += len;
    positions.set(name, [b.readDoubleLE(o), b.readDoubleLE(o + 8)]);
    o += 16;
  }
  const ns = b.readUInt16LE(o);
  o += 2;
  if (ns !== layout.series.length) return undefined;
  const series: Float64Array[][] = [];
  const slots = layout.tileSlots;
  for (let s = 0; s < ns; s++) {
    const n = b.readUInt32LE(o);
    o += 4;
    // One aligned copy per series; each tile is a view into it.
    const block = new Float64Array(n * slots);
    new Uint8Array(block.buffer).set(b.subarray(o, o + n * slots * 8));
    o += n * slots * 8;
    const tiles: Float64Array[] = new Array(n);
    for (let t = 0; t < n; t++) tiles[t] = block.subarray(t * slots, (t + 1) * slots);
    series.push(tiles);
  }
  return { newestUs, positions, series };
}

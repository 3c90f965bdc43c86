/**
 * The written semantics of windowed aggregations, shared by the online tiles
 * (this folder), the offline DuckDB query and the test oracle. All times are
 * integers in µs since the epoch; `window` and `slide` are whole seconds with
 * `window` a multiple of `slide`.
 *
 * Value at time t: the aggregate of the entity's events whose event time e
 * satisfies  floor(t, slide) − window < e ≤ t,  where floor(t, slide) is t
 * rounded down to a multiple of slide (since the epoch). So every event up to
 * t counts (fresh), and the window's start moves in steps of `slide`, which
 * is what lets it be served from tiles.
 *
 * Tiles: tile k of an entity holds its events with k·slide < e ≤ (k+1)·slide
 * (left-open, right-closed, like the window). The value at t reads tiles
 * (floor(t) − window)/slide ... ceil(t/slide) − 1: whole tiles, the last one
 * containing t. Online serves the present, so the last tile holds no event
 * after t unless an event is dated in the future (clock skew); such an event
 * counts online, not offline.
 *
 * Functions over the window's events: count (0 when empty), sum (0 when
 * empty), mean = sum / count in float64 (NULL when empty), min, max (NULL when
 * empty), last = the value of the event with the greatest
 * (event time, created, value) (NULL when empty), where `created` is the
 * event's ingestion time (the broker's append time for a stream, the server's
 * time for Push). Sums are float64 (int64 sums are exact below 2^53; float
 * sums are exact when no rounding occurs, otherwise they may differ in the
 * last bits between online and offline, which add in different orders).
 *
 * Late events: online, an event whose time is older than the entity's newest
 * event time (per view) minus the view's allowed lateness is late: it is not
 * applied to the tiles, it is counted (fstore_stream_late_events_total), and
 * it is still kept offline. With the default lateness (the view's largest
 * window) a late event could not change any value at a time after the
 * entity's newest event anyway.
 */

/** floor(t, slide): t rounded down to a multiple of `slideUs` (exact on integers). */
export function floorTo(tUs: number, slideUs: number): number {
  const r = ((tUs % slideUs) + slideUs) % slideUs;
  return tUs - r;
}

/** The tile holding an event at `tUs`: k with k·slide < t ≤ (k+1)·slide. */
export function tileIndexOf(tUs: number, slideUs: number): number {
  const r = ((tUs % slideUs) + slideUs) % slideUs;
  return r === 0 ? tUs / slideUs - 1 : (tUs - r) / slideUs;
}

/** The first and last tile of the window at `tUs` (inclusive). */
export function windowTileRange(tUs: number, windowUs: number, slideUs: number): [number, number] {
  return [(floorTo(tUs, slideUs) - windowUs) / slideUs, tileIndexOf(tUs, slideUs)];
}

/** True when an event at `eUs` is in the window at `tUs` (the definition itself, for oracles). */
export function inWindow(eUs: number, tUs: number, windowUs: number, slideUs: number): boolean {
  return floorTo(tUs, slideUs) - windowUs < eUs && eUs <= tUs;
}

/** True when an event is late for an entity whose newest applied event is at `newestUs`. */
export function isLate(eUs: number, newestUs: number, allowedLatenessUs: number): boolean {
  return eUs < newestUs - allowedLatenessUs;
}

/** The total order of `last`: by event time, then created, then value. */
export function laterThan(t1: number, c1: number, v1: number, t2: number, c2: number, v2: number): boolean {
  if (t1 !== t2) return t1 > t2;
  if (c1 !== c2) return c1 > c2;
  return v1 > v2;
}

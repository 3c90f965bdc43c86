/**
 * Random stream events for oracle tests: many entities, ties on event time,
 * out-of-order and late arrivals, events exactly on tile and window
 * boundaries, and quiet entities whose windows end up empty. Values are
 * multiples of 0.25 so float sums are exact in any order.
 */
import type { OracleEvent } from "./stream-oracle.js";

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomEventsOptions {
  seed: number;
  entities: number;
  events: number;
  /** Event times fall in [startUs, startUs + spanUs]. */
  startUs: number;
  spanUs: number;
  /** Tile sizes (µs) whose boundaries some events land on exactly. */
  boundariesUs: number[];
  /** Column names; each gets a value per event. */
  columns: string[];
}

/** Events in arrival order (mostly by time, with some shuffled back), `created` increasing with arrival. */
export function randomStreamEvents(o: RandomEventsOptions): OracleEvent[] {
  const rnd = seededRandom(o.seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const times: number[] = [];
  for (let i = 0; i < o.events; i++) {
    const r = rnd();
    let t = o.startUs + pick(o.spanUs + 1);
    if (r < 0.15 && times.length > 0)
      t = times[pick(times.length)] as number; // a tie
    else if (r < 0.3) {
      const b = o.boundariesUs[pick(o.boundariesUs.length)] as number;
      t = t - (((t % b) + b) % b) + (rnd() < 0.5 ? 0 : 1); // on a boundary, or just after it
    }
    times.push(t);
  }
  times.sort((a, b) => a - b);
  // Arrival order: by time, with ~10% of events arriving much later than their time.
  const arrival = times.map((t, i) => ({ t, key: rnd() < 0.1 ? i + pick(o.events) : i }));
  arrival.sort((a, b) => a.key - b.key);
  let created = o.startUs + o.spanUs;
  // Entity 0 only appears early, so its later windows are empty.
  return arrival.map(({ t }, i) => {
    if (rnd() > 0.8)
      created += 1; // some events share a created time
    else created += 1 + pick(3);
    const early = t < o.startUs + o.spanUs / 4;
    const entity = early && rnd() < 0.2 ? 0 : 1 + pick(Math.max(1, o.entities - 1));
    const values: Record<string, number> = {};
    for (const c of o.columns) values[c] = (pick(41) - 20) / 4;
    return { entity: String(entity), eventTimeUs: t, createdUs: created + (i % 2), values };
  });
}

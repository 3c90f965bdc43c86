/**
 * A brute-force oracle for windowed aggregations, written from the semantics
 * (src/streaming/semantics.ts) and nothing else: for each request it scans
 * every event of the entity. Both the online tests and the offline tests
 * compare fstore's answers against it.
 */
import type { AggregationDef } from "../../src/registry/model.js";

export interface OracleEvent {
  /** The entity, as any string both sides agree on (e.g. the join key's value). */
  entity: string;
  eventTimeUs: number;
  /** Ingestion time (µs): breaks ties of `last` after the event time. */
  createdUs: number;
  /** Column values (numbers). */
  values: Record<string, number>;
}

/** floor(t, slide) for integers (µs). */
function floorTo(t: number, slide: number): number {
  return t - (((t % slide) + slide) % slide);
}

/** The value of `agg` for `entity` at `tUs` over `events` (all entities mixed; the order does not matter). */
export function oracleValue(
  agg: AggregationDef,
  events: readonly OracleEvent[],
  entity: string,
  tUs: number,
): number | null {
  const slide = agg.slideSeconds * 1e6;
  const window = agg.windowSeconds * 1e6;
  const start = floorTo(tUs, slide) - window;
  const inWindow = events.filter((e) => e.entity === entity && e.eventTimeUs > start && e.eventTimeUs <= tUs);
  const values = inWindow.map((e) => e.values[agg.column] as number);
  switch (agg.function) {
    case "count":
      return inWindow.length;
    case "sum":
      return values.reduce((a, b) => a + b, 0);
    case "mean":
      return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
    case "min":
      return values.length === 0 ? null : Math.min(...values);
    case "max":
      return values.length === 0 ? null : Math.max(...values);
    case "last": {
      let best: OracleEvent | undefined;
      for (const e of inWindow) {
        if (
          !best ||
          e.eventTimeUs > best.eventTimeUs ||
          (e.eventTimeUs === best.eventTimeUs &&
            (e.createdUs > best.createdUs ||
              (e.createdUs === best.createdUs &&
                (e.values[agg.column] as number) > (best.values[agg.column] as number))))
        ) {
          best = e;
        }
      }
      return best ? (best.values[agg.column] as number) : null;
    }
  }
}

/**
 * The events online tiles hold after `arrivals` (in arrival order): an event
 * older than its entity's newest earlier-arrived event minus the allowed
 * lateness is late and left out; the others stay.
 */
export function onlineEvents(arrivals: readonly OracleEvent[], allowedLatenessUs: number): OracleEvent[] {
  const newest = new Map<string, number>();
  const kept: OracleEvent[] = [];
  for (const e of arrivals) {
    const n = newest.get(e.entity);
    if (n !== undefined && e.eventTimeUs < n - allowedLatenessUs) continue;
    if (n === undefined || e.eventTimeUs > n) newest.set(e.entity, e.eventTimeUs);
    kept.push(e);
  }
  return kept;
}

/** The late events of `arrivals` (the complement of `onlineEvents`). */
export function lateEvents(arrivals: readonly OracleEvent[], allowedLatenessUs: number): OracleEvent[] {
  const kept = new Set(onlineEvents(arrivals, allowedLatenessUs));
  return arrivals.filter((e) => !kept.has(e));
}

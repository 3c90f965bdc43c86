import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { randomStreamEvents } from "../../test/support/stream-events.js";
import { onlineEvents, oracleValue } from "../../test/support/stream-oracle.js";
import type { AggregationDef, AggregationFunction, FeatureViewDef } from "../registry/model.js";
import { decodeEntityTiles, encodeEntityTiles } from "./tile-codec.js";
import { tileLayoutOf } from "./tile-layout.js";
import { applyEvent, type EntityTiles, emptyEntityTiles, valuesAt } from "./tiles.js";

const FUNCTIONS: AggregationFunction[] = ["count", "sum", "mean", "min", "max", "last"];

function streamView(windows: [number, number][], lateness: number): FeatureViewDef {
  const aggregations: AggregationDef[] = [];
  for (const [w, s] of windows) {
    for (const f of FUNCTIONS) {
      const column = f === "last" || f === "min" ? "b" : "a";
      aggregations.push({
        name: `${column}_${f}_${w}`,
        column,
        function: f,
        windowSeconds: w,
        slideSeconds: s,
      });
    }
  }
  return {
    name: "v",
    entities: ["e"],
    entityColumns: [{ name: "id", dtype: ValueType.STRING, description: "", tags: {} }],
    features: aggregations.map((a) => ({ name: a.name, dtype: ValueType.DOUBLE, description: "", tags: {} })),
    ttlSeconds: 0,
    source: {
      kind: "file",
      name: "s",
      path: "x",
      timestampField: "ts",
      createdTimestampColumn: "created",
      fieldMapping: {},
      description: "",
      tags: {},
      owner: "",
    },
    online: true,
    aggregations,
    allowedLatenessSeconds: lateness,
    description: "",
    tags: {},
    owner: "",
  };
}

describe("tiles against the brute-force oracle", () => {
  for (const [seed, lateness] of [
    [1, 3600],
    [2, 90],
    [3, 0],
    [4, 7200],
  ] as const) {
    it(`seed ${seed}, allowed lateness ${lateness}s: every function and window at several times`, () => {
      const view = streamView(
        [
          [60, 10],
          [600, 60],
          [3600, 60],
        ],
        lateness,
      );
      const layout = tileLayoutOf(view);
      const start = 1_700_000_000_000_000;
      const arrivals = randomStreamEvents({
        seed,
        entities: 8,
        events: 600,
        startUs: start,
        spanUs: 7200e6,
        boundariesUs: [10e6, 60e6],
        columns: ["a", "b"],
      });
      const states = new Map<string, EntityTiles>();
      let partitionSeq = 0;
      for (const e of arrivals) {
        let s = states.get(e.entity);
        if (!s) {
          s = emptyEntityTiles(layout);
          states.set(e.entity, s);
        }
        const event = {
          eventTimeUs: e.eventTimeUs,
          createdUs: e.createdUs,
          values: layout.columns.map((c) => e.values[c] as number),
          position: { partition: "p", hi: 0, lo: ++partitionSeq },
        };
        const outcome = applyEvent(layout, s, event);
        expect(outcome).not.toBe("duplicate");
        // A redelivery is recognized and changes nothing.
        expect(applyEvent(layout, s, event)).toBe("duplicate");
        // Tiles survive their encoding.
        const round = decodeEntityTiles(layout, encodeEntityTiles(layout, s));
        expect(round).toEqual(s);
        states.set(e.entity, round as EntityTiles);
      }
      const kept = onlineEvents(arrivals, lateness * 1e6);
      const maxT = Math.max(...arrivals.map((e) => e.eventTimeUs));
      const times = [
        maxT,
        maxT + 1,
        maxT + 5e6,
        maxT + 59e6,
        maxT + 60e6,
        maxT + 600e6,
        maxT + 3599e6,
        maxT + 3600e6,
        maxT + 4000e6,
      ];
      for (const entity of ["0", "1", "2", "5", "7", "99"]) {
        for (const t of times) {
          const got = valuesAt(layout, states.get(entity), t);
          const want = layout.outputs.map((o) => oracleValue(o.aggregation, kept, entity, t));
          expect(got, `entity ${entity} at ${t}`).toEqual(want);
        }
      }
    });
  }

  it("an empty window: count 0, sum 0, NULL for the others", () => {
    const layout = tileLayoutOf(streamView([[60, 1]], 60));
    expect(valuesAt(layout, undefined, 1e12)).toEqual([0, 0, null, null, null, null]);
    const s = emptyEntityTiles(layout);
    applyEvent(layout, s, { eventTimeUs: 1e12, createdUs: 1, values: [2, 3] });
    expect(valuesAt(layout, s, 1e12)).toEqual([1, 2, 2, 3, 2, 3]);
    expect(valuesAt(layout, s, 1e12 + 60e6)).toEqual([0, 0, null, null, null, null]);
  });

  it("the window is (floor(t, slide) - window, t]: an event exactly at the start is out, at t is in", () => {
    const layout = tileLayoutOf(streamView([[60, 10]], 60));
    const s = emptyEntityTiles(layout);
    const t0 = 1_000_000_000e6; // a multiple of 10s
    applyEvent(layout, s, { eventTimeUs: t0, createdUs: 1, values: [1, 1] });
    // At t0 + 60s the window is (t0, t0 + 60s]: the event at t0 is out.
    expect(valuesAt(layout, s, t0 + 60e6)[0]).toBe(0);
    // Just before, floor(t) = t0 + 50s: the window is (t0 - 10s, t]: in.
    expect(valuesAt(layout, s, t0 + 60e6 - 1)[0]).toBe(1);
    expect(valuesAt(layout, s, t0)[0]).toBe(1);
  });

  it("last breaks event-time ties by created, then by value", () => {
    const layout = tileLayoutOf(streamView([[60, 10]], 60));
    const s = emptyEntityTiles(layout);
    applyEvent(layout, s, { eventTimeUs: 5e6, createdUs: 2, values: [0, 7] });
    applyEvent(layout, s, { eventTimeUs: 5e6, createdUs: 1, values: [0, 9] });
    expect(valuesAt(layout, s, 6e6)[5]).toBe(7);
    applyEvent(layout, s, { eventTimeUs: 5e6, createdUs: 2, values: [0, 8] });
    expect(valuesAt(layout, s, 6e6)[5]).toBe(8);
  });

  it("tiles written under another layout read as no state", () => {
    const a = tileLayoutOf(streamView([[60, 10]], 60));
    const b = tileLayoutOf(streamView([[60, 20]], 60));
    const s = emptyEntityTiles(a);
    applyEvent(a, s, { eventTimeUs: 5e6, createdUs: 2, values: [0, 7] });
    expect(decodeEntityTiles(b, encodeEntityTiles(a, s))).toBeUndefined();
  });
});

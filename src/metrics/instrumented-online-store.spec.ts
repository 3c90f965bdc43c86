import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { AlignedRow, StoredRow, ViewLookup } from "../online/online-store.js";
import type { FeatureViewDef } from "../registry/model.js";
import { alignedStatusCounts, servingStatusCounts } from "./instrumented-online-store.js";

const field = (name: string) => ({ name, dtype: ValueType.DOUBLE, description: "", tags: {}, owner: "" });
const view = (name: string, ttlSeconds: number) =>
  ({ name, ttlSeconds, features: [field("a"), field("b"), field("c")] }) as unknown as FeatureViewDef;

describe("alignedStatusCounts", () => {
  it("counts what servingStatusCounts counts for the same rows", () => {
    const now = Date.UTC(2026, 0, 2);
    const lookups: ViewLookup[] = [
      { view: view("v1", 3600), features: ["a", "c"], entityKeys: [[1n], [2n], [3n], [4n]] },
      { view: view("v2", 0), features: ["b"], entityKeys: [[1n], [2n]] },
    ];
    // Hand-made: v1 entity 1 fresh with a and c; 2 stale with a only; 3 missing; 4 stale with a null a and c.
    const stored: (StoredRow | undefined)[][] = [
      [
        {
          eventTimestamp: new Date(now - 1000),
          values: new Map([
            ["a", 1],
            ["c", 2],
          ]),
        },
        { eventTimestamp: new Date(now - 7_200_000), values: new Map([["a", 1]]) },
        undefined,
        {
          eventTimestamp: new Date(now - 7_200_000),
          values: new Map<string, number | null>([
            ["a", null],
            ["c", 3],
          ]),
        },
      ],
      [undefined, { eventTimestamp: new Date(0), values: new Map([["b", 5]]) }],
    ];
    const aligned: (AlignedRow | undefined)[][] = stored.map((rows, l) =>
      rows.map((r) =>
        r
          ? {
              eventTimeMs: r.eventTimestamp.getTime(),
              values: (lookups[l] as ViewLookup).features.map((f) => r.values.get(f)),
            }
          : undefined,
      ),
    );
    const expected = [
      { view: "v1", notFound: 1 + 2, outsideMaxAge: 1 + 2 },
      { view: "v2", notFound: 1, outsideMaxAge: 0 },
    ];
    expect(servingStatusCounts(lookups, stored, now)).toEqual(expected);
    expect(alignedStatusCounts(lookups, aligned, now)).toEqual(expected);
  });
});

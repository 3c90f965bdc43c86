import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef } from "../registry/model.js";
import { countServingStatuses, gatherPackedCells } from "./packed-cells.js";
import { encodePackedRow, packedReadPlan } from "./packed-row.js";

const field = (name: string) => ({ name, dtype: ValueType.DOUBLE, description: "", tags: {}, owner: "" });
const view = {
  name: "v",
  ttlSeconds: 10,
  features: [field("a"), field("b"), field("c")],
} as unknown as FeatureViewDef;

describe("countServingStatuses", () => {
  it("counts missing rows and features as NOT_FOUND and stale rows' stored values as OUTSIDE_MAX_AGE", () => {
    const plan = packedReadPlan(view, ["a", "b"]);
    // Hand-made, per distinct entity: no row; a fresh row with a and b; a stale row with a and b
    // (b a stored null); a stale row holding only a (b and c not stored).
    const found = [
      undefined,
      encodePackedRow(view, 1, [1, 2, 3]),
      encodePackedRow(view, 1, [1, null, 3]),
      encodePackedRow(view, 1, [1, undefined, undefined]),
    ];
    const { cells } = gatherPackedCells(plan, found, Int32Array.from([0, 1, 2, 3, 3]));
    const stale = Uint8Array.from([0, 0, 1, 1]);
    // NOT_FOUND: 2 (no row) + 1 (b of the last); OUTSIDE_MAX_AGE: 2 + 1. Request rows do not count twice.
    expect(countServingStatuses("v", cells, stale)).toEqual({ view: "v", notFound: 3, outsideMaxAge: 3 });
    expect(countServingStatuses("v", cells, undefined)).toEqual({ view: "v", notFound: 3, outsideMaxAge: 0 });
  });
});

import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { OnDemandFeatureViewDef } from "../registry/model.js";
import { evaluateOdfv, udfOf } from "./evaluate-odfv.js";

const described = { description: "", tags: {}, owner: "" };
const odfv = (udfSource: string, dtype = ValueType.DOUBLE): OnDemandFeatureViewDef => ({
  ...described,
  name: "price_features",
  sources: [],
  requestSchema: [],
  features: [{ name: "price_diff", dtype, ...described }],
  udfSource,
});
const priceDiff = `(inputs) => ({
  price_diff: inputs.actual_price.map((a, i) => (a === null || inputs.recommended_price[i] === null ? null : a - inputs.recommended_price[i])),
})`;

describe("evaluateOdfv", () => {
  it("computes the example repository's price_diff over columns", () => {
    const out = evaluateOdfv(
      odfv(priceDiff),
      { actual_price: [10, 5, null], recommended_price: [7.5, 6, 1] },
      3,
    );
    expect(out.get("price_diff")).toEqual([2.5, -1, null]);
  });

  it("compiles once per definition object", () => {
    const def = odfv(priceDiff);
    expect(udfOf(def)).toBe(udfOf(def));
    expect(udfOf(odfv(priceDiff))).not.toBe(udfOf(def));
  });

  it("converts integral numbers for INT64 outputs and rejects wrong types, lengths and throws", () => {
    expect(
      evaluateOdfv(odfv("(i) => ({ price_diff: [1, 2n] })", ValueType.INT64), {}, 2).get("price_diff"),
    ).toEqual([1n, 2n]);
    expect(() => evaluateOdfv(odfv("(i) => ({ price_diff: [1.5] })", ValueType.INT64), {}, 1)).toThrow(
      /"price_features" feature "price_diff" row 0: expected INT64, got number 1.5/,
    );
    expect(() => evaluateOdfv(odfv("(i) => ({ price_diff: [1] })"), {}, 2)).toThrow(
      /returned 1 values.*expected an array of 2/,
    );
    expect(() => evaluateOdfv(odfv("(i) => { throw new Error('boom') }"), {}, 1)).toThrow(
      /on-demand feature view "price_features" failed: boom/,
    );
    expect(() => evaluateOdfv(odfv("not a function ("), {}, 1)).toThrow(/does not compile/);
  });
});

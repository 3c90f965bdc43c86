import { describe, expect, it } from "vitest";
import { compileUdf, udfSourceOf } from "./udf.js";

describe("udf source", () => {
  it("round-trips an arrow function", () => {
    const source = udfSourceOf(
      (inputs: Record<string, number[]>) => ({ d: (inputs.a ?? []).map((x) => x * 2) }),
      "odfv",
    );
    expect(compileUdf(source)({ a: [1, 2] })).toEqual({ d: [2, 4] });
  });

  it("round-trips method shorthand", () => {
    const holder = {
      udf(inputs: Record<string, number[]>) {
        return { d: (inputs.a ?? []).map((x) => x + 1) };
      },
    };
    expect(compileUdf(udfSourceOf(holder.udf, "odfv"))({ a: [1] })).toEqual({ d: [2] });
  });

  it("binds esbuild's __name helper when the source uses it", () => {
    // What tsx emits for a udf with a named inner function (keepNames).
    const emitted = 'inputs=>{const f=__name((x)=>x*3,"f");return{d:inputs.a.map(f)}}';
    const udf = new Function(`const __name = (fn) => fn; return (${emitted});`)();
    const source = udfSourceOf(udf, "odfv");
    expect(source).toContain("__name");
    expect(compileUdf(source)({ a: [1, 2] })).toEqual({ d: [3, 6] });
  });

  it("rejects what is not a function", () => {
    expect(() => udfSourceOf(42, 'OnDemandFeatureView "p"')).toThrow(
      /OnDemandFeatureView "p": udf: expected a function/,
    );
    expect(() => compileUdf("1 +", "p")).toThrow(/p: udf source does not compile/);
    expect(() => compileUdf("42", "p")).toThrow(/p: udf source is not a function/);
  });
});

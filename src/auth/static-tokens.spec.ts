import { describe, expect, it } from "vitest";
import { createStaticTokens } from "./static-tokens.js";

describe("static tokens", () => {
  const lookup = createStaticTokens([
    { token: "alpha-token", name: "alpha", roles: ["reader"] },
    { token: "beta-token", name: "beta", roles: [] },
  ]);

  it("finds each token's identity, the same object every time", () => {
    const first = lookup("alpha-token");
    expect(first).toEqual({ name: "alpha", roles: ["reader"] });
    expect(lookup("alpha-token")).toBe(first);
    expect(lookup("beta-token")).toEqual({ name: "beta", roles: [] });
  });

  it("refuses unknown tokens and prefixes of known ones, before and after they were accepted", () => {
    expect(lookup("alpha")).toBeUndefined();
    expect(lookup("alpha-token")).toBeDefined();
    expect(lookup("alpha-token ")).toBeUndefined();
    expect(lookup("alpha-toke")).toBeUndefined();
    expect(lookup("")).toBeUndefined();
  });
});

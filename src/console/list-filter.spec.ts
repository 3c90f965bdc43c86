import { describe, expect, it } from "vitest";
import { filterQuery, matchesFilter, parseListFilter, tagCounts } from "./list-filter.js";

const view = {
  name: "vehicle_features",
  description: "Listing features",
  owner: "pricing@example.com",
  tags: { team: "pricing", pii: "false" },
  words: ["actual_price", "technology"],
};

describe("list filters", () => {
  it("parses a query and tag filters", () => {
    const f = parseListFilter(new URLSearchParams("q=%20price%20&tag=team%3Dpricing&tag=pii"));
    expect(f).toEqual({
      query: "price",
      tags: [
        ["team", "pricing"],
        ["pii", ""],
      ],
    });
  });

  it("needs every word somewhere and every tag exactly", () => {
    const f = (q: string, tags: [string, string][] = []) => ({ query: q, tags });
    expect(matchesFilter(view, f("PRICE listing"))).toBe(true);
    expect(matchesFilter(view, f("technology"))).toBe(true);
    expect(matchesFilter(view, f("team=pricing"))).toBe(true);
    expect(matchesFilter(view, f("price nope"))).toBe(false);
    expect(matchesFilter(view, f("", [["team", "pricing"]]))).toBe(true);
    expect(matchesFilter(view, f("", [["team", "risk"]]))).toBe(false);
    expect(matchesFilter(view, f("", [["owner", ""]]))).toBe(false);
  });

  it("counts tags and writes query strings with a tag added or removed", () => {
    expect(tagCounts([view, { name: "b", tags: { team: "pricing" } }])).toEqual([
      { tag: "team=pricing", count: 2 },
      { tag: "pii=false", count: 1 },
    ]);
    const f = { query: "a b", tags: [["team", "pricing"]] as [string, string][] };
    expect(filterQuery(f)).toBe("?q=a+b&tag=team%3Dpricing");
    expect(filterQuery(f, { addTag: "pii=false" })).toBe("?q=a+b&tag=team%3Dpricing&tag=pii%3Dfalse");
    expect(filterQuery(f, { removeTag: "team=pricing" })).toBe("?q=a+b");
    expect(filterQuery({ query: "", tags: [] })).toBe("");
  });
});

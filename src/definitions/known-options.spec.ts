import { describe, expect, it } from "vitest";
import { checkKnownOptions, editDistance, nearestOption } from "./known-options.js";

describe("nearestOption", () => {
  const entity = ["name", "joinKeys", "valueType", "description", "tags", "owner"];

  it("maps Feast's snake_case spelling to the camelCase option", () => {
    expect(nearestOption("join_keys", entity)).toBe("joinKeys");
    expect(nearestOption("value_type", entity)).toBe("valueType");
    expect(nearestOption("timestamp_field", ["name", "path", "timestampField"])).toBe("timestampField");
  });

  it("finds a misspelling by edit distance", () => {
    expect(nearestOption("descriptin", entity)).toBe("description");
    expect(nearestOption("onwer", entity)).toBe("owner");
  });

  it("suggests nothing for a name far from every option", () => {
    expect(nearestOption("materialize_every", entity)).toBeUndefined();
  });
});

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("ttl", "TTL")).toBe(0);
  });
});

describe("checkKnownOptions", () => {
  it("names the object, the option and the nearest known one", () => {
    expect(() =>
      checkKnownOptions('Entity "e"', { name: "e", join_keys: ["x"] }, ["name", "joinKeys"]),
    ).toThrow('Entity "e": join_keys: unknown option; did you mean joinKeys?');
  });

  it("lists the known options when none is near", () => {
    expect(() => checkKnownOptions('Field "f"', { zzzzzzzz: 1 }, ["name", "dtype"])).toThrow(
      'Field "f": zzzzzzzz: unknown option; known options: name, dtype',
    );
  });

  it("accepts known options", () => {
    expect(() => checkKnownOptions("x", { name: 1 }, ["name"])).not.toThrow();
  });
});

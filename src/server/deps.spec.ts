import { describe, expect, it } from "vitest";
import { Resources } from "./deps.js";

describe("Resources", () => {
  it("opens once, closes newest first, and closes the rest when one close fails", async () => {
    const r = new Resources();
    const log: string[] = [];
    let opened = 0;
    const a = r.get(
      "a",
      () => ++opened,
      () => {
        log.push("a");
      },
    );
    expect(
      r.get(
        "a",
        () => ++opened,
        () => {},
      ),
    ).toBe(a);
    r.get(
      "b",
      () => "b",
      () => {
        log.push("b");
        throw new Error("disk gone");
      },
    );
    r.get(
      "c",
      () => "c",
      async () => {
        log.push("c");
      },
    );
    await expect(r.closeAll()).rejects.toThrow(/closing b failed: disk gone/);
    expect(log).toEqual(["c", "b", "a"]);
    expect(opened).toBe(1);
    // Closed resources are opened afresh on the next use.
    expect(
      r.get(
        "a",
        () => ++opened,
        () => {},
      ),
    ).toBe(2);
    await r.closeAll();
  });
});

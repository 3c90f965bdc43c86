import { describe, expect, it } from "vitest";
import { floorTo, tileIndexOf, windowTileRange } from "./semantics.js";
import { defaultSlideSeconds, parseWindow } from "./window.js";

describe("windows", () => {
  it("parses durations and keeps the label for feature names", () => {
    expect(parseWindow("1h", "w")).toEqual({ seconds: 3600, label: "1h" });
    expect(parseWindow("1d12h", "w")).toEqual({ seconds: 129600, label: "1d12h" });
    expect(parseWindow(90, "w")).toEqual({ seconds: 90, label: "90s" });
    expect(() => parseWindow("0s", "w")).toThrow(/expected a duration/);
    expect(() => parseWindow("1.5h", "w")).toThrow(/expected a duration/);
    expect(() => parseWindow(-1, "w")).toThrow(/expected a duration/);
  });

  it("defaults the slide to a sixtieth of the window, at least 1s, dividing it", () => {
    expect(defaultSlideSeconds(3600)).toBe(60);
    expect(defaultSlideSeconds(86400)).toBe(1440);
    expect(defaultSlideSeconds(604800)).toBe(10080);
    expect(defaultSlideSeconds(30)).toBe(1);
    expect(defaultSlideSeconds(125)).toBe(1);
    expect(defaultSlideSeconds(7919)).toBe(1); // a prime number of seconds
  });

  it("tiles are left-open, right-closed: (k·slide, (k+1)·slide]", () => {
    expect(tileIndexOf(10, 10)).toBe(0);
    expect(tileIndexOf(11, 10)).toBe(1);
    expect(tileIndexOf(20, 10)).toBe(1);
    expect(tileIndexOf(0, 10)).toBe(-1);
    expect(tileIndexOf(-5, 10)).toBe(-1);
    expect(floorTo(-5, 10)).toBe(-10);
    expect(floorTo(25, 10)).toBe(20);
    // t on a boundary: the window's tiles end with the one ending at t.
    expect(windowTileRange(100, 60, 10)).toEqual([4, 9]);
    // t inside a tile: one more (partial) tile.
    expect(windowTileRange(105, 60, 10)).toEqual([4, 10]);
  });
});

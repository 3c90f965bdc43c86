import { describe, expect, it } from "vitest";
import { planCompaction } from "./compaction.js";

const o = { minFiles: 3, smallFileBytes: 100 };
const f = (name: string, bytes = 10) => ({ name, bytes });

describe("planCompaction", () => {
  it("merges runs of small pushed files that are adjacent in name order", () => {
    const files = [f("push-3.parquet"), f("push-1.parquet"), f("push-2.parquet"), f("push-4.parquet")];
    expect(planCompaction(files, o)).toEqual([
      ["push-1.parquet", "push-2.parquet", "push-3.parquet", "push-4.parquet"],
    ]);
  });
  it("never merges across a large file or a file that is not pushed, nor runs below minFiles", () => {
    const files = [
      f("push-1.parquet"),
      f("push-2.parquet"),
      f("push-3.parquet", 1000),
      f("push-4.parquet"),
      f("push-5.parquet"),
      f("push-6.parquet"),
      f("push-7a.parquet"),
      f("push-8.parquet"),
    ];
    expect(planCompaction(files, o)).toEqual([
      ["push-4.parquet", "push-5.parquet", "push-6.parquet", "push-7a.parquet", "push-8.parquet"],
    ]);
    expect(planCompaction([f("part-0.parquet"), f("push-1.parquet"), f("push-2.parquet")], o)).toEqual([]);
    const split = [f("push-1.parquet"), f("push-2.parquet"), f("push-25x.parquet", 500), f("push-3.parquet")];
    expect(planCompaction(split, { ...o, minFiles: 2 })).toEqual([["push-1.parquet", "push-2.parquet"]]);
  });
});

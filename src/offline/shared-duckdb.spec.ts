import { describe, expect, it } from "vitest";
import { servingDuckDbThreads } from "./shared-duckdb.js";

describe("servingDuckDbThreads", () => {
  it("leaves one core to serving, never fewer than one thread", () => {
    expect(servingDuckDbThreads({}, 1)).toBe(1);
    expect(servingDuckDbThreads({}, 2)).toBe(1);
    expect(servingDuckDbThreads({}, 8)).toBe(7);
  });
  it("takes $FSTORE_DUCKDB_THREADS when set", () => {
    expect(servingDuckDbThreads({ FSTORE_DUCKDB_THREADS: "2" }, 2)).toBe(2);
    expect(servingDuckDbThreads({ FSTORE_DUCKDB_THREADS: "" }, 4)).toBe(3);
  });
});

import { describe, expect, it } from "vitest";
import { Code, FstoreError } from "../errors/index.js";
import { mergeWindows } from "./consistency-sql.js";
import {
  DEFAULT_MAX_EXAMPLES,
  DEFAULT_SAMPLE_SIZE,
  DEFAULT_TOLERANCE,
  MAX_SAMPLE_SIZE,
  resolveValidateOptions,
} from "./validate-options.js";

function rejects(raw: Parameters<typeof resolveValidateOptions>[0], message: RegExp): void {
  try {
    resolveValidateOptions(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(FstoreError);
    expect((err as FstoreError).code).toBe(Code.InvalidArgument);
    expect((err as FstoreError).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("resolveValidateOptions", () => {
  it("fills the defaults", () => {
    expect(resolveValidateOptions({})).toEqual({
      sampleSize: DEFAULT_SAMPLE_SIZE,
      tolerance: DEFAULT_TOLERANCE,
      maxMismatchRate: 0,
      maxExamples: DEFAULT_MAX_EXAMPLES,
    });
    expect(DEFAULT_SAMPLE_SIZE).toBe(1000);
    expect(DEFAULT_TOLERANCE).toBe(1e-6);
  });

  it("accepts the edges", () => {
    expect(
      resolveValidateOptions({ sampleSize: 1, tolerance: 0, maxMismatchRate: 1, maxExamples: 0 }),
    ).toEqual({
      sampleSize: 1,
      tolerance: 0,
      maxMismatchRate: 1,
      maxExamples: 0,
    });
    expect(resolveValidateOptions({ sampleSize: MAX_SAMPLE_SIZE }).sampleSize).toBe(MAX_SAMPLE_SIZE);
  });

  it("rejects zero, fractional and huge sample sizes, naming the limit", () => {
    rejects({ sampleSize: 0 }, /sample size must be a whole number from 1 to 1000000, got 0/);
    rejects({ sampleSize: 2.5 }, /sample size/);
    rejects({ sampleSize: MAX_SAMPLE_SIZE + 1 }, /above the limit of 1000000/);
  });

  it("rejects negative, NaN and infinite tolerances", () => {
    rejects({ tolerance: -1e-9 }, /tolerance must be a finite number >= 0.*got -1e-9/);
    rejects({ tolerance: Number.NaN }, /tolerance.*NaN/);
    rejects({ tolerance: Number.POSITIVE_INFINITY }, /tolerance/);
  });

  it("rejects mismatch rates outside [0, 1] and bad example counts", () => {
    rejects({ maxMismatchRate: -0.1 }, /max mismatch rate must be a number from 0 to 1/);
    rejects({ maxMismatchRate: 1.5 }, /max mismatch rate/);
    rejects({ maxMismatchRate: Number.NaN }, /max mismatch rate/);
    rejects({ maxExamples: 101 }, /max examples must be a whole number from 0 to 100/);
  });
});

describe("mergeWindows", () => {
  it("merges overlapping and touching windows and sorts them", () => {
    expect(
      mergeWindows([
        { startUs: 20, endUs: 30 },
        { startUs: 0, endUs: 10 },
        { startUs: 11, endUs: 15 },
        { startUs: 25, endUs: 40 },
        { startUs: 50, endUs: 60 },
      ]),
    ).toEqual([
      { startUs: 0, endUs: 15 },
      { startUs: 20, endUs: 40 },
      { startUs: 50, endUs: 60 },
    ]);
    expect(mergeWindows([])).toEqual([]);
  });
});

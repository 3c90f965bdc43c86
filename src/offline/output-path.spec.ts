import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Code, FstoreError } from "../errors/index.js";
import { checkOutputPath, OUTPUT_PATH_LIMITS, prepareOutputPath } from "./output-path.js";

function codeOf(f: () => unknown): Code | undefined {
  try {
    f();
  } catch (err) {
    return err instanceof FstoreError ? err.code : undefined;
  }
  return undefined;
}

async function resolveOutputPath(out: string, requested: string): Promise<string> {
  return prepareOutputPath(out, checkOutputPath(out, requested));
}

async function asyncCodeOf(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
  } catch (err) {
    return err instanceof FstoreError ? err.code : undefined;
  }
  return undefined;
}

describe("output paths", () => {
  const root = mkdtempSync(join(tmpdir(), "fstore-out-"));
  const out = join(root, "out");
  mkdirSync(out);
  mkdirSync(join(root, "elsewhere"));
  symlinkSync(join(root, "elsewhere"), join(out, "link"));

  it("resolves relative paths inside the directory, creating folders", async () => {
    expect(await resolveOutputPath(out, "a/b/train.parquet")).toBe(join(out, "a", "b", "train.parquet"));
    expect(await resolveOutputPath(out, "./x/../y.parquet")).toBe(join(out, "y.parquet"));
    expect(await resolveOutputPath(out, "date=2024-01-01/part_1.parquet")).toBe(
      join(out, "date=2024-01-01", "part_1.parquet"),
    );
  });

  it("refuses paths that leave it: .., absolute, through a symlink", async () => {
    expect(codeOf(() => checkOutputPath(out, "../escape.parquet"))).toBe(Code.PermissionDenied);
    expect(codeOf(() => checkOutputPath(out, "/etc/x.parquet"))).toBe(Code.PermissionDenied);
    expect(codeOf(() => checkOutputPath(out, "a/../../x.parquet"))).toBe(Code.PermissionDenied);
    expect(await asyncCodeOf(resolveOutputPath(out, "link/x.parquet"))).toBe(Code.PermissionDenied);
  });

  it("accepts an absolute path inside the directory", async () => {
    expect(await resolveOutputPath(out, join(out, "abs.parquet"))).toBe(join(out, "abs.parquet"));
  });

  it("refuses empty, NUL and non-Parquet names", () => {
    expect(codeOf(() => checkOutputPath(out, ""))).toBe(Code.InvalidArgument);
    expect(codeOf(() => checkOutputPath(out, "a\0.parquet"))).toBe(Code.InvalidArgument);
    expect(codeOf(() => checkOutputPath(out, "train.csv"))).toBe(Code.InvalidArgument);
  });

  it("refuses deep, long and oddly named paths before creating anything", () => {
    const before = readdirSync(out).sort();
    const hostile = [
      `${"f/".repeat(2040)}x.parquet`,
      `${"d/".repeat(1000)}x.parquet`,
      `${"d/".repeat(OUTPUT_PATH_LIMITS.maxFolders + 1)}x.parquet`,
      `${"n".repeat(247)}.parquet`,
      `${"p".repeat(OUTPUT_PATH_LIMITS.maxPartChars + 1)}/x.parquet`,
      `${"a/".repeat(7)}${"b".repeat(250)}.parquet`,
      "**.parquet",
      "$(touch x).parquet",
      "new\nline.parquet",
      "evil\u202egpj.parquet",
      ".hidden.parquet",
      "-rf.parquet",
      "sp ace.parquet",
      "ok/\u00e9t\u00e9.parquet",
      `${"x".repeat(20 * 1024 * 1024)}.parquet`,
    ];
    for (const p of hostile) {
      let error: unknown;
      try {
        checkOutputPath(out, p);
      } catch (err) {
        error = err;
      }
      expect(error, p.slice(0, 60)).toBeInstanceOf(FstoreError);
      expect((error as FstoreError).code).toBe(Code.InvalidArgument);
      // The message quotes the start of the path and its length, never all of it.
      expect((error as FstoreError).message.length).toBeLessThan(400);
    }
    expect(readdirSync(out).sort()).toEqual(before);
  });

  it("accepts the deepest and longest allowed path", async () => {
    const deepest = `${"d/".repeat(OUTPUT_PATH_LIMITS.maxFolders)}${"x".repeat(OUTPUT_PATH_LIMITS.maxPartChars - 8)}.parquet`;
    const target = await resolveOutputPath(out, deepest);
    expect(target.startsWith(out)).toBe(true);
    expect(existsSync(join(out, ...Array(OUTPUT_PATH_LIMITS.maxFolders).fill("d")))).toBe(true);
  });

  it("refuses a target that is a folder", async () => {
    mkdirSync(join(out, "dir.parquet"));
    expect(await asyncCodeOf(resolveOutputPath(out, "dir.parquet"))).toBe(Code.InvalidArgument);
  });
});

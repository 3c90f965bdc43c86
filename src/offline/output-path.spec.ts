import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Code, FstoreError } from "../errors/index.js";
import { resolveOutputPath } from "./output-path.js";

function codeOf(f: () => unknown): Code | undefined {
  try {
    f();
  } catch (err) {
    return err instanceof FstoreError ? err.code : undefined;
  }
  return undefined;
}

describe("resolveOutputPath", () => {
  const root = mkdtempSync(join(tmpdir(), "fstore-out-"));
  const out = join(root, "out");
  mkdirSync(out);
  mkdirSync(join(root, "elsewhere"));
  symlinkSync(join(root, "elsewhere"), join(out, "link"));

  it("resolves relative paths inside the directory, creating folders", () => {
    expect(resolveOutputPath(out, "a/b/train.parquet")).toBe(join(out, "a", "b", "train.parquet"));
    expect(resolveOutputPath(out, "./x/../y.parquet")).toBe(join(out, "y.parquet"));
  });

  it("refuses paths that leave it: .., absolute, through a symlink", () => {
    expect(codeOf(() => resolveOutputPath(out, "../escape.parquet"))).toBe(Code.PermissionDenied);
    expect(codeOf(() => resolveOutputPath(out, "/etc/x.parquet"))).toBe(Code.PermissionDenied);
    expect(codeOf(() => resolveOutputPath(out, "link/x.parquet"))).toBe(Code.PermissionDenied);
    expect(codeOf(() => resolveOutputPath(out, "a/../../x.parquet"))).toBe(Code.PermissionDenied);
  });

  it("accepts an absolute path inside the directory", () => {
    expect(resolveOutputPath(out, join(out, "abs.parquet"))).toBe(join(out, "abs.parquet"));
  });

  it("refuses empty, NUL and non-Parquet names", () => {
    expect(codeOf(() => resolveOutputPath(out, ""))).toBe(Code.InvalidArgument);
    expect(codeOf(() => resolveOutputPath(out, "a\0.parquet"))).toBe(Code.InvalidArgument);
    expect(codeOf(() => resolveOutputPath(out, "train.csv"))).toBe(Code.InvalidArgument);
  });
});

import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fingerprintFile, fingerprintFiles } from "./file-fingerprint.js";

const dir = mkdtempSync(join(tmpdir(), "fstore-fp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file shaped like Parquet: body, footer, footer length, "PAR1". */
function parquetLike(body: string, footer: string): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(Buffer.byteLength(footer));
  return Buffer.concat([Buffer.from(`PAR1${body}`), Buffer.from(footer), len, Buffer.from("PAR1")]);
}

describe("fingerprintFile", () => {
  it("is stable for an untouched file and reports its size and mtime", async () => {
    const path = join(dir, "a.parquet");
    writeFileSync(path, parquetLike("rows", "meta-1"));
    const a = await fingerprintFile(path);
    expect(await fingerprintFile(path)).toEqual(a);
    expect(a.size).toBe(statSync(path).size);
    expect(a.mtime).toBe(statSync(path).mtime.toISOString());
    expect(a.fingerprint).toMatch(/^pqfooter-sha256:[0-9a-f]{64}$/);
  });

  it("changes when the footer changes, even with the same size and mtime", async () => {
    const path = join(dir, "b.parquet");
    writeFileSync(path, parquetLike("rows", "meta-1"));
    const t = new Date("2026-01-01T00:00:00Z");
    utimesSync(path, t, t);
    const before = await fingerprintFile(path);
    writeFileSync(path, parquetLike("rows", "meta-2"));
    utimesSync(path, t, t);
    const after = await fingerprintFile(path);
    expect(after.size).toBe(before.size);
    expect(after.mtime).toBe(before.mtime);
    expect(after.fingerprint).not.toBe(before.fingerprint);
  });

  it("changes when a rewrite moves the mtime, and hashes non-Parquet files by their edges", async () => {
    const path = join(dir, "c.txt");
    writeFileSync(path, "hello");
    const before = await fingerprintFile(path);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect((await fingerprintFile(path)).fingerprint).not.toBe(before.fingerprint);
    writeFileSync(path, "hellp");
    utimesSync(path, new Date(before.mtime), new Date(before.mtime));
    expect((await fingerprintFile(path)).fingerprint).not.toBe(before.fingerprint);
  });

  it("fingerprints many files in order", async () => {
    const paths = Array.from({ length: 40 }, (_, i) => join(dir, `m${i}.parquet`));
    for (const [i, p] of paths.entries()) writeFileSync(p, parquetLike(`r${i}`, `f${i}`));
    const all = await fingerprintFiles(paths);
    expect(all.map((f) => f.path)).toEqual(paths);
    expect(new Set(all.map((f) => f.fingerprint)).size).toBe(40);
  });
});

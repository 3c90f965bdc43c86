/**
 * Source file fingerprints for lineage, cheap enough to take on every
 * training set: a SHA-256 over the file's size, its modification time (ns)
 * and its Parquet footer (the file metadata: schema, every row group's row
 * count, every column chunk's offsets, sizes and min/max statistics).
 *
 * Why not a hash of the whole content: the historical benchmark reads ~10
 * million feature rows in a few seconds; hashing every byte of its sources
 * would cost a sizeable fraction of that on every request. The footer is a few
 * KiB per file, read with one stat and one or two reads, whatever the file's
 * size. The fingerprint changes whenever the content does: any rewrite moves
 * the mtime, and a Parquet writer rewrites the footer (offsets, sizes and
 * statistics follow the data), so even a rewrite that restores the old mtime
 * shows unless it keeps every chunk's size and statistics. It stays equal for
 * an untouched file, so the same request over unchanged data gives the same
 * fingerprints. Files that are not Parquet hash their first and last 64 KiB
 * instead of a footer.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

export interface FileFingerprint {
  path: string;
  size: number;
  /** ISO time of the last modification. */
  mtime: string;
  /** "pqfooter-sha256:" + hex. */
  fingerprint: string;
}

const MAGIC = Buffer.from("PAR1");
/** Larger footers (absurd for real files) are hashed by their last MAX_FOOTER bytes. */
const MAX_FOOTER = 16 * 1024 * 1024;
const EDGE = 64 * 1024;
/** Files fingerprinted at once. */
const PARALLEL = 16;

/** The fingerprint of one file (NOT_FOUND-like errors propagate as thrown by fs). */
export async function fingerprintFile(path: string): Promise<FileFingerprint> {
  const handle = await open(path, "r");
  try {
    const st = await handle.stat({ bigint: true });
    const size = Number(st.size);
    const hash = createHash("sha256");
    hash.update(`fstore-file-v1\0${size}\0${st.mtimeNs}\0`);
    const read = async (position: number, length: number) => {
      const buf = Buffer.alloc(Math.max(0, length));
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      return buf.subarray(0, bytesRead);
    };
    const tail = size >= 12 ? await read(size - 8, 8) : Buffer.alloc(0);
    if (tail.length === 8 && tail.subarray(4).equals(MAGIC)) {
      const footer = Math.min(tail.readUInt32LE(0), MAX_FOOTER, size - 8);
      hash.update(await read(size - 8 - footer, footer));
      hash.update(tail);
    } else {
      hash.update(await read(0, Math.min(size, EDGE)));
      if (size > EDGE) hash.update(await read(Math.max(EDGE, size - EDGE), Math.min(EDGE, size - EDGE)));
    }
    return {
      path,
      size,
      // Rounded to the millisecond as fs.Stats.mtime is, so it compares equal to what users see.
      mtime: new Date(Math.round(Number(st.mtimeNs) / 1e6)).toISOString(),
      fingerprint: `pqfooter-sha256:${hash.digest("hex")}`,
    };
  } finally {
    await handle.close();
  }
}

/** Fingerprints of `paths` (in their order), a bounded number at a time. */
export async function fingerprintFiles(paths: readonly string[]): Promise<FileFingerprint[]> {
  const out: FileFingerprint[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++) out[i] = await fingerprintFile(paths[i] as string);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, paths.length) }, worker));
  return out;
}

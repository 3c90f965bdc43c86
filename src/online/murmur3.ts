/**
 * MurmurHash3 x86 32-bit, the hash Feast uses for Redis field names
 * (`mmh3.hash_bytes` / Java's `Hashing.murmur3_32`), and fstore uses for
 * packed-row schema tags. Pure and allocation-free apart from the UTF-8 bytes.
 */

/** murmur3_32 of `data` with `seed` (Feast uses seed 0), as an unsigned 32-bit integer. */
export function murmur3_32(data: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const len = data.length;
  const blocks = len & ~3;
  let h = seed | 0;
  for (let i = 0; i < blocks; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // The 1-3 tail bytes (MurmurHash3's fall-through switch, unrolled).
  const tail = len & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= (data[blocks + 2] as number) << 16;
    if (tail >= 2) k ^= (data[blocks + 1] as number) << 8;
    k ^= data[blocks] as number;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3_32 (seed 0) of the UTF-8 bytes of `text`. */
export function murmur3_32String(text: string, seed = 0): number {
  return murmur3_32(Buffer.from(text, "utf8"), seed);
}

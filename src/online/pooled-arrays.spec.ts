import { describe, expect, it } from "vitest";
import { pooledFloat64Array, pooledInt32Array, pooledUint8Array } from "./pooled-arrays.js";

describe("pooled typed arrays", () => {
  it("start zeroed and never share bytes, across slabs", () => {
    const arrays: (Int32Array | Float64Array | Uint8Array)[] = [];
    // Enough to fill several 128 KiB slabs, of odd sizes so alignment matters.
    for (let i = 0; i < 3000; i++) {
      const n = 1 + (i % 97);
      const a = i % 3 === 0 ? pooledInt32Array(n) : i % 3 === 1 ? pooledFloat64Array(n) : pooledUint8Array(n);
      expect(a.length).toBe(n);
      expect(a.every((x) => x === 0)).toBe(true);
      a.fill(i % 3 === 2 ? (i % 255) + 1 : i + 1);
      arrays.push(a);
    }
    // Every array still holds what was written into it: no other array overlapped it.
    arrays.forEach((a, i) => {
      const want = i % 3 === 2 ? (i % 255) + 1 : i + 1;
      expect(a.every((x) => x === want)).toBe(true);
    });
    const slabs = new Set(arrays.map((a) => a.buffer));
    expect(slabs.size).toBeGreaterThan(1);
    for (const a of arrays) expect(a.byteOffset % 8).toBe(0);
  });

  it("gives large arrays their own buffer", () => {
    const big = pooledFloat64Array(4096);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(4096 * 8);
    const pooled = pooledFloat64Array(16);
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    // Arrays of up to 64 bytes are V8's own in-heap ones.
    const tiny = pooledFloat64Array(4);
    expect(tiny.buffer.byteLength).toBe(tiny.byteLength);
  });
});

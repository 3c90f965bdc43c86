/**
 * Small typed arrays carved out of shared slabs, as Node's Buffer pool does
 * for small Buffers. A typed array of more than 64 bytes made with `new` owns
 * an ArrayBuffer that V8 allocates outside its heap and sweeps at every
 * scavenge: serving made about seven per request, and sweeping them was half
 * of each scavenge's pause (1.4 of 2.9 ms in the online benchmark's server),
 * which delayed the requests arriving meanwhile. A slab is freed when the last
 * array carved from it is; arrays start zeroed, like new ones.
 *
 * For arrays that live as long as a request. Arrays used only within one
 * synchronous call are better reused outright (the response encoder's scratch).
 */

const SLAB_BYTES = 128 * 1024;
/** Up to this size V8 keeps a typed array's bytes in its heap (no ArrayBuffer), cheaper than a view. */
const MAX_IN_HEAP_BYTES = 64;
/** Larger arrays get their own buffer: a few of them would use a slab up. */
const MAX_POOLED_BYTES = 16 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** Byte offset of `bytes` bytes in the current slab (8-byte aligned), or -1 when they are not pooled. */
function carve(bytes: number): number {
  if (bytes <= MAX_IN_HEAP_BYTES || bytes > MAX_POOLED_BYTES) return -1;
  if (used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const at = used;
  used += (bytes + 7) & ~7;
  return at;
}

export function pooledInt32Array(length: number): Int32Array {
  const at = carve(length * 4);
  return at < 0 ? new Int32Array(length) : new Int32Array(slab, at, length);
}

export function pooledFloat64Array(length: number): Float64Array {
  const at = carve(length * 8);
  return at < 0 ? new Float64Array(length) : new Float64Array(slab, at, length);
}

export function pooledUint8Array(length: number): Uint8Array {
  const at = carve(length);
  return at < 0 ? new Uint8Array(length) : new Uint8Array(slab, at, length);
}

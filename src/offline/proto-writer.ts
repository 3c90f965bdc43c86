/**
 * A minimal protobuf binary writer for the one hot path that needs it:
 * record batches built straight from DuckDB's typed arrays, with no
 * per-value JS objects. Nested messages are written in place and their
 * length prefix inserted when they end (one memmove), so sizes are exact.
 */

/** Wire types used here. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

const utf8 = new TextEncoder();

export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;
  readonly #starts: number[] = [];

  constructor(initialBytes = 1 << 16) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  tag(field: number, wireType: number): this {
    return this.uint32((field << 3) | wireType);
  }

  /** An unsigned varint of a number in [0, 2^32). */
  uint32(v: number): this {
    this.ensure(5);
    let x = v >>> 0;
    while (x > 0x7f) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
    return this;
  }

  /**
   * The varint of a 64-bit two's-complement integer given as its low and high
   * 32-bit halves (negative numbers take 10 bytes, as protobuf requires).
   */
  varint64(lo: number, hi: number): this {
    this.ensure(10);
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h !== 0 || l > 0x7f) {
      this.buf[this.pos++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    this.buf[this.pos++] = l;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.uint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  string(s: string): this {
    // At most 3 bytes per UTF-16 unit; write after a 5-byte length slot, then close the gap.
    const max = s.length * 3;
    this.ensure(max + 5);
    const start = this.pos;
    const { written } = utf8.encodeInto(s, this.buf.subarray(start + 5, start + 5 + max));
    this.uint32(written);
    this.buf.copyWithin(this.pos, start + 5, start + 5 + written);
    this.pos += written;
    return this;
  }

  /** Raw bytes (already encoded). */
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Starts a length-delimited field's content (call `tag(field, LEN)` first). */
  fork(): this {
    this.#starts.push(this.pos);
    return this;
  }

  /** Ends the content started by the matching `fork`, inserting its length before it. */
  join(): this {
    const start = this.#starts.pop();
    if (start === undefined) throw new Error("join without fork");
    const length = this.pos - start;
    let size = 1;
    for (let x = length >>> 7; x > 0; x >>>= 7) size++;
    this.ensure(size);
    this.buf.copyWithin(start + size, start, this.pos);
    const end = this.pos + size;
    this.pos = start;
    this.uint32(length);
    this.pos = end;
    return this;
  }

  /** A copy of what was written; the writer starts empty again (keeping its buffer). */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
}

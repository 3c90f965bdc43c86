/**
 * A minimal Parquet writer for serving logs: one row group, one data page
 * (v1) per column, PLAIN values, definition levels as bit-packed runs, no
 * compression, and the footer in Thrift's compact protocol. The columns are
 * already typed arrays, so writing is copying: a few microseconds per logged
 * request, where staging rows in DuckDB and copying them out cost about
 * three times the server's CPU budget for logging. Pure: columns in, the
 * file's bytes out.
 */

/** Parquet physical types. */
export const PhysicalType = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
} as const;
export type PhysicalType = (typeof PhysicalType)[keyof typeof PhysicalType];

/** Parquet converted types (the legacy annotations every reader knows). */
export const ConvertedType = { UTF8: 0, DATE: 6, TIMESTAMP_MICROS: 10 } as const;

/** One column of the file: `values[i]` for the rows with `valid[i]` (optional columns) or every row. */
export interface ParquetColumn {
  name: string;
  type: PhysicalType;
  converted?: number;
  /** Absent: required (every row has a value). */
  valid?: Uint8Array;
  values:
    | Float64Array
    | Int32Array
    | BigInt64Array
    | Uint8Array /* booleans as 0/1 */
    | readonly (string | Uint8Array | null)[];
  /** INT64 columns given as µs in a Float64Array (exact below 2^53). */
  int64FromNumbers?: boolean;
  /** BYTE_ARRAY columns given as byte ranges: row r is bytes[ends[r - 1], ends[r]) (`values` unused). */
  ranges?: { bytes: Uint8Array; ends: Int32Array };
}

/** The bytes of a Parquet file of `rows` rows and `columns` (each holding at least `rows` entries). */
export function parquetFile(columns: readonly ParquetColumn[], rows: number): Buffer[] {
  const parts: Buffer[] = [Buffer.from("PAR1")];
  let offset = 4;
  const chunks: { offset: number; size: number; values: number }[] = [];
  for (const c of columns) {
    const page = dataPage(c, rows);
    const header = pageHeader(page.length, rows);
    chunks.push({ offset, size: header.length + page.length, values: rows });
    parts.push(header, page);
    offset += header.length + page.length;
  }
  const footer = fileMetadata(columns, chunks, rows);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  tail.write("PAR1", 4, "latin1");
  parts.push(footer, tail);
  return parts;
}

const utf8 = new TextEncoder();

/** Definition levels (if optional) and PLAIN values of the present rows. */
function dataPage(c: ParquetColumn, rows: number): Buffer {
  const valid = c.valid;
  const values = plainValues(c, rows);
  if (!valid) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const levelBytes = bitPackedSize(rows);
  const buf = Buffer.allocUnsafe(4 + levelBytes + values.byteLength);
  buf.writeUInt32LE(levelBytes, 0);
  const pos = 4 + writeBitPacked(buf, 4, valid, rows);
  buf.set(values, pos);
  return buf;
}

/**
 * The PLAIN bytes of the present values: numbers gathered into a typed array
 * and viewed as bytes (no per-value Buffer call), int64s copied as two 32-bit
 * words (reading a BigInt64Array would allocate a BigInt per value).
 */
function plainValues(c: ParquetColumn, rows: number): Uint8Array {
  const valid = c.valid;
  let present = rows;
  if (valid) {
    present = 0;
    for (let i = 0; i < rows; i++) present += valid[i] as number;
  }
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (c.type) {
    case PhysicalType.DOUBLE:
    case PhysicalType.FLOAT: {
      const v = c.values as Float64Array;
      const out = c.type === PhysicalType.DOUBLE ? new Float64Array(present) : new Float32Array(present);
      let k = 0;
      for (let i = 0; i < rows; i++) if (!valid || valid[i]) out[k++] = v[i] as number;
      return bytes(out);
    }
    case PhysicalType.INT32: {
      const v = c.values as Int32Array;
      const out = new Int32Array(present);
      let k = 0;
      for (let i = 0; i < rows; i++) if (!valid || valid[i]) out[k++] = v[i] as number;
      return bytes(out);
    }
    case PhysicalType.INT64: {
      const out = new Int32Array(present * 2);
      let k = 0;
      if (c.int64FromNumbers) {
        const v = c.values as Float64Array;
        for (let i = 0; i < rows; i++) {
          if (valid && !valid[i]) continue;
          // The two 32-bit halves of an exact integer below 2^53 (negative ones too).
          const x = v[i] as number;
          const high = Math.floor(x / 4294967296);
          out[k++] = (x - high * 4294967296) | 0;
          out[k++] = high;
        }
      } else {
        const v = c.values as BigInt64Array;
        const words = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
        for (let i = 0; i < rows; i++) {
          if (valid && !valid[i]) continue;
          out[k++] = words[2 * i] as number;
          out[k++] = words[2 * i + 1] as number;
        }
      }
      return bytes(out);
    }
    case PhysicalType.BOOLEAN: {
      const v = c.values as Uint8Array;
      const out = new Uint8Array(Math.ceil(present / 8));
      let k = 0;
      for (let i = 0; i < rows; i++) {
        if (valid && !valid[i]) continue;
        if (v[i]) out[k >> 3] = (out[k >> 3] as number) | (1 << (k & 7));
        k++;
      }
      return out;
    }
    case PhysicalType.BYTE_ARRAY: {
      if (c.ranges) {
        const { bytes: src, ends } = c.ranges;
        let size = 0;
        for (let i = 0; i < rows; i++) {
          if (valid && !valid[i]) continue;
          size += 4 + (ends[i] as number) - (i === 0 ? 0 : (ends[i - 1] as number));
        }
        const out = Buffer.allocUnsafe(size);
        let pos = 0;
        for (let i = 0; i < rows; i++) {
          if (valid && !valid[i]) continue;
          const start = i === 0 ? 0 : (ends[i - 1] as number);
          const end = ends[i] as number;
          out.writeUInt32LE(end - start, pos);
          out.set(src.subarray(start, end), pos + 4);
          pos += 4 + end - start;
        }
        return out;
      }
      const v = c.values as readonly (string | Uint8Array | null)[];
      let size = 0;
      for (let i = 0; i < rows; i++) {
        if (valid && !valid[i]) continue;
        const x = v[i];
        size += 4 + (typeof x === "string" ? utf8Length(x) : (x?.length ?? 0));
      }
      const out = Buffer.allocUnsafe(size);
      let pos = 0;
      for (let i = 0; i < rows; i++) {
        if (valid && !valid[i]) continue;
        const x = v[i];
        if (typeof x === "string") {
          const len = utf8Length(x);
          out.writeUInt32LE(len, pos);
          pos += 4;
          if (len === x.length) for (let k = 0; k < len; k++) out[pos++] = x.charCodeAt(k);
          else pos += out.write(x, pos, "utf8");
        } else {
          const b = x ?? new Uint8Array(0);
          out.writeUInt32LE(b.length, pos);
          out.set(b, pos + 4);
          pos += 4 + b.length;
        }
      }
      return out;
    }
  }
  throw new Error(`parquet: unsupported physical type ${c.type}`);
}

/** UTF-8 length of `s`, without encoding it when it is ASCII. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, "utf8");
  return s.length;
}

/** Size of `n` one-bit levels as one bit-packed run (a varint header, then groups of 8). */
function bitPackedSize(n: number): number {
  const groups = Math.ceil(n / 8);
  return varintSize(groups * 2 + 1) + groups;
}

function writeBitPacked(buf: Buffer, at: number, bits: Uint8Array, n: number): number {
  const groups = Math.ceil(n / 8);
  let pos = writeVarint(buf, at, groups * 2 + 1);
  for (let g = 0; g < groups; g++) {
    let byte = 0;
    for (let b = 0; b < 8; b++) {
      const i = g * 8 + b;
      if (i < n && bits[i]) byte |= 1 << b;
    }
    buf[pos++] = byte;
  }
  return pos - at + 0;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  let pos = at;
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

// --- Thrift compact protocol ---------------------------------------------------------------

const T = { I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

class Compact {
  readonly bytes: number[] = [];
  #last: number[] = [0];
  #varint(n: bigint): void {
    let u = n;
    while (u >= 0x80n) {
      this.bytes.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    this.bytes.push(Number(u));
  }
  #zigzag(n: number | bigint): bigint {
    const x = BigInt(n);
    return x >= 0n ? x * 2n : -x * 2n - 1n;
  }
  #field(id: number, type: number): void {
    const last = this.#last[this.#last.length - 1] as number;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.#varint(this.#zigzag(id));
    }
    this.#last[this.#last.length - 1] = id;
  }
  i32(id: number, n: number): this {
    this.#field(id, T.I32);
    this.#varint(this.#zigzag(n));
    return this;
  }
  i64(id: number, n: number | bigint): this {
    this.#field(id, T.I64);
    this.#varint(this.#zigzag(n));
    return this;
  }
  string(id: number, s: string): this {
    this.#field(id, T.BINARY);
    this.#rawString(s);
    return this;
  }
  #rawString(s: string): void {
    const b = utf8.encode(s);
    this.#varint(BigInt(b.length));
    for (const x of b) this.bytes.push(x);
  }
  struct(id: number, body: (c: this) => void): this {
    this.#field(id, T.STRUCT);
    this.#last.push(0);
    body(this);
    this.bytes.push(0);
    this.#last.pop();
    return this;
  }
  list<V>(id: number, elementType: number, items: readonly V[], write: (c: this, item: V) => void): this {
    this.#field(id, T.LIST);
    if (items.length < 15) this.bytes.push((items.length << 4) | elementType);
    else {
      this.bytes.push(0xf0 | elementType);
      this.#varint(BigInt(items.length));
    }
    for (const item of items) {
      if (elementType === T.STRUCT) {
        this.#last.push(0);
        write(this, item);
        this.bytes.push(0);
        this.#last.pop();
      } else write(this, item);
    }
    return this;
  }
  /** A bare list element. */
  rawI32(n: number): void {
    this.#varint(this.#zigzag(n));
  }
  rawString(s: string): void {
    this.#rawString(s);
  }
  end(): Buffer {
    this.bytes.push(0);
    return Buffer.from(this.bytes);
  }
}

const DATA_PAGE = 0;
const PLAIN = 0;
const RLE = 3;

function pageHeader(size: number, values: number): Buffer {
  return new Compact()
    .i32(1, DATA_PAGE)
    .i32(2, size)
    .i32(3, size)
    .struct(5, (d) => d.i32(1, values).i32(2, PLAIN).i32(3, RLE).i32(4, RLE))
    .end();
}

function fileMetadata(
  columns: readonly ParquetColumn[],
  chunks: readonly { offset: number; size: number; values: number }[],
  rows: number,
): Buffer {
  const total = chunks.reduce((n, c) => n + c.size, 0);
  const schema: ({ root: true } | ParquetColumn)[] = [{ root: true }, ...columns];
  return new Compact()
    .i32(1, 1)
    .list(2, T.STRUCT, schema, (c, e) => {
      if ("root" in e) c.string(4, "schema").i32(5, columns.length);
      else {
        c.i32(1, e.type)
          .i32(3, e.valid ? 1 : 0)
          .string(4, e.name);
        if (e.converted !== undefined) c.i32(6, e.converted);
      }
    })
    .i64(3, rows)
    .list(4, T.STRUCT, [0], (rg) => {
      rg.list(1, T.STRUCT, columns, (cc, col) => {
        const i = columns.indexOf(col);
        const chunk = chunks[i] as { offset: number; size: number; values: number };
        cc.i64(2, chunk.offset).struct(3, (m) =>
          m
            .i32(1, col.type)
            .list(2, T.I32, [PLAIN, RLE], (l, e) => l.rawI32(e))
            .list(3, T.BINARY, [col.name], (l, e) => l.rawString(e))
            .i32(4, 0)
            .i64(5, chunk.values)
            .i64(6, chunk.size)
            .i64(7, chunk.size)
            .i64(9, chunk.offset),
        );
      })
        .i64(2, total)
        .i64(3, rows);
    })
    .end();
}

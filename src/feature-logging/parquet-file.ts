/**
 * A minimal Parquet writer for serving logs: one row group, one data page
 * (v1) per column, PLAIN values or, for columns marked `dictionary`, a
 * dictionary page and RLE runs of indices (statuses, event times, dates and
 * the service version repeat, and a run costs a comparison per row instead
 * of 4 or 8 bytes), definition levels as one RLE run when every row is
 * present and as bit-packed runs otherwise, no compression, and the footer
 * in Thrift's compact protocol. The columns are already typed arrays, so
 * writing is mostly viewing or copying them: well under a microsecond per
 * logged 1 x 50 request, where staging rows in DuckDB and copying them out
 * cost about three times the server's CPU budget for logging. Pure: columns in, the
 * file's bytes out (which may view the columns' arrays: write them before
 * changing those).
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
  /**
   * BYTE_ARRAY columns given as byte ranges: row r is bytes[ends[r - 1], ends[r])
   * (`values` unused). `prefixed`: each present row's range starts with its
   * value's length (u32 LE) and null rows' ranges are empty, so the bytes are
   * the PLAIN page as it is.
   */
  ranges?: { bytes: Uint8Array; ends: Int32Array; prefixed?: boolean };
  /**
   * Dictionary-encode this column (INT32, INT64 from numbers, or BYTE_ARRAY
   * strings) when it has few distinct values; PLAIN otherwise. For columns
   * that repeat, like statuses and event times.
   */
  dictionary?: boolean;
}

/** Where a column chunk is in the file. */
interface Chunk {
  offset: number;
  size: number;
  values: number;
  /** The dictionary page's offset (it comes first), or -1. */
  dictionaryOffset: number;
  dataOffset: number;
}

/** A column chunk's pages (a dictionary page, optional, then the data page), each after its header. */
interface Pages {
  parts: Buffer[];
  /** Bytes of the dictionary page and its header (0: none). */
  dictionaryBytes: number;
  size: number;
}

/**
 * The bytes of a Parquet file of `rows` rows and `columns` (each holding at
 * least `rows` entries), as parts to write in order. Columns with the same
 * arrays and encoding (a view's event times, repeated per feature) are
 * encoded once and their bytes written again.
 */
export function parquetFile(columns: readonly ParquetColumn[], rows: number): Buffer[] {
  const parts: Buffer[] = [Buffer.from("PAR1")];
  let offset = 4;
  const chunks: Chunk[] = [];
  const encoded: { c: ParquetColumn; pages: Pages }[] = [];
  for (const c of columns) {
    let pages = encoded.find((e) => sameEncoding(e.c, c))?.pages;
    if (!pages) {
      pages = columnPages(c, rows);
      encoded.push({ c, pages });
    }
    chunks.push({
      offset,
      size: pages.size,
      values: rows,
      dictionaryOffset: pages.dictionaryBytes > 0 ? offset : -1,
      dataOffset: offset + pages.dictionaryBytes,
    });
    for (const part of pages.parts) parts.push(part);
    offset += pages.size;
  }
  const footer = fileMetadata(columns, chunks, rows);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  tail.write("PAR1", 4, "latin1");
  parts.push(footer, tail);
  return parts;
}

/** Whether `a` and `b` are the same arrays to encode the same way (their pages are equal). */
function sameEncoding(a: ParquetColumn, b: ParquetColumn): boolean {
  return (
    a.values === b.values &&
    a.valid === b.valid &&
    a.ranges === b.ranges &&
    a.type === b.type &&
    a.dictionary === b.dictionary &&
    a.int64FromNumbers === b.int64FromNumbers
  );
}

function columnPages(c: ParquetColumn, rows: number): Pages {
  const dictionary =
    c.dictionary &&
    (c.type === PhysicalType.INT32 ||
      (c.type === PhysicalType.INT64 && c.int64FromNumbers) ||
      (c.type === PhysicalType.BYTE_ARRAY && !c.ranges))
      ? dictionaryEncoded(c, rows)
      : undefined;
  const parts: Buffer[] = [];
  let dictionaryBytes = 0;
  if (dictionary) {
    const header = dictionaryPageHeader(dictionary.page.length, dictionary.entries);
    parts.push(header, toBuffer(dictionary.page));
    dictionaryBytes = header.length + dictionary.page.length;
  }
  // The page: definition levels (optional columns) and then the values, as separate parts (no copy).
  const levels = c.valid ? definitionLevels(c.valid, rows) : undefined;
  const values = toBuffer(dictionary ? dictionary.indices : plainValues(c, rows));
  const pageSize = (levels?.length ?? 0) + values.length;
  const header = pageHeader(pageSize, rows, dictionary ? RLE_DICTIONARY : PLAIN);
  parts.push(header);
  if (levels) parts.push(levels);
  parts.push(values);
  return { parts, dictionaryBytes, size: dictionaryBytes + header.length + pageSize };
}

const toBuffer = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const utf8 = new TextEncoder();

/**
 * The definition levels of an optional column as a data page v1 starts
 * with them: their byte length, then one RLE run of 1s when every row is
 * present (the usual case), else bit-packed runs.
 */
function definitionLevels(valid: Uint8Array, rows: number): Buffer {
  const all = allPresent(valid, rows);
  const levelBytes = all ? varintSize(rows * 2) + 1 : bitPackedSize(rows);
  const buf = Buffer.allocUnsafe(4 + levelBytes);
  buf.writeUInt32LE(levelBytes, 0);
  if (all) buf[writeVarint(buf, 4, rows * 2)] = 1;
  else writeBitPacked(buf, 4, valid, rows);
  return buf;
}

/** Whether every one of the first `rows` rows is present (1), four at a time (the usual case, asked per column). */
function allPresent(valid: Uint8Array, rows: number): boolean {
  let i = 0;
  if ((valid.byteOffset & 3) === 0) {
    const words = new Uint32Array(valid.buffer, valid.byteOffset, rows >> 2);
    for (let w = 0; w < words.length; w++) if (words[w] !== 0x01010101) return false;
    i = words.length * 4;
  }
  for (; i < rows; i++) if (valid[i] !== 1) return false;
  return true;
}

/** Whether the first `rows` of a typed array of numbers are all the same (a tight loop per array type). */
function constantNumbers(values: ParquetColumn["values"], rows: number): boolean {
  if (values instanceof Int32Array) {
    const first = values[0];
    for (let i = 1; i < rows; i++) if (values[i] !== first) return false;
    return true;
  }
  if (values instanceof Float64Array) {
    const first = values[0];
    for (let i = 1; i < rows; i++) if (values[i] !== first) return false;
    return true;
  }
  return false;
}

/**
 * A dictionary of the present values (its PLAIN bytes) and their indices as
 * the data page wants them: a bit width byte, then RLE runs only (a run
 * costs a comparison per row; a run of one row 2 to 4 bytes). Undefined
 * when the column has too many distinct values for a dictionary to pay
 * (PLAIN then).
 */
function dictionaryEncoded(
  c: ParquetColumn,
  rows: number,
): { entries: number; page: Uint8Array; indices: Uint8Array } | undefined {
  const valid = c.valid;
  const values = c.values as ArrayLike<number | string | null>;
  if (rows > 0 && !valid && constantNumbers(c.values, rows)) {
    // One value in every row (a status, the day, usually): a dictionary of one and one run.
    const one = {
      ...c,
      valid: undefined,
      values: c.values.slice(0, 1) as typeof c.values,
      dictionary: false,
    };
    const indices = Buffer.allocUnsafe(1 + varintSize(rows * 2) + 1);
    indices[0] = 1;
    indices[writeVarint(indices, 1, rows * 2)] = 0;
    return { entries: 1, page: plainValues(one, 1), indices };
  }
  const limit = Math.max(16, rows >> 2);
  const index = new Map<number | string | null, number>();
  const distinct: (number | string | null)[] = [];
  // Runs as (length, index) pairs, gathered before the bit width is known.
  let runs = new Int32Array(128);
  let nRuns = 0;
  let last: number | string | null = null;
  let lastIndex = -1;
  let runLength = 0;
  const endRun = () => {
    if (2 * nRuns + 2 > runs.length) {
      const grown = new Int32Array(runs.length * 2);
      grown.set(runs);
      runs = grown;
    }
    runs[2 * nRuns] = runLength;
    runs[2 * nRuns + 1] = lastIndex;
    nRuns++;
  };
  for (let i = 0; i < rows; i++) {
    if (valid && valid[i] === 0) continue;
    const x = values[i] as number | string | null;
    if (runLength > 0 && x === last) {
      runLength++;
      continue;
    }
    if (runLength > 0) endRun();
    let k = index.get(x);
    if (k === undefined) {
      if (distinct.length >= limit) return undefined;
      k = distinct.length;
      index.set(x, k);
      distinct.push(x);
    }
    last = x;
    lastIndex = k;
    runLength = 1;
  }
  if (runLength > 0) endRun();
  let bitWidth = 1;
  while (1 << bitWidth < distinct.length) bitWidth++;
  const valueBytes = (bitWidth + 7) >> 3;
  let size = 1;
  for (let r = 0; r < nRuns; r++) size += varintSize((runs[2 * r] as number) * 2) + valueBytes;
  const indices = Buffer.allocUnsafe(size);
  indices[0] = bitWidth;
  let pos = 1;
  for (let r = 0; r < nRuns; r++) {
    pos = writeVarint(indices, pos, (runs[2 * r] as number) * 2);
    let k = runs[2 * r + 1] as number;
    for (let b = 0; b < valueBytes; b++) {
      indices[pos++] = k & 0xff;
      k >>>= 8;
    }
  }
  const entries: ParquetColumn = {
    name: c.name,
    type: c.type,
    values:
      c.type === PhysicalType.BYTE_ARRAY
        ? (distinct as string[])
        : c.type === PhysicalType.INT32
          ? Int32Array.from(distinct as number[])
          : Float64Array.from(distinct as number[]),
    ...(c.int64FromNumbers ? { int64FromNumbers: true } : {}),
  };
  return { entries: distinct.length, page: plainValues(entries, distinct.length), indices };
}

/**
 * The PLAIN bytes of the present values: the typed array's own bytes when
 * every row is present, else numbers gathered into a typed array and viewed
 * as bytes (no per-value Buffer call), int64s copied as two 32-bit words
 * (reading a BigInt64Array would allocate a BigInt per value).
 */
function plainValues(c: ParquetColumn, rows: number): Uint8Array {
  const valid = c.valid;
  let present = rows;
  if (valid && !allPresent(valid, rows)) {
    present = 0;
    for (let i = 0; i < rows; i++) if (valid[i]) present++;
  }
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  // Every row present: the typed arrays' bytes as they are, no copy.
  if (present === rows) {
    if (c.type === PhysicalType.DOUBLE && c.values instanceof Float64Array)
      return bytes(c.values.subarray(0, rows));
    if (c.type === PhysicalType.INT32 && c.values instanceof Int32Array)
      return bytes(c.values.subarray(0, rows));
    if (c.type === PhysicalType.INT64 && !c.int64FromNumbers && c.values instanceof BigInt64Array)
      return bytes(c.values.subarray(0, rows));
  }
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
      if (c.ranges?.prefixed) return c.ranges.bytes.subarray(0, rows > 0 ? c.ranges.ends[rows - 1] : 0);
      if (c.ranges) {
        const { bytes: src, ends } = c.ranges;
        let size = 0;
        for (let i = 0; i < rows; i++) {
          if (valid && !valid[i]) continue;
          size += 4 + (ends[i] as number) - (i === 0 ? 0 : (ends[i - 1] as number));
        }
        const out = new Uint8Array(size);
        let pos = 0;
        for (let i = 0; i < rows; i++) {
          if (valid && !valid[i]) continue;
          const start = i === 0 ? 0 : (ends[i - 1] as number);
          const end = ends[i] as number;
          const n = end - start;
          out[pos] = n & 0xff;
          out[pos + 1] = (n >>> 8) & 0xff;
          out[pos + 2] = (n >>> 16) & 0xff;
          out[pos + 3] = n >>> 24;
          pos += 4;
          // Short values byte by byte: a subarray per value would be an object per value.
          if (n <= 32) for (let k = start; k < end; k++) out[pos++] = src[k] as number;
          else {
            out.set(src.subarray(start, end), pos);
            pos += n;
          }
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
const DICTIONARY_PAGE = 2;
const PLAIN = 0;
const RLE = 3;
const RLE_DICTIONARY = 8;

function pageHeader(size: number, values: number, encoding: number): Buffer {
  return new Compact()
    .i32(1, DATA_PAGE)
    .i32(2, size)
    .i32(3, size)
    .struct(5, (d) => d.i32(1, values).i32(2, encoding).i32(3, RLE).i32(4, RLE))
    .end();
}

function dictionaryPageHeader(size: number, entries: number): Buffer {
  return new Compact()
    .i32(1, DICTIONARY_PAGE)
    .i32(2, size)
    .i32(3, size)
    .struct(7, (d) => d.i32(1, entries).i32(2, PLAIN))
    .end();
}

function fileMetadata(columns: readonly ParquetColumn[], chunks: readonly Chunk[], rows: number): Buffer {
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
      const withChunks = columns.map((col, i) => ({ col, chunk: chunks[i] as Chunk }));
      rg.list(1, T.STRUCT, withChunks, (cc, { col, chunk }) => {
        const dictionary = chunk.dictionaryOffset >= 0;
        cc.i64(2, chunk.offset).struct(3, (m) => {
          m.i32(1, col.type)
            .list(2, T.I32, dictionary ? [PLAIN, RLE, RLE_DICTIONARY] : [PLAIN, RLE], (l, e) => l.rawI32(e))
            .list(3, T.BINARY, [col.name], (l, e) => l.rawString(e))
            .i32(4, 0)
            .i64(5, chunk.values)
            .i64(6, chunk.size)
            .i64(7, chunk.size)
            .i64(9, chunk.dataOffset);
          if (dictionary) m.i64(11, chunk.dictionaryOffset);
        });
      })
        .i64(2, total)
        .i64(3, rows);
    })
    .end();
}

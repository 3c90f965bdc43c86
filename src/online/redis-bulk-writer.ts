/**
 * Bulk writes of packed rows into Redis (the materialization fast path),
 * under the older-over-newer rule, for a standalone server or a cluster.
 *
 * HSETNX first: every row goes out as a plain `HSETNX key view row`, the
 * cheapest write Redis has, which by construction never overwrites anything;
 * a new field (the common case: a first materialization, a new entity) is
 * then written with no script at all. Only the rows whose field already
 * existed (HSETNX replied 0) go through the compare-and-set script, which
 * writes them only when they are not older than the stored row. The script
 * is atomic, so the rule also holds when a Push lands between the two steps.
 * With a key ttl, a row that HSETNX wrote gets its EXPIRE in the second step
 * (the script sets its own). When most rows of a view's last HSETNX batch
 * already existed (a rematerialization), the next batches go straight to the
 * script (no HSETNX that would fail anyway), and every `PROBE_EVERY`th batch
 * tries HSETNX again on its first `PROBE_ROWS` rows per node (the rest of it
 * goes to the script) to notice when new entities come back.
 *
 * Commands are RESP bytes built here straight from the encoded batch and
 * written on a connection per node (`RespConnection`); in a cluster rows are
 * routed by slot with ioredis's slot table. A redirect (MOVED/ASK, the
 * cluster resharding) fails the batch as UNAVAILABLE, after asking ioredis to
 * refresh its slots: the materialization fails, records no interval, and a
 * rerun (writes are idempotent) converges.
 */
import type { Cluster } from "ioredis";
import { unavailable } from "../errors/index.js";
import type { EncodedRows, WriteResult } from "./online-store.js";
import type { RedisConnectionOptions } from "./redis-connection.js";
import { redisError } from "./redis-connection.js";
import { redisSlot } from "./redis-slot.js";
import { RespConnection, RespError, type RespReply, respCommand } from "./resp-connection.js";

export interface RedisBulkWriterOptions {
  connection: RedisConnectionOptions;
  /** The ioredis client of the store (its slot table routes cluster writes). */
  cluster: Cluster | undefined;
  project: string;
  /** Key ttl in seconds (0: keys do not expire). */
  ttlSeconds: number;
  /** The packed compare-and-set script (ARGV: field, ttl, n, keys, rows). */
  script: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Rows per script call; default 500. */
  rowsPerCall: number;
}

const HSETNX_HEAD = Buffer.from("*4\r\n$6\r\nHSETNX\r\n");
/** In script-only mode, one batch in this many goes HSETNX-first again (to see whether new fields came back). */
const PROBE_EVERY = 8;
/**
 * Rows (per node) a probe sends through HSETNX; the rest of the probing batch
 * goes straight to the script. A sample tells new fields from existing ones
 * as well as the whole batch, without an HSETNX that fails for every row of
 * a rematerialization (8,192 rows per batch: 1 in 8 rows, about 7% of Redis's
 * work on that path).
 */
const PROBE_ROWS = 256;

/** Per view: whether batches skip HSETNX (most fields existed), and batches since the last probe. */
interface UpdateMode {
  scriptOnly: boolean;
  sinceProbe: number;
}

/** Bytes of "$<n>\r\n". */
function bulkHeaderSize(n: number): number {
  return (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : String(n).length) + 3;
}

function writeBulkHeader(buf: Buffer, pos: number, n: number): number {
  buf[pos++] = 36; // '$'
  const digits = bulkHeaderSize(n) - 3;
  for (let d = digits - 1, x = n; d >= 0; d--, x = Math.floor(x / 10)) buf[pos + d] = 48 + (x % 10);
  pos += digits;
  buf[pos++] = 13;
  buf[pos++] = 10;
  return pos;
}

/** A DataView over a Buffer's bytes. */
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Copies src[from, to) to dst at `at` four bytes at a time through DataViews
 * (unaligned 32-bit loads and stores; about twice as fast as a byte loop, and
 * far cheaper than a native copy call for the small pieces of a frame).
 * Returns the bytes copied.
 */
function put(dst: DataView, at: number, src: DataView, from: number, to: number): number {
  const n = to - from;
  let k = 0;
  for (; k + 4 <= n; k += 4) dst.setUint32(at + k, src.getUint32(from + k, true), true);
  for (; k < n; k++) dst.setUint8(at + k, src.getUint8(from + k));
  return n;
}

function replyError(r: RespError, what: string): Error {
  const e = new Error(r.message);
  e.name = "ReplyError";
  return redisError(e, what);
}

export class RedisBulkWriter {
  readonly #o: RedisBulkWriterOptions;
  readonly #suffix: Buffer;
  /** Open connections by node ("host:port"). */
  readonly #conns = new Map<string, Promise<RespConnection>>();
  readonly #modes = new Map<string, UpdateMode>();
  #evalHead: Buffer | undefined;
  #closed = false;

  constructor(o: RedisBulkWriterOptions) {
    this.#o = o;
    this.#suffix = Buffer.from(o.project, "utf8");
  }

  /** Writes `batch` of view `viewName`; resolves with the rows written and skipped as stale. */
  async write(viewName: string, batch: EncodedRows): Promise<WriteResult> {
    if (batch.count === 0) return { written: 0, skippedStale: 0 };
    const groups = this.#groupByNode(batch);
    const field = Buffer.from(viewName, "utf8");
    let mode = this.#modes.get(viewName);
    if (!mode) {
      mode = { scriptOnly: false, sinceProbe: 0 };
      this.#modes.set(viewName, mode);
    }
    const probe = mode.scriptOnly && ++mode.sinceProbe >= PROBE_EVERY;
    const hsetnx = !mode.scriptOnly || probe;
    const results = await Promise.all(
      [...groups].map(([node, rows]) =>
        this.#writeNode(node, field, batch, rows, hsetnx ? (probe ? PROBE_ROWS : rows.length) : 0),
      ),
    );
    const written = results.reduce((a, r) => a + r.written, 0);
    if (hsetnx) {
      const existing = results.reduce((a, r) => a + r.existing, 0);
      const tried = results.reduce((a, r) => a + r.tried, 0);
      mode.scriptOnly = existing * 2 > tried;
      mode.sinceProbe = 0;
    }
    return { written, skippedStale: batch.count - written };
  }

  /**
   * Writes `batch` with commands of the caller's making (the `feast` layout's
   * script calls), over the same connections: per node, `frames(rows, keyOf)`
   * builds the commands for that node's rows (`keyOf(i)`: row i's full key);
   * their integer replies count the rows written.
   */
  async writeFrames(
    batch: EncodedRows,
    frames: (rows: Uint32Array, keyOf: (i: number) => Buffer) => Buffer[],
  ): Promise<WriteResult> {
    if (batch.count === 0) return { written: 0, skippedStale: 0 };
    const results = await Promise.all(
      [...this.#groupByNode(batch)].map(async ([node, rows]) => {
        const conn = await this.#connection(node);
        const commands = frames(rows, (i) => this.#fullKey(batch, i));
        let written = 0;
        for (const r of await this.#send(conn, commands, commands.length)) {
          if (typeof r === "number") written += r;
          else this.#replyFailure(r, "write");
        }
        return written;
      }),
    );
    const written = results.reduce((a, b) => a + b, 0);
    return { written, skippedStale: batch.count - written };
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#conns.values())
      c.then(
        (conn) => conn.close(),
        () => {},
      );
    this.#conns.clear();
  }

  /** Row indices per node ("" for a standalone server). */
  #groupByNode(batch: EncodedRows): Map<string, Uint32Array> {
    const all = new Uint32Array(batch.count);
    for (let i = 0; i < all.length; i++) all[i] = i;
    const cluster = this.#o.cluster;
    if (!cluster) return new Map([["", all]]);
    const slots = cluster.slots;
    const byNode = new Map<string, number[]>();
    let start = 0;
    for (let i = 0; i < batch.count; i++) {
      const end = batch.keyEnds[i] as number;
      const key = Buffer.concat([batch.keys.subarray(start, end), this.#suffix]);
      start = end;
      const node = slots[redisSlot(key)]?.[0];
      if (node === undefined) throw unavailable("Redis cluster slot table is not known yet; retry");
      let list = byNode.get(node);
      if (!list) {
        list = [];
        byNode.set(node, list);
      }
      list.push(i);
    }
    return new Map([...byNode].map(([node, list]) => [node, Uint32Array.from(list)]));
  }

  async #connection(node: string): Promise<RespConnection> {
    if (this.#closed) throw unavailable("the online store is closed");
    let p = this.#conns.get(node);
    if (p) {
      const conn = await p.catch(() => undefined);
      if (conn && !conn.closed) return conn;
      if (this.#conns.get(node) === p) this.#conns.delete(node);
    }
    const c = this.#o.connection;
    let host: string;
    let port: number;
    if (node === "") {
      const ep = c.endpoints[0] as { host: string; port: number };
      host = ep.host;
      port = ep.port;
    } else {
      const colon = node.lastIndexOf(":");
      host = node.slice(0, colon);
      port = Number(node.slice(colon + 1));
    }
    p = RespConnection.open({
      host,
      port,
      tls: c.ssl,
      username: c.username,
      password: c.password,
      db: node === "" ? c.db : 0,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      timeoutMs: this.#o.commandTimeoutMs,
    });
    this.#conns.set(node, p);
    try {
      return await p;
    } catch (err) {
      if (this.#conns.get(node) === p) this.#conns.delete(node);
      throw redisError(err, "write");
    }
  }

  async #send(conn: RespConnection, frame: Buffer | Buffer[], replies: number): Promise<RespReply[]> {
    try {
      return await conn.send(frame, replies);
    } catch (err) {
      throw redisError(err, "write");
    }
  }

  /**
   * Writes `rows` of the batch on one node: HSETNX first for the first
   * `hsetnxRows` of them (all, some when probing, or none), then
   * the script for the rows whose field existed (every row otherwise).
   * Returns the rows written and how many fields existed (HSETNX replied 0).
   */
  async #writeNode(
    node: string,
    field: Buffer,
    batch: EncodedRows,
    rows: Uint32Array,
    hsetnxRows: number,
  ): Promise<{ written: number; existing: number; tried: number }> {
    const conn = await this.#connection(node);
    let written = 0;
    const fresh: number[] = [];
    const existing: number[] = [];
    const tried = Math.min(hsetnxRows, rows.length);
    if (tried > 0) {
      const probed = tried === rows.length ? rows : rows.subarray(0, tried);
      const replies = await this.#send(conn, this.#hsetnxFrame(field, batch, probed), tried);
      for (let j = 0; j < replies.length; j++) {
        const r = replies[j];
        if (r === 1) {
          written++;
          if (this.#o.ttlSeconds > 0) fresh.push(rows[j] as number);
        } else if (r === 0) existing.push(rows[j] as number);
        else this.#replyFailure(r, "write");
      }
    }
    const existed = existing.length;
    // Rows past the HSETNX ones go straight to the script.
    for (let j = tried; j < rows.length; j++) existing.push(rows[j] as number);
    if (fresh.length === 0 && existing.length === 0) return { written, existing: existed, tried };
    // Second step: EXPIRE for rows HSETNX wrote, the compare-and-set script for the others.
    const frames: Buffer[] = [];
    const ttl = String(this.#o.ttlSeconds);
    for (const i of fresh) frames.push(respCommand(["EXPIRE", this.#fullKey(batch, i), ttl]));
    const perCall = this.#o.rowsPerCall;
    for (let s = 0; s < existing.length; s += perCall) {
      frames.push(this.#scriptFrame(field, batch, existing, s, Math.min(existing.length, s + perCall)));
    }
    const second = await this.#send(conn, frames, frames.length);
    for (let j = 0; j < second.length; j++) {
      const r = second[j];
      if (j < fresh.length) {
        if (typeof r !== "number") this.#replyFailure(r, "write (expire)");
      } else if (typeof r === "number") written += r;
      else this.#replyFailure(r, "write");
    }
    return { written, existing: existed, tried };
  }

  #replyFailure(r: RespReply | undefined, what: string): never {
    if (r instanceof RespError) {
      if (/^(MOVED|ASK) /.test(r.message)) this.#o.cluster?.refreshSlotsCache();
      throw replyError(r, what);
    }
    throw redisError(new Error(`unexpected reply ${String(r)}`), what);
  }

  #fullKey(batch: EncodedRows, i: number): Buffer {
    const start = i === 0 ? 0 : (batch.keyEnds[i - 1] as number);
    return Buffer.concat([batch.keys.subarray(start, batch.keyEnds[i] as number), this.#suffix]);
  }

  /**
   * One `EVAL script 1 key0 field ttl n key x n row x n` command for rows
   * `rows[from, to)`, written straight into one buffer (no Buffer per
   * argument: the update path sends every row this way).
   */
  #scriptFrame(field: Buffer, batch: EncodedRows, rows: readonly number[], from: number, to: number): Buffer {
    const suffix = this.#suffix;
    const n = to - from;
    const { keys, keyEnds, rows: data, rowEnds } = batch;
    const keyLength = (i: number) => (keyEnds[i] as number) - (i === 0 ? 0 : (keyEnds[i - 1] as number));
    const rowLength = (i: number) => (rowEnds[i] as number) - (i === 0 ? 0 : (rowEnds[i - 1] as number));
    // Everything up to the keys: EVAL, the script, numkeys 1, the first key (routing), field, ttl and n.
    const first = this.#fullKey(batch, rows[from] as number);
    const ttl = Buffer.from(String(this.#o.ttlSeconds));
    const count = Buffer.from(String(n));
    const pre = Buffer.concat([
      respCommandHead(7 + 2 * n),
      this.#evalPrefix(),
      respBulk(first),
      respBulk(field),
      respBulk(ttl),
      respBulk(count),
    ]);
    let size = pre.length;
    for (let j = from; j < to; j++) {
      const i = rows[j] as number;
      const klen = keyLength(i) + suffix.length;
      const rlen = rowLength(i);
      size += bulkHeaderSize(klen) + klen + 2 + bulkHeaderSize(rlen) + rlen + 2;
    }
    const out = Buffer.allocUnsafe(size);
    const o = viewOf(out);
    const kv = viewOf(keys);
    const dv = viewOf(data);
    const sv = viewOf(suffix);
    let pos = put(o, 0, viewOf(pre), 0, pre.length);
    for (let j = from; j < to; j++) {
      const i = rows[j] as number;
      const k1 = keyEnds[i] as number;
      const k0 = k1 - keyLength(i);
      pos = writeBulkHeader(out, pos, k1 - k0 + suffix.length);
      pos += put(o, pos, kv, k0, k1);
      pos += put(o, pos, sv, 0, suffix.length);
      out[pos++] = 13;
      out[pos++] = 10;
    }
    for (let j = from; j < to; j++) {
      const i = rows[j] as number;
      const r1 = rowEnds[i] as number;
      const r0 = r1 - rowLength(i);
      pos = writeBulkHeader(out, pos, r1 - r0);
      pos += put(o, pos, dv, r0, r1);
      out[pos++] = 13;
      out[pos++] = 10;
    }
    if (pos !== size) throw new Error(`script frame of ${pos} bytes, expected ${size}`);
    return out;
  }

  /** "$4\r\nEVAL\r\n$<n>\r\n<script>\r\n$1\r\n1\r\n", made once. */
  #evalPrefix(): Buffer {
    this.#evalHead ??= Buffer.concat([
      respBulk(Buffer.from("EVAL")),
      respBulk(Buffer.from(this.#o.script, "utf8")),
      respBulk(Buffer.from("1")),
    ]);
    return this.#evalHead;
  }

  /** One frame of `HSETNX key field row` for the given rows. */
  #hsetnxFrame(field: Buffer, batch: EncodedRows, rows: Uint32Array): Buffer {
    const suffix = this.#suffix;
    // The bytes between a key and its row's length: project suffix, CRLF, the field as a bulk string.
    const middle = Buffer.concat([
      suffix,
      Buffer.from(`\r\n$${field.length}\r\n`),
      field,
      Buffer.from("\r\n"),
    ]);
    const { keys, keyEnds, rows: data, rowEnds } = batch;
    let size = 0;
    for (const i of rows) {
      const klen = (keyEnds[i] as number) - (i === 0 ? 0 : (keyEnds[i - 1] as number)) + suffix.length;
      const rlen = (rowEnds[i] as number) - (i === 0 ? 0 : (rowEnds[i - 1] as number));
      size += HSETNX_HEAD.length + bulkHeaderSize(klen) + klen - suffix.length + middle.length;
      size += bulkHeaderSize(rlen) + rlen + 2;
    }
    const out = Buffer.allocUnsafe(size);
    const o = viewOf(out);
    const kv = viewOf(keys);
    const dv = viewOf(data);
    const mv = viewOf(middle);
    // The command head and the key's length, cached while keys have the same length (fixed-width keys).
    let head = viewOf(HSETNX_HEAD);
    let headKeyLen = -1;
    let pos = 0;
    for (const i of rows) {
      const k0 = i === 0 ? 0 : (keyEnds[i - 1] as number);
      const k1 = keyEnds[i] as number;
      const r0 = i === 0 ? 0 : (rowEnds[i - 1] as number);
      const r1 = rowEnds[i] as number;
      if (k1 - k0 !== headKeyLen) {
        headKeyLen = k1 - k0;
        const h = Buffer.allocUnsafe(HSETNX_HEAD.length + bulkHeaderSize(headKeyLen + suffix.length));
        HSETNX_HEAD.copy(h, 0);
        writeBulkHeader(h, HSETNX_HEAD.length, headKeyLen + suffix.length);
        head = viewOf(h);
      }
      pos += put(o, pos, head, 0, head.byteLength);
      pos += put(o, pos, kv, k0, k1);
      pos += put(o, pos, mv, 0, mv.byteLength);
      pos = writeBulkHeader(out, pos, r1 - r0);
      pos += put(o, pos, dv, r0, r1);
      out[pos++] = 13;
      out[pos++] = 10;
    }
    if (pos !== size) throw new Error(`HSETNX frame of ${pos} bytes, expected ${size}`);
    return out;
  }
}

/** "*<n>\r\n": the head of a command of n arguments. */
function respCommandHead(n: number): Buffer {
  return Buffer.from(`*${n}\r\n`);
}

/** One RESP bulk string. */
function respBulk(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n")]);
}

/**
 * The serving reads' own connection to a standalone Redis: a command's RESP
 * bytes built in one buffer, written to the socket, and its array reply
 * parsed into slices of the received bytes (no copy per value). A general
 * client spends a few hundred microseconds on a 100-key read (argument
 * conversion, command and pipeline objects, a timer per command); this is
 * the serving hot path, so it gets a connection that does only this.
 *
 * It holds no retry logic: the store uses it while it is open and falls back
 * to its ioredis client otherwise (which owns reconnects and outage errors).
 * A Redis that does not answer within a request's timeout closes the
 * connection and fails every request waiting on it (UNAVAILABLE). Redis
 * answers in order, so a request's timeout runs from when Redis can start on
 * it: when its bytes leave (the tick's writes are flushed together), or when
 * the previous reply has arrived if later. Timed from each call instead, a
 * burst of large reads queued on the connection (120 concurrent calls of up
 * to 400 entities, ~36 MB of replies) failed its last reads after 1 s while
 * every reply was arriving, and a 150,000-key read whose ~110 commands took
 * over a second to build on a loaded machine expired before any was sent.
 */
import type { Socket } from "node:net";
import { unavailable } from "../errors/index.js";
import { connectRedisSocket, parseInt10, type RedisSocketOptions, setupCommands } from "./resp-connection.js";

export interface ReadConnectionOptions extends RedisSocketOptions {
  username: string | undefined;
  password: string | undefined;
  db: number;
}

/** The read connection's name in CLIENT LIST. */
export const READ_CONNECTION_NAME = "fstore-read";

/** An error reply of Redis (e.g. NOSCRIPT), as ioredis names it, so `redisError` classifies it alike. */
export class RedisReplyError extends Error {
  override readonly name = "ReplyError";
}

/** An array reply: bulk strings as slices of the received bytes, null for nil. */
export type ArrayReply = (Buffer | null)[];

interface Pending {
  resolve: (reply: ArrayReply) => void;
  reject: (err: Error) => void;
  /** How long Redis may take for this reply once it can start on it. */
  timeoutMs: number;
}

/** The RESP bytes of a command, in one buffer. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  let size = 1 + decimalLength(args.length) + 2;
  const lengths = new Array<number>(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string | Buffer;
    const n = typeof a === "string" ? Buffer.byteLength(a, "utf8") : a.length;
    lengths[i] = n;
    size += 1 + decimalLength(n) + 2 + n + 2;
  }
  const out = Buffer.allocUnsafe(size);
  let p = writeHeader(out, 0, 42, args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string | Buffer;
    p = writeHeader(out, p, 36, lengths[i] as number);
    if (typeof a === "string") p += out.write(a, p, "utf8");
    else p += a.copy(out, p);
    out[p++] = 13;
    out[p++] = 10;
  }
  return out;
}

/**
 * The RESP bytes of `head` followed by `count` arguments written in place by
 * `write(i, out, pos)` (each `size(i)` bytes): e.g. 100 entity keys encoded
 * straight into the command, with no buffer per key.
 */
export function encodeCommandWith(
  head: readonly (string | Buffer)[],
  count: number,
  size: (i: number) => number,
  write: (i: number, out: Buffer, pos: number) => number,
): Buffer {
  let total = 1 + decimalLength(head.length + count) + 2;
  for (const a of head) {
    const n = Buffer.byteLength(a, "utf8");
    total += 1 + decimalLength(n) + 2 + n + 2;
  }
  const sizes = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const n = size(i);
    sizes[i] = n;
    total += 1 + decimalLength(n) + 2 + n + 2;
  }
  const out = Buffer.allocUnsafe(total);
  let p = writeHeader(out, 0, 42, head.length + count);
  for (const a of head) {
    p = writeHeader(out, p, 36, Buffer.byteLength(a, "utf8"));
    p += typeof a === "string" ? out.write(a, p, "utf8") : a.copy(out, p);
    out[p++] = 13;
    out[p++] = 10;
  }
  for (let i = 0; i < count; i++) {
    p = writeHeader(out, p, 36, sizes[i] as number);
    p = write(i, out, p);
    out[p++] = 13;
    out[p++] = 10;
  }
  return out;
}

function decimalLength(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : String(n).length;
}

/** `*n\r\n` or `$n\r\n` at `p`. */
function writeHeader(out: Buffer, p: number, marker: number, n: number): number {
  out[p++] = marker;
  if (n < 10) out[p++] = 48 + n;
  else p += out.write(String(n), p, "latin1");
  out[p++] = 13;
  out[p++] = 10;
  return p;
}

/** parseReply: the reply's bytes have not all arrived. */
const INCOMPLETE = -1;
/** parseReply: a reply this connection never asks for (the stream can't be followed any further). */
const OUT_OF_STEP = -2;

interface ParseOut {
  reply: ArrayReply | Error | undefined;
  /** When INCOMPLETE: bytes from the buffer's start needed before parsing again can progress. */
  need: number;
}

export class RedisReadConnection {
  readonly #socket: Socket;
  readonly #pending: Pending[] = [];
  /** Received bytes not yet parsed (the start of the head request's reply). */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes the head reply needs at least before another parse attempt is worth it. */
  #need = 0;
  #closed: Error | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now() ms), and when the head request's time started. */
  #timerDue = 0;
  #headSince = 0;
  #corked = false;
  /** Requests of the current tick, written but not yet flushed (at the queue's tail). */
  #unsent = 0;
  readonly #onClose: () => void;

  private constructor(socket: Socket, onClose: () => void, ownReads: boolean) {
    this.#socket = socket;
    this.#onClose = onClose;
    socket.setNoDelay(true);
    if (!ownReads) socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.#fail(unavailable(`Redis read connection failed: ${err.message}`, err)));
    socket.on("close", () => this.#fail(unavailable("Redis read connection closed")));
  }

  /** Connects, authenticates and selects the database; `onClose` runs once when the connection ends. */
  static async open(o: ReadConnectionOptions, onClose: () => void): Promise<RedisReadConnection> {
    // Plain TCP reads into a slab (see ReadSlab); TLS sockets deliver their own chunks.
    let conn: RedisReadConnection | undefined;
    const slab = new ReadSlab();
    const socket = await connectRedisSocket(
      o,
      o.tls
        ? undefined
        : {
            buffer: () => slab.free(),
            callback: (n: number, buf: Uint8Array) => {
              conn?.onData(slab.take(buf, n));
              return true;
            },
          },
    );
    conn = new RedisReadConnection(socket, onClose, !o.tls);
    const opened = conn;
    // Named, so CLIENT LIST tells it from the store's general connection.
    const setup = [...setupCommands(o), ["CLIENT", "SETNAME", READ_CONNECTION_NAME]];
    try {
      // Status replies (+OK) parse as empty arrays; an error reply rejects.
      for (const args of setup) await opened.request(encodeCommand(args), o.connectTimeoutMs);
    } catch (err) {
      opened.close();
      throw err;
    }
    return opened;
  }

  get open(): boolean {
    return this.#closed === undefined;
  }

  /**
   * Sends one command whose reply is an array (HMGET, or a read script), waiting at most
   * `timeoutMs` once Redis can start on it; resolves with the array, rejects with a
   * `RedisReplyError` for an error reply.
   */
  request(frame: Buffer, timeoutMs: number): Promise<ArrayReply> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<ArrayReply>((resolve, reject) => {
      this.#pending.push({ resolve, reject, timeoutMs });
      this.#unsent++;
      // Requests made in the same tick (concurrent calls under load) share one socket write.
      if (!this.#corked) {
        this.#corked = true;
        this.#socket.cork();
        process.nextTick(uncork, this);
      }
      this.#socket.write(frame);
    });
  }

  /** Ends this tick's batch of writes (see `request`). */
  uncorkWrites(): void {
    this.#corked = false;
    this.#socket.uncork();
    // The head request was written in this batch (the connection was idle): its time starts now.
    if (this.#unsent === this.#pending.length) this.#arm();
    this.#unsent = 0;
  }

  close(): void {
    this.#fail(unavailable("Redis read connection closed by the client"));
  }

  /**
   * The oldest request's time starts when Redis can start on it (see the opening comment): Redis
   * answers in order, so a Redis that stops answering is seen within one timeout. One timer
   * serves every request: it is re-armed only when it fires early for the current head, or when
   * a head's deadline is sooner than it (a timer per request cost a few µs of every read).
   */
  #arm(): void {
    const head = this.#pending[0];
    if (!head) return;
    const now = performance.now();
    this.#headSince = now;
    if (this.#timer !== undefined && now + head.timeoutMs >= this.#timerDue) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDue = now + head.timeoutMs;
    // Unreferenced: a request in flight keeps the process alive by its socket, an idle timer does not.
    this.#timer = setTimeout(this.#check, head.timeoutMs).unref();
  }

  /** The timer: the head's time is up, or the timer waits for the rest of it. */
  readonly #check = (): void => {
    this.#timer = undefined;
    const head = this.#pending[0];
    if (!head) return;
    const left = this.#headSince + head.timeoutMs - performance.now();
    if (left > 0) {
      this.#timerDue = performance.now() + left;
      this.#timer = setTimeout(this.#check, Math.ceil(left)).unref();
    } else this.#expire(head);
  };

  /**
   * The head request's time is up. On a busy event loop its reply may be waiting unread (timers
   * run before I/O), so look again after this turn's I/O: only a reply still missing then closes
   * the connection.
   */
  #expire(head: Pending): void {
    setImmediate(() => {
      if (this.#pending[0] !== head) return;
      this.#fail(unavailable("Redis did not answer a read in time; the read connection was closed"));
    });
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#closed = err;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket.destroy();
    for (const p of this.#pending.splice(0)) p.reject(err);
    this.#chunks = [];
    this.#onClose();
  }

  /** Received bytes (from the socket's reads; public for the read callback of `open`). */
  onData(chunk: Buffer): void {
    const only = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : undefined;
    if (
      only !== undefined &&
      only.buffer === chunk.buffer &&
      only.byteOffset + only.length === chunk.byteOffset
    ) {
      // The next read landed right after the previous one in the slab: one wider view, no copy.
      this.#chunks[0] = Buffer.from(only.buffer, only.byteOffset, only.length + chunk.length);
    } else this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered < this.#need) return;
    let buf =
      this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#buffered);
    let pos = 0;
    let settled = false;
    const out: ParseOut = { reply: undefined, need: 0 };
    while (pos < buf.length && this.#pending.length > 0) {
      const end = parseReply(buf, pos, out);
      if (end === INCOMPLETE) break;
      if (end === OUT_OF_STEP) {
        this.#fail(new Error(`Redis read connection: ${(out.reply as Error).message}`));
        return;
      }
      pos = end;
      const p = this.#pending.shift() as Pending;
      settled = true;
      const reply = out.reply;
      if (reply instanceof Error) p.reject(reply);
      else p.resolve(reply as ArrayReply);
    }
    if (pos < buf.length && this.#pending.length === 0) {
      // Bytes nobody asked for: the stream is out of step.
      this.#fail(new Error("Redis read connection received an unexpected reply"));
      return;
    }
    // The rest (the start of the next reply) waits until the bytes it needs have arrived.
    this.#need = pos < buf.length ? out.need - pos : 0;
    buf = pos < buf.length ? buf.subarray(pos) : EMPTY;
    this.#chunks = buf.length > 0 ? [buf] : [];
    this.#buffered = buf.length;
    // The new head's reply is next: Redis has answered everything before it, so its time runs from now.
    if (settled) this.#arm();
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Where plain-TCP reads land: successive regions of a large buffer, so a reply
 * that takes several reads is contiguous (parsed in place, values sliced out
 * without a copy) and a socket read can take a whole 100-entity reply at once.
 * A new slab starts when the free space runs low; the old one is freed when
 * the last value sliced from it is.
 */
class ReadSlab {
  static readonly SIZE = 1 << 20;
  static readonly MIN_FREE = 128 * 1024;
  #slab = Buffer.allocUnsafe(ReadSlab.SIZE);
  #used = 0;

  /** The region the next read may fill. */
  free(): Buffer {
    if (this.#slab.length - this.#used < ReadSlab.MIN_FREE) {
      this.#slab = Buffer.allocUnsafe(ReadSlab.SIZE);
      this.#used = 0;
    }
    return this.#slab.subarray(this.#used);
  }

  /** The `n` bytes a read put into `region` (from `free`), now taken. */
  take(region: Uint8Array, n: number): Buffer {
    const chunk = Buffer.from(region.buffer, region.byteOffset, n);
    this.#used += n;
    return chunk;
  }
}

function uncork(conn: RedisReadConnection): void {
  conn.uncorkWrites();
}

/**
 * Parses one reply at `pos` into `out.reply` (an array of bulk strings or
 * nils; an error reply as RedisReplyError; a status reply as an empty array)
 * and returns where it ends; or INCOMPLETE (with `out.need`), or OUT_OF_STEP.
 */
function parseReply(buf: Buffer, pos: number, out: ParseOut): number {
  const nl = buf.indexOf(10, pos);
  if (nl < 0) {
    out.need = buf.length + 1;
    return INCOMPLETE;
  }
  const type = buf[pos];
  if (type === 45) {
    out.reply = new RedisReplyError(buf.toString("utf8", pos + 1, nl - 1));
    return nl + 1;
  }
  if (type === 43) {
    out.reply = [];
    return nl + 1;
  }
  if (type !== 42) {
    out.reply = new Error(`unexpected reply type "${String.fromCharCode(type as number)}"`);
    return OUT_OF_STEP;
  }
  const n = parseInt10(buf, pos + 1, nl - 1);
  const items: ArrayReply = new Array(Math.max(0, n));
  let at = nl + 1;
  for (let i = 0; i < n; i++) {
    const lineEnd = at < buf.length ? buf.indexOf(10, at) : -1;
    if (lineEnd < 0) {
      out.need = buf.length + 1;
      return INCOMPLETE;
    }
    if (buf[at] !== 36) {
      out.reply = new Error(`unexpected array element type "${String.fromCharCode(buf[at] as number)}"`);
      return OUT_OF_STEP;
    }
    const len = parseInt10(buf, at + 1, lineEnd - 1);
    if (len < 0) {
      items[i] = null;
      at = lineEnd + 1;
      continue;
    }
    const start = lineEnd + 1;
    if (start + len + 2 > buf.length) {
      out.need = start + len + 2;
      return INCOMPLETE;
    }
    items[i] = buf.subarray(start, start + len);
    at = start + len + 2;
  }
  out.reply = items;
  return at;
}

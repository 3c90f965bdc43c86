/**
 * A minimal RESP2 connection for bulk writes: the caller hands over whole
 * frames of already-encoded commands and gets their replies back in order.
 * A general client spends microseconds per command on argument conversion,
 * command objects and reply parsing; materialization sends a million
 * commands whose bytes it already has, so it writes them straight to the
 * socket and parses the (integer) replies itself. (Serving reads have their
 * own connection, redis-read-connection.ts; both share the connect and setup
 * helpers below.)
 *
 * Replies: integers as numbers, simple strings as strings, bulk strings as
 * Buffers (or null), arrays as arrays, errors as `RespError` values (not
 * thrown: one command's error does not fail the others of its frame).
 * A dropped connection or a Redis that stops answering for `timeoutMs`
 * rejects every pending frame and closes the connection.
 */
import { isIP, connect as netConnect, type OnReadOpts, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export class RespError {
  constructor(readonly message: string) {}
}

export type RespReply = number | string | Buffer | null | RespError | RespReply[];

export interface RespConnectionOptions {
  host: string;
  port: number;
  tls: boolean;
  username: string | undefined;
  password: string | undefined;
  db: number;
  connectTimeoutMs: number;
  /** A frame whose replies stop arriving for this long fails (and closes the connection). */
  timeoutMs: number;
}

interface Pending {
  remaining: number;
  replies: RespReply[];
  resolve: (replies: RespReply[]) => void;
  reject: (err: Error) => void;
}

const CRLF = Buffer.from("\r\n");

/** The RESP bytes of one command. */
export function respCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === "string" ? Buffer.from(a, "utf8") : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF);
  }
  return Buffer.concat(parts);
}

/** Where and how to reach Redis (a subset of the connection string's settings). */
export interface RedisSocketOptions {
  host: string;
  port: number;
  tls: boolean;
  connectTimeoutMs: number;
}

/**
 * A connected socket to Redis (TLS when asked), or an error after
 * `connectTimeoutMs`. `onread` (plain TCP only) hands reads to the caller's
 * buffers instead of "data" events.
 */
export async function connectRedisSocket(o: RedisSocketOptions, onread?: OnReadOpts): Promise<Socket> {
  const socket = o.tls
    ? // SNI takes a host name, never an IP address.
      tlsConnect({ host: o.host, port: o.port, ...(isIP(o.host) ? {} : { servername: o.host }) })
    : netConnect({ host: o.host, port: o.port, ...(onread ? { onread } : {}) });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${o.host}:${o.port} timed out after ${o.connectTimeoutMs} ms`));
    }, o.connectTimeoutMs);
    socket.once(o.tls ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return socket;
}

/** The commands that authenticate and select the database on a new connection. */
export function setupCommands(o: {
  username: string | undefined;
  password: string | undefined;
  db: number;
}): string[][] {
  const setup: string[][] = [];
  if (o.password !== undefined)
    setup.push(o.username ? ["AUTH", o.username, o.password] : ["AUTH", o.password]);
  if (o.db !== 0) setup.push(["SELECT", String(o.db)]);
  return setup;
}

/** Parse state: a reply being built when a frame's bytes end mid-array. */
const INCOMPLETE = Symbol("incomplete");

export class RespConnection {
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  readonly #pending: Pending[] = [];
  #buf: Buffer = Buffer.alloc(0);
  #closed: Error | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err) => this.#fail(err));
    socket.on("close", () => this.#fail(new Error("connection closed")));
  }

  /** Connects, authenticates and selects the database. */
  static async open(o: RespConnectionOptions): Promise<RespConnection> {
    const socket = await connectRedisSocket(o);
    const conn = new RespConnection(socket, o.timeoutMs);
    const setup = setupCommands(o).map(respCommand);
    if (setup.length > 0) {
      for (const r of await conn.send(setup, setup.length)) {
        if (r instanceof RespError) {
          conn.close();
          throw new Error(r.message);
        }
      }
    }
    return conn;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Sends a frame of `replies` commands; resolves with their replies, in order. */
  send(frame: Buffer | Buffer[], replies: number): Promise<RespReply[]> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<RespReply[]>((resolve, reject) => {
      if (replies === 0) {
        resolve([]);
        return;
      }
      this.#pending.push({ remaining: replies, replies: [] as RespReply[], resolve, reject });
      if (Array.isArray(frame)) {
        this.#socket.cork();
        for (const f of frame) this.#socket.write(f);
        this.#socket.uncork();
      } else this.#socket.write(frame);
      this.#arm();
    });
  }

  close(): void {
    this.#fail(new Error("connection closed by the client"));
  }

  /** (Re)starts the no-progress timer while frames are pending. */
  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    this.#timer = setTimeout(
      () => this.#fail(new Error(`Redis did not answer within ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    );
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#closed = err;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket.destroy();
    for (const p of this.#pending.splice(0)) p.reject(err);
  }

  #onData(chunk: Buffer): void {
    let buf = this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
    let pos = 0;
    while (this.#pending.length > 0 && pos < buf.length) {
      const p = this.#pending[0] as Pending;
      // Fast path: integer replies (HSETNX, EXPIRE, EVAL's count), the bulk of the traffic.
      const r = parseReply(buf, pos);
      if (r === INCOMPLETE) break;
      pos = r.end;
      p.replies.push(r.value);
      if (--p.remaining === 0) {
        this.#pending.shift();
        p.resolve(p.replies);
      }
    }
    if (pos < buf.length) buf = buf.subarray(pos);
    else buf = Buffer.alloc(0);
    this.#buf = buf;
    this.#arm();
  }
}

type Parsed = { value: RespReply; end: number } | typeof INCOMPLETE;

/** The line starting at `pos` (without its CRLF) and where the next one starts, or INCOMPLETE. */
function lineEnd(buf: Buffer, pos: number): number {
  const i = buf.indexOf(10, pos);
  return i < 0 ? -1 : i;
}

/** A decimal integer (maybe negative) in [from, to) of a reply line. */
export function parseInt10(buf: Buffer, from: number, to: number): number {
  let neg = false;
  let i = from;
  if (buf[i] === 45) {
    neg = true;
    i++;
  }
  let n = 0;
  for (; i < to; i++) n = n * 10 + ((buf[i] as number) - 48);
  return neg ? -n : n;
}

function parseReply(buf: Buffer, pos: number): Parsed {
  const nl = lineEnd(buf, pos + 1);
  if (nl < 0) return INCOMPLETE;
  const type = buf[pos];
  // Lines end in CRLF: the payload is [pos + 1, nl - 1).
  switch (type) {
    case 58: // ':'
      return { value: parseInt10(buf, pos + 1, nl - 1), end: nl + 1 };
    case 43: // '+'
      return { value: buf.toString("utf8", pos + 1, nl - 1), end: nl + 1 };
    case 45: // '-'
      return { value: new RespError(buf.toString("utf8", pos + 1, nl - 1)), end: nl + 1 };
    case 36: {
      // '$'
      const len = parseInt10(buf, pos + 1, nl - 1);
      if (len < 0) return { value: null, end: nl + 1 };
      const end = nl + 1 + len + 2;
      if (end > buf.length) return INCOMPLETE;
      return { value: Buffer.from(buf.subarray(nl + 1, nl + 1 + len)), end };
    }
    case 42: {
      // '*'
      const n = parseInt10(buf, pos + 1, nl - 1);
      if (n < 0) return { value: null, end: nl + 1 };
      const items: RespReply[] = [];
      let at = nl + 1;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, at);
        if (r === INCOMPLETE) return INCOMPLETE;
        items.push(r.value);
        at = r.end;
      }
      return { value: items, end: at };
    }
    default:
      return { value: new RespError(`unexpected reply type ${String.fromCharCode(type ?? 0)}`), end: nl + 1 };
  }
}

/**
 * The serving reads' own Redis connection (src/online/redis-read-connection.ts):
 * its reply parser against replies cut at every byte (a fake server on
 * loopback), and the store's use of it against a real redis-server: the same
 * rows as written, a script cache flushed under it (NOSCRIPT), and its
 * connection killed between and during reads (UNAVAILABLE or a correct
 * answer, never a wrong one, then recovery).
 */
import { createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineStore, type OnlineStore, readStoredRows, writeOnlineRows } from "../src/online/index.js";
import {
  encodeCommand,
  encodeCommandWith,
  READ_CONNECTION_NAME,
  RedisReadConnection,
  RedisReplyError,
} from "../src/online/redis-read-connection.js";
import { featureView, field, redisStoreConfig, repoConfig, ValueType } from "./support/online-fixtures.js";
import { type StartedRedis, startRedis } from "./support/redis.js";

/** A read connection to a fake server listening on loopback; `onClose` as `RedisReadConnection.open` takes it. */
function openOn(server: Server, onClose: () => void = () => {}): Promise<RedisReadConnection> {
  const addr = server.address();
  return RedisReadConnection.open(
    {
      host: "127.0.0.1",
      port: typeof addr === "object" && addr ? addr.port : 0,
      tls: false,
      username: undefined,
      password: undefined,
      db: 0,
      connectTimeoutMs: 1000,
    },
    onClose,
  );
}

describe("encodeCommand", () => {
  it("writes RESP arrays of bulk strings, byte for byte", () => {
    expect(encodeCommand(["HMGET", Buffer.from([0, 255]), "vü"]).toString("latin1")).toBe(
      Buffer.concat([
        Buffer.from("*3\r\n$5\r\nHMGET\r\n$2\r\n"),
        Buffer.from([0, 255]),
        Buffer.from("\r\n$3\r\nv"),
        Buffer.from("ü"),
        Buffer.from("\r\n"),
      ]).toString("latin1"),
    );
    // Arguments written in place (e.g. entity keys) make the same bytes.
    const parts = [Buffer.from("k\r\n1"), Buffer.alloc(0), Buffer.alloc(300, 1)];
    expect(
      encodeCommandWith(
        ["EVALSHA", "abc", "0", "fv"],
        parts.length,
        (i) => (parts[i] as Buffer).length,
        (i, out, pos) => pos + (parts[i] as Buffer).copy(out, pos),
      ).equals(encodeCommand(["EVALSHA", "abc", "0", "fv", ...parts])),
    ).toBe(true);
    const many = Array.from({ length: 1234 }, (_, i) => "x".repeat(i % 13));
    const bytes = encodeCommand(many).toString("latin1");
    expect(bytes.startsWith("*1234\r\n$0\r\n\r\n$1\r\nx\r\n")).toBe(true);
    expect(bytes.length).toBe(
      7 + many.reduce((n, a) => n + 1 + String(a.length).length + 2 + a.length + 2, 0),
    );
  });
});

/** A server that answers each command with the next canned reply, written in pieces of `cut` bytes. */
async function fakeRedis(replies: Buffer[], cut: number): Promise<Server> {
  const server = createServer((socket: Socket) => {
    let next = 0;
    socket.on("data", async (d) => {
      // One reply per command received (commands here are small: one per data event).
      const commands = d.toString("latin1").split("*").length - 1;
      for (let c = 0; c < commands; c++) {
        const reply = replies[next++] as Buffer;
        for (let at = 0; at < reply.length; at += cut) {
          socket.write(reply.subarray(at, at + cut));
          await new Promise((r) => setImmediate(r));
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

describe("RedisReadConnection's reply parser", () => {
  for (const cut of [1, 2, 3, 5, 64, 100_000]) {
    it(`parses replies that arrive ${cut} byte(s) at a time`, async () => {
      // Bigger than a socket read (64 KB) when it arrives in big pieces; small enough to send byte by byte.
      const big = Buffer.alloc(cut < 64 ? 3_000 : 70_000, 7);
      const replies = [
        Buffer.from("+OK\r\n"), // CLIENT SETNAME
        Buffer.from("*3\r\n$3\r\nabc\r\n$-1\r\n$0\r\n\r\n"),
        Buffer.from("-NOSCRIPT No matching script\r\n"),
        Buffer.concat([Buffer.from(`*2\r\n$${big.length}\r\n`), big, Buffer.from("\r\n$2\r\n\r\n\r\n")]),
        Buffer.from("*0\r\n"),
      ];
      const server = await fakeRedis(replies, cut);
      const conn = await openOn(server);
      try {
        // Pipelined: all sent before any reply arrives; answered in order.
        const a = conn.request(encodeCommand(["HMGET", "k", "a", "b", "c"]), 5000);
        const b = conn.request(encodeCommand(["EVALSHA", "x"]), 5000);
        const c = conn.request(encodeCommand(["HMGET", "k", "big", "crlf"]), 5000);
        const d = conn.request(encodeCommand(["HMGET", "none"]), 5000);
        expect((await a).map((x) => x?.toString())).toEqual(
          ["abc", undefined, ""].map((x) => x ?? undefined),
        );
        expect((await a)[1]).toBeNull();
        await expect(b).rejects.toBeInstanceOf(RedisReplyError);
        await expect(b).rejects.toThrow(/^NOSCRIPT/);
        const [bigValue, crlf] = await c;
        expect(bigValue?.equals(big)).toBe(true);
        expect(crlf?.toString()).toBe("\r\n");
        expect(await d).toEqual([]);
      } finally {
        conn.close();
        server.close();
      }
    });
  }

  it("times each request from when Redis can start on it: a queue of slow replies is not a hung Redis", async () => {
    // Answers the commands in order, each reply 400 ms after the one before (one command per data event
    // or several: counted the same way), so the third of three pipelined requests is answered after
    // about 1.2 s, past a 1 s timeout counted from its sending, though Redis never paused for 1 s.
    const server = createServer((socket) => {
      let ready = false;
      let queue = Promise.resolve();
      socket.on("data", (d) => {
        const commands = d.toString("latin1").split("*").length - 1;
        for (let c = 0; c < commands; c++) {
          if (!ready) {
            ready = true;
            socket.write("+OK\r\n"); // CLIENT SETNAME
            continue;
          }
          queue = queue
            .then(() => new Promise((r) => setTimeout(r, 400)))
            .then(() => {
              socket.write("*1\r\n$2\r\nok\r\n");
            });
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const conn = await openOn(server);
    try {
      const started = Date.now();
      const replies = await Promise.all(
        [1, 2, 3].map(() => conn.request(encodeCommand(["HMGET", "k", "f"]), 1000)),
      );
      expect(replies.map((r) => r[0]?.toString())).toEqual(["ok", "ok", "ok"]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
      expect(conn.open).toBe(true);
    } finally {
      conn.close();
      server.close();
    }
  });

  it("times a request from when its bytes leave, not from its call (a busy loop before the flush)", async () => {
    const server = createServer((socket) => {
      socket.on("data", (d) => {
        const commands = d.toString("latin1").split("*").length - 1;
        // Every command (CLIENT SETNAME included) gets the same one-element array at once.
        for (let c = 0; c < commands; c++) socket.write("*1\r\n$2\r\nok\r\n");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const conn = await openOn(server);
    try {
      // Requests made, then the event loop kept busy for 3 timeouts before their bytes are flushed
      // (as when a big read builds many commands on a loaded machine).
      const waits = [1, 2, 3].map(() => conn.request(encodeCommand(["HMGET", "k", "f"]), 100));
      const until = Date.now() + 300;
      while (Date.now() < until) {
        // busy
      }
      const replies = await Promise.all(waits);
      expect(replies.map((r) => r[0]?.toString())).toEqual(["ok", "ok", "ok"]);
      expect(conn.open).toBe(true);
    } finally {
      conn.close();
      server.close();
    }
  });

  it("fails every waiting request when the server does not answer in time, and closes", async () => {
    const server = createServer((socket) => {
      socket.once("data", () => socket.write("+OK\r\n"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    let closed = 0;
    const conn = await openOn(server, () => closed++);
    const started = Date.now();
    const waits = [1, 2].map(() => conn.request(encodeCommand(["HMGET", "k", "f"]), 150));
    for (const r of await Promise.allSettled(waits)) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "UNAVAILABLE" });
    }
    expect(Date.now() - started).toBeLessThan(1000);
    expect(conn.open).toBe(false);
    expect(closed).toBe(1);
    server.close();
  });

  it("times a short request after a long one on time (one timer serves both)", async () => {
    // Answers the setup and the first HMGET, then nothing.
    let commands = 0;
    const server = createServer((socket) => {
      socket.on("data", (d) => {
        for (let n = d.toString("latin1").split("*").length - 1; n > 0; n--) {
          commands++;
          if (commands === 1) socket.write("+OK\r\n");
          else if (commands === 2) socket.write("*1\r\n$1\r\nx\r\n");
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const conn = await openOn(server);
    // The first request arms the timer for 20 s; its reply comes at once.
    expect(await conn.request(encodeCommand(["HMGET", "k", "f"]), 20_000)).toEqual([Buffer.from("x")]);
    const started = Date.now();
    await expect(conn.request(encodeCommand(["HMGET", "k", "f"]), 150)).rejects.toMatchObject({
      code: "UNAVAILABLE",
    });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(5000);
    server.close();
  });
});

describe("the Redis store's reads over the read connection (real redis-server)", () => {
  let redis: StartedRedis;
  let admin: Redis;
  const id = field("id", ValueType.INT64);
  const view = featureView(
    "rc_view",
    [id],
    [field("x", ValueType.INT64), field("s", ValueType.STRING)],
    0,
    [],
  );
  const ts = new Date(1_700_000_000_000);
  const N = 300;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis({ host: "127.0.0.1", port: redis.port });
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  /** Reads until the store has opened its read connection (it opens in the background). */
  async function readerOpen(store: OnlineStore, read: () => Promise<unknown>): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await read();
      const list = (await admin.client("LIST")) as string;
      if (list.includes(`name=${READ_CONNECTION_NAME}`)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`store ${store.type} never opened its read connection`);
  }

  /** The last command the store's read connection ran (CLIENT LIST's `cmd`; ioredis's runs do not count). */
  async function readerLastCommand(): Promise<string | undefined> {
    const list = (await admin.client("LIST")) as string;
    const line = list.split("\n").find((l) => l.includes(`name=${READ_CONNECTION_NAME} `));
    return / cmd=(\S+)/.exec(line ?? "")?.[1];
  }

  for (const layout of ["packed", "feast"] as const) {
    it(`${layout}: returns what was written, through the read connection, also after SCRIPT FLUSH`, async () => {
      const store = createOnlineStore(
        repoConfig(redisStoreConfig(redis.connectionString, layout), `rc_${layout}`),
      );
      try {
        const rows = Array.from({ length: N }, (_, i) => ({
          entityKey: [BigInt(i)],
          eventTimeUs: ts.getTime() * 1000,
          values: [BigInt(i) * 7n, `s${i}`],
        }));
        await writeOnlineRows(store, view, rows);
        const keys = Array.from({ length: N + 20 }, (_, i) => [BigInt(i)]);
        const lookup = { view, features: ["s", "x"], entityKeys: keys };
        const expectRows = (got: ({ values: Map<string, unknown> } | undefined)[][]) => {
          expect(got[0]).toHaveLength(N + 20);
          got[0]?.forEach((row, i) => {
            if (i >= N) expect(row).toBeUndefined();
            else expect(Object.fromEntries(row?.values ?? [])).toEqual({ x: BigInt(i) * 7n, s: `s${i}` });
          });
        };
        await readerOpen(store, () => readStoredRows(store, [lookup]));
        expectRows(await readStoredRows(store, [lookup]));
        expect(await readerLastCommand()).toBe("evalsha");
        // One entity: HMGET on the read connection.
        const one = await readStoredRows(store, [{ view, features: ["x"], entityKeys: [[5n]] }]);
        expect(one[0]?.[0]?.values.get("x")).toBe(35n);
        expect(await readerLastCommand()).toBe("hmget");
        // Two lookups of one key: the merged script read.
        const two = await readStoredRows(store, [
          { view, features: ["x"], entityKeys: [[6n], [N + 3].map(BigInt)] },
          { view, features: ["s"], entityKeys: [[6n]] },
        ]);
        expect([two[0]?.[0]?.values.get("x"), two[0]?.[1], two[1]?.[0]?.values.get("s")]).toEqual([
          42n,
          undefined,
          "s6",
        ]);
        expect(await readerLastCommand()).toBe("evalsha");
        // A Redis that lost its scripts (restart, SCRIPT FLUSH) still answers correctly.
        await admin.script("FLUSH");
        expectRows(await readStoredRows(store, [lookup]));
        expectRows(await readStoredRows(store, [lookup]));
      } finally {
        await store.close();
      }
    });
  }

  it("a killed read connection fails at most the reads in flight (UNAVAILABLE), then reads recover", async () => {
    const store = createOnlineStore(
      repoConfig(redisStoreConfig(redis.connectionString, "packed"), "rc_kill"),
    );
    try {
      await writeOnlineRows(store, view, [
        { entityKey: [1n], eventTimeUs: ts.getTime() * 1000, values: [9n, "a"] },
      ]);
      const lookup = { view, features: ["x"], entityKeys: [[1n], [2n]] };
      await readerOpen(store, () => readStoredRows(store, [lookup]));
      const inFlight = Promise.allSettled(Array.from({ length: 20 }, () => readStoredRows(store, [lookup])));
      await admin.client("KILL", "SKIPME", "yes", "TYPE", "normal");
      for (const r of await inFlight) {
        if (r.status === "fulfilled") expect(r.value[0]?.[0]?.values.get("x")).toBe(9n);
        else expect(r.reason).toMatchObject({ code: "UNAVAILABLE" });
      }
      // Reads recover (through the general client, then the reopened read connection).
      const deadline = Date.now() + 5000;
      let ok = false;
      while (!ok && Date.now() < deadline) {
        try {
          ok = (await readStoredRows(store, [lookup]))[0]?.[0]?.values.get("x") === 9n;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      expect(ok).toBe(true);
      await readerOpen(store, () => readStoredRows(store, [lookup]));
    } finally {
      await store.close();
    }
  });
});

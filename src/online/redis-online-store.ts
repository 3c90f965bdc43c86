/**
 * The Redis online store (standalone or cluster; `packed` or `feast` layout).
 * Keys are Feast's: entity key v3 + project. A layout is a codec (which hash
 * fields hold a view's row, how they become a packed row, how a batch is
 * written): `packed` keeps the packed row in one field per view,
 * `redis-feast-layout.ts` translates to Feast's per-feature fields. Every
 * operation has one path whatever the layout.
 *
 * Two clients, each for its own purpose:
 * - ioredis owns the connection's life: the first connect and cluster
 *   discovery, reconnects and their outage errors (UNAVAILABLE), the cluster's
 *   slot table, reads on a cluster (or while the read connection cannot be
 *   opened, and reads of 4,000 keys or more, split into several script
 *   calls), a read script Redis lost (NOSCRIPT: ioredis reloads it) and scans
 *   (sampling, deleting a view).
 * - Raw RESP connections do the hot paths, where a general client spends
 *   hundreds of microseconds per call on argument conversion, command objects
 *   and timers: on a standalone Redis, serving reads go over one lean read
 *   connection (`redis-read-connection.ts`); every write goes through the
 *   bulk writer (`redis-bulk-writer.ts`, a connection per node), which
 *   builds its commands straight from the encoded batch.
 *
 * A read costs one round trip: one command (HMGET, or a read script for
 * many keys), or one per node in a cluster. Writes keep the older-over-newer
 * rule inside Lua scripts (`redis-scripts.ts`), many rows per call.
 */
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { RedisOnlineStoreConfig } from "../config/types.js";
import { unavailable } from "../errors/index.js";
import type { FeatureViewDef } from "../registry/model.js";
import {
  createEntityKeyEncoder,
  deserializeEntityKey,
  type EntityKeyEncoder,
  projectOfStoredKey,
} from "./entity-key.js";
import type { EncodedRows, EntityKeyValues, OnlineStore, ViewLookup, WriteResult } from "./online-store.js";
import { RedisBulkWriter } from "./redis-bulk-writer.js";
import {
  createRedisClient,
  parseRedisConnectionString,
  type RedisClient,
  redisError,
  whenReady,
} from "./redis-connection.js";
import { feastFieldsToPacked, feastViewFields, feastWriteFrames } from "./redis-feast-layout.js";
import {
  type ArrayReply,
  encodeCommand,
  encodeCommandWith,
  type ReadConnectionOptions,
  RedisReadConnection,
} from "./redis-read-connection.js";
import { writeScripts } from "./redis-scripts.js";
import { redisSlot } from "./redis-slot.js";

export interface RedisOnlineStoreOptions {
  project: string;
  config: RedisOnlineStoreConfig;
  /** Per-command timeout of the connection (bounds writes and scans); default 10,000 ms. */
  commandTimeoutMs?: number;
  /**
   * A read not answered within this is UNAVAILABLE (a hung or unreachable
   * Redis never blocks serving, waiting for a connection included); default
   * the config's `read_timeout_ms` (1000 ms), per 4,000 keys for bigger reads.
   */
  readTimeoutMs?: number;
  /** Connect timeout; default 1000 ms. */
  connectTimeoutMs?: number;
  /** How long a request waits for a reconnect in progress before UNAVAILABLE; default 200 ms. */
  readyWaitMs?: number;
  /** Rows per script call; default 500. */
  rowsPerCall?: number;
}

/** The read scripts as ioredis defines them (`defineCommand`): binary replies. */
interface ReadCommand {
  fstoreReadBuffer(numKeys: number, ...args: (Buffer | string)[]): Promise<(Buffer | null)[]>;
  fstoreReadFieldBuffer(numKeys: number, ...args: (Buffer | string)[]): Promise<(Buffer | null)[]>;
}

/**
 * Upper bound on a read script call's arguments: bigger reads are several
 * calls sent together, as a spread of ~100k arguments overflows the stack.
 */
const READ_ARGS_PER_CALL = 4000;

/** A Redis layout: where a view's row lives in an entity's hash and how it is written. */
interface RedisLayout {
  /** The hash fields holding a view's row; the last one marks that a row exists. */
  fields(view: FeatureViewDef): readonly (string | Buffer)[];
  /** The packed row from the values of `fields(view)` at `reply[at ..]` (undefined: no row). */
  toPacked(view: FeatureViewDef, reply: ArrayReply, at: number): Buffer | undefined;
  write(view: FeatureViewDef, batch: EncodedRows, bulk: RedisBulkWriter): Promise<WriteResult>;
}

const packedFields = new WeakMap<FeatureViewDef, readonly string[]>();

/** The packed row in one field named after the view. */
const PACKED_LAYOUT: RedisLayout = {
  fields(view) {
    let f = packedFields.get(view);
    if (!f) {
      f = [view.name];
      packedFields.set(view, f);
    }
    return f;
  },
  toPacked: (_view, reply, at) => reply[at] ?? undefined,
  write: (view, batch, bulk) => bulk.write(view.name, batch),
};

/** Feast's fields (redis-feast-layout.ts), written by the Feast compare-and-set script. */
function feastLayout(script: string, ttlSeconds: number): RedisLayout {
  return {
    fields: feastViewFields,
    toPacked: feastFieldsToPacked,
    write: (view, batch, bulk) =>
      bulk.writeFrames(batch, (rows, keyOf) =>
        feastWriteFrames(script, view, batch, rows, keyOf, ttlSeconds),
      ),
  };
}

/** Opens a Redis online store (the connection is made in the background). */
export function createRedisOnlineStore(options: RedisOnlineStoreOptions): OnlineStore {
  return new RedisOnlineStore(options);
}

type Pipeline = ReturnType<Redis["pipeline"]>;

/** One HMGET of a merged read: a key and the fields every lookup wants from it. */
interface KeyRead {
  key: Buffer;
  fields: (string | Buffer)[];
  /** Per lookup reading this key: lookup index, entity index, first field index. */
  sinks: number[];
}

class RedisOnlineStore implements OnlineStore {
  readonly type = "redis" as const;
  readonly #client: RedisClient;
  readonly #cluster: boolean;
  readonly #layout: RedisLayout;
  readonly #project: string;
  /** The configured address, named in outage errors. */
  readonly #address: string;
  readonly #readyWaitMs: number;
  readonly #readTimeoutMs: number;
  readonly #connectWaitMs: number;
  #everReady = false;
  readonly #encoders = new WeakMap<FeatureViewDef, EntityKeyEncoder>();
  /** Every write, whatever the layout (raw RESP, a connection per node). */
  readonly #bulk: RedisBulkWriter;
  /** Standalone only: how to open the serving reads' own connection (see redis-read-connection.ts). */
  readonly #readConnection: ReadConnectionOptions | undefined;
  #reader: RedisReadConnection | undefined;
  #readerOpening = false;
  /** Settles when the opening in progress ends (opened or not). */
  #readerOpened: Promise<void> | undefined;
  #readerRetryAt = 0;
  #closing = false;
  /** SHA-1 of the read scripts (EVALSHA on the read connection). */
  readonly #readSha: { read: string; readField: string };

  constructor(o: RedisOnlineStoreOptions) {
    this.#project = o.project;
    this.#cluster = o.config.redisType === "redis_cluster";
    this.#readyWaitMs = o.readyWaitMs ?? 200;
    this.#readTimeoutMs = o.readTimeoutMs ?? o.config.readTimeoutMs ?? 1000;
    this.#connectWaitMs = 2 * (o.connectTimeoutMs ?? 1000) + 1000;
    const ttlSeconds = o.config.keyTtlSeconds ?? 0;
    const s = writeScripts(this.#cluster);
    this.#layout = o.config.layout === "packed" ? PACKED_LAYOUT : feastLayout(s.feast, ttlSeconds);
    this.#client = createRedisClient(o.config, {
      commandTimeoutMs: o.commandTimeoutMs ?? 10_000,
      connectTimeoutMs: o.connectTimeoutMs ?? 1000,
    });
    this.#client.defineCommand("fstoreRead", { lua: s.read });
    this.#client.defineCommand("fstoreReadField", { lua: s.readField });
    this.#readSha = { read: sha1(s.read), readField: sha1(s.readField) };
    const connection = parseRedisConnectionString(o.config.connectionString);
    this.#address = connection.endpoints.map((e) => `${e.host}:${e.port}`).join(",");
    if (!this.#cluster) {
      const c = connection;
      const ep = c.endpoints[0] as { host: string; port: number };
      this.#readConnection = {
        host: ep.host,
        port: ep.port,
        tls: c.ssl,
        username: c.username,
        password: c.password,
        db: c.db,
        connectTimeoutMs: o.connectTimeoutMs ?? 1000,
      };
    }
    // The read connection opens as soon as Redis is ready (not on the first read), so a burst of
    // first reads goes over it rather than queueing on ioredis (see #readReady).
    if (this.#readConnection) this.#client.on("ready", () => this.#openReader());
    this.#bulk = new RedisBulkWriter({
      connection,
      cluster: this.#cluster ? (this.#client as Cluster) : undefined,
      project: o.project,
      ttlSeconds,
      script: s.packed,
      connectTimeoutMs: o.connectTimeoutMs ?? 1000,
      commandTimeoutMs: o.commandTimeoutMs ?? 10_000,
      rowsPerCall: o.rowsPerCall ?? 500,
    });
  }

  #encoder(view: FeatureViewDef): EntityKeyEncoder {
    let e = this.#encoders.get(view);
    if (!e) {
      e = createEntityKeyEncoder(view.entityColumns, this.#project);
      this.#encoders.set(view, e);
    }
    return e;
  }

  async write(view: FeatureViewDef, batch: EncodedRows): Promise<WriteResult> {
    if (batch.count === 0) return { written: 0, skippedStale: 0 };
    await this.#ready();
    return this.#layout.write(view, batch, this.#bulk);
  }

  /**
   * Merges every lookup's keys (views of one entity share a Redis hash, so
   * one HMGET serves them all), fetches them in one round trip, and turns
   * each lookup's fields into its packed row with the layout.
   */
  async read(lookups: ViewLookup[], signal?: AbortSignal): Promise<(Buffer | undefined)[][]> {
    const out = lookups.map((l) => new Array<Buffer | undefined>(l.entityKeys.length).fill(undefined));
    const layout = this.#layout;
    const only = lookups.length === 1 ? (lookups[0] as ViewLookup) : undefined;
    const onlyFields = only && layout.fields(only.view);
    if (only && only.entityKeys.length > 1 && onlyFields?.length === 1) {
      // Many entities of one view in one field (packed): one argument per key, no merging.
      const field = onlyFields[0] as string | Buffer;
      const count = only.entityKeys.length;
      const budget = this.#readBudget(count);
      const ready = this.#readReady(signal, budget);
      const waited = typeof ready === "number" ? ready : await ready;
      const reader = count < READ_ARGS_PER_CALL ? this.#openReader() : undefined;
      // Through ioredis without the read connection, or when Redis lost the script. An anonymous
      // arrow, not a named function made per read (see #fetch).
      const flat = reader
        ? await this.#readFieldOn(reader, only, field, () =>
            withTimeout(this.#fetchField(only, field), budget - waited, this.#address, budget),
          )
        : await withTimeout(this.#fetchField(only, field), budget - waited, this.#address, budget);
      const row = out[0] as (Buffer | undefined)[];
      for (let i = 0; i < count; i++) row[i] = layout.toPacked(only.view, flat, i);
      return out;
    }
    const list: KeyRead[] = [];
    if (only && only.entityKeys.length === 1) {
      // One entity of one view (the common serving request): no merging needed.
      const key = this.#encoder(only.view)(only.entityKeys[0] as EntityKeyValues);
      list.push({ key, fields: onlyFields as (string | Buffer)[], sinks: [0, 0, 0] });
    } else {
      const reads = new Map<string, KeyRead>();
      lookups.forEach((l, li) => {
        const encode = this.#encoder(l.view);
        const fields = layout.fields(l.view);
        l.entityKeys.forEach((ek, ei) => {
          const key = encode(ek);
          const id = key.toString("latin1");
          let r = reads.get(id);
          if (!r) {
            r = { key, fields: [], sinks: [] };
            reads.set(id, r);
            list.push(r);
          }
          r.sinks.push(li, ei, r.fields.length);
          for (const f of fields) r.fields.push(f);
        });
      });
    }
    if (list.length === 0) return out;
    const budget = this.#readBudget(list.length);
    const ready = this.#readReady(signal, budget);
    const waited = typeof ready === "number" ? ready : await ready;
    const replies = await this.#fetch(list, budget - waited, budget);
    list.forEach((r, ri) => {
      const reply = replies[ri] as ArrayReply;
      for (let s = 0; s < r.sinks.length; s += 3) {
        const li = r.sinks[s] as number;
        (out[li] as (Buffer | undefined)[])[r.sinks[s + 1] as number] = layout.toPacked(
          (lookups[li] as ViewLookup).view,
          reply,
          r.sinks[s + 2] as number,
        );
      }
    });
    return out;
  }

  /**
   * One HMGET per merged key, in one round trip: a single command for one
   * key, else read script calls (per node in a cluster, in parallel) of at
   * most READ_ARGS_PER_CALL arguments each, sent together (auto-pipelined),
   * so no argument list grows with the request (a spread of ~100k arguments
   * overflows the stack).
   */
  async #fetch(list: KeyRead[], timeoutMs: number, budget: number): Promise<(Buffer | null)[][]> {
    // The read connection bounds its requests with its own timer; reads through ioredis get `timeoutMs`.
    if (list.length === 1 && !this.#cluster) {
      const only = list[0] as KeyRead;
      const reader = this.#openReader();
      if (reader) {
        try {
          return [
            await reader.request(encodeCommand(["HMGET", only.key, ...only.fields]), this.#readTimeoutMs),
          ];
        } catch (err) {
          throw this.#error(err, "read");
        }
      }
      const read = (this.#client as Redis).hmgetBuffer(only.key, ...only.fields).catch((err: unknown) => {
        throw this.#error(err, "read");
      });
      return [await withTimeout(read, timeoutMs, this.#address, budget)];
    }
    // Not made on the one-key path above: tsx (esbuild's keepNames) names a function bound to a
    // name with Object.defineProperty when it is made, about 1 µs and a map of its own per request.
    const viaClient = <T>(read: Promise<T>) => withTimeout(read, timeoutMs, this.#address, budget);
    const replies = new Array<(Buffer | null)[]>(list.length);
    const calls: Promise<void>[] = [];
    const call = (indices: number[], from: number, to: number) => {
      const args: (Buffer | string)[] = [(list[indices[from] as number] as KeyRead).key];
      for (let k = from; k < to; k++) {
        const r = list[indices[k] as number] as KeyRead;
        args.push(r.key, String(r.fields.length));
        for (const f of r.fields) args.push(f);
      }
      const reader = this.#cluster ? undefined : this.#openReader();
      calls.push(
        (reader
          ? this.#requestOn(
              reader,
              encodeCommand(["EVALSHA", this.#readSha.read, "1", ...args]),
              args.length,
              () => viaClient(this.#readScript(args)),
            )
          : viaClient(this.#readScript(args))
        ).then((flat) => {
          let at = 0;
          for (let k = from; k < to; k++) {
            const i = indices[k] as number;
            const n = (list[i] as KeyRead).fields.length;
            replies[i] = flat.slice(at, at + n);
            at += n;
          }
        }),
      );
    };
    for (const indices of this.#groupByNode(list.map((r) => r.key)).values()) {
      let from = 0;
      let size = 1;
      for (let k = 0; k < indices.length; k++) {
        const n = 2 + (list[indices[k] as number] as KeyRead).fields.length;
        if (k > from && size + n > READ_ARGS_PER_CALL) {
          call(indices, from, k);
          from = k;
          size = 1;
        }
        size += n;
      }
      call(indices, from, indices.length);
    }
    await Promise.all(calls);
    return replies;
  }

  /**
   * One field of many entities of one view through ioredis, in one round trip: script calls of
   * at most READ_ARGS_PER_CALL keys (per node in a cluster), sent together.
   */
  async #fetchField(lookup: ViewLookup, field: string | Buffer): Promise<(Buffer | null)[]> {
    const keys = lookup.entityKeys.map(this.#encoder(lookup.view));
    const read = (args: (Buffer | string)[]) =>
      (this.#client as unknown as ReadCommand).fstoreReadFieldBuffer(1, ...args).catch((err: unknown) => {
        throw this.#error(err, "read");
      });
    if (!this.#cluster && keys.length < READ_ARGS_PER_CALL) return read([keys[0] as Buffer, field, ...keys]);
    const replies = new Array<Buffer | null>(keys.length);
    const calls: Promise<void>[] = [];
    for (const indices of this.#groupByNode(keys).values()) {
      for (let from = 0; from < indices.length; from += READ_ARGS_PER_CALL - 2) {
        const to = Math.min(indices.length, from + READ_ARGS_PER_CALL - 2);
        const args: (Buffer | string)[] = [keys[indices[from] as number] as Buffer, field];
        for (let k = from; k < to; k++) args.push(keys[indices[k] as number] as Buffer);
        calls.push(
          read(args).then((flat) => {
            for (let k = from; k < to; k++) replies[indices[k] as number] = flat[k - from] ?? null;
          }),
        );
      }
    }
    await Promise.all(calls);
    return replies;
  }

  /**
   * The serving reads' own connection when it is open (standalone Redis). Otherwise, when the
   * ioredis client is ready, starts opening it (at most once a second) and returns undefined:
   * this read goes through ioredis, which owns reconnects and outage errors.
   */
  #openReader(): RedisReadConnection | undefined {
    const open = this.#reader;
    if (open?.open) return open;
    const options = this.#readConnection;
    if (
      options === undefined ||
      this.#readerOpening ||
      this.#closing ||
      Date.now() < this.#readerRetryAt ||
      this.#client.status !== "ready"
    )
      return undefined;
    this.#readerOpening = true;
    let opened: RedisReadConnection | undefined;
    this.#readerOpened = RedisReadConnection.open(options, () => {
      if (this.#reader === opened) this.#reader = undefined;
      this.#readerRetryAt = Date.now() + 1000;
    })
      .then(
        (conn) => {
          opened = conn;
          if (this.#closing) conn.close();
          else this.#reader = conn;
        },
        () => {
          this.#readerRetryAt = Date.now() + 1000;
        },
      )
      .finally(() => {
        this.#readerOpening = false;
      });
    return undefined;
  }

  /**
   * The packed field of one view for many entities on the read connection: the keys are
   * encoded straight into the command (EVALSHA of the field read; no declared keys, standalone).
   */
  #readFieldOn(
    reader: RedisReadConnection,
    lookup: ViewLookup,
    field: string | Buffer,
    viaClient: () => Promise<ArrayReply>,
  ): Promise<ArrayReply> {
    const encode = this.#encoder(lookup.view);
    const keys = lookup.entityKeys;
    const frame = encodeCommandWith(
      ["EVALSHA", this.#readSha.readField, "0", field],
      keys.length,
      (i) => encode.size(keys[i] as EntityKeyValues),
      (i, out, pos) => encode.into(keys[i] as EntityKeyValues, out, pos),
    );
    return this.#requestOn(reader, frame, keys.length, viaClient);
  }

  /**
   * A read script call (EVALSHA `frame`, for `size` keys or arguments) on the read connection. A
   * Redis that does not know the script yet (NOSCRIPT, e.g. after a restart) gets it through
   * `viaClient` (ioredis sends EVAL, which caches it).
   */
  async #requestOn(
    reader: RedisReadConnection,
    frame: Buffer,
    size: number,
    viaClient: () => Promise<ArrayReply>,
  ): Promise<ArrayReply> {
    try {
      return await reader.request(frame, this.#readBudget(size));
    } catch (err) {
      if ((err as Error).message?.startsWith("NOSCRIPT")) return viaClient();
      throw this.#error(err, "read");
    }
  }

  /** A read of `keys` keys waits `readTimeoutMs` per script call's worth of keys (big reads take longer). */
  #readBudget(keys: number): number {
    return this.#readTimeoutMs * Math.max(1, Math.ceil(keys / READ_ARGS_PER_CALL));
  }

  /** The read script (ioredis sends EVALSHA and loads the script itself when Redis does not know it). */
  async #readScript(args: (Buffer | string)[]): Promise<(Buffer | null)[]> {
    try {
      return await (this.#client as unknown as ReadCommand).fstoreReadBuffer(1, ...args);
    } catch (err) {
      throw this.#error(err, "read");
    }
  }

  async sampleEntityKeys(view: FeatureViewDef, limit: number): Promise<EntityKeyValues[]> {
    const fields = this.#layout.fields(view);
    const field = fields[fields.length - 1] as string | Buffer;
    const out: EntityKeyValues[] = [];
    await this.#scanProjectKeys(async (keys, node) => {
      const candidates: { key: Buffer; values: EntityKeyValues }[] = [];
      for (const key of keys) {
        const values = this.#entityOf(view, key);
        if (values) candidates.push({ key, values });
      }
      if (candidates.length === 0) return out.length >= limit;
      const p = node.pipeline();
      for (const c of candidates) p.hexists(c.key, field);
      const res = await this.#exec(p, "sample");
      res.forEach(([err, exists], i) => {
        if (!err && exists === 1 && out.length < limit)
          out.push((candidates[i] as { values: EntityKeyValues }).values);
      });
      return out.length >= limit;
    });
    return out;
  }

  async deleteView(view: FeatureViewDef): Promise<void> {
    const fields = this.#layout.fields(view);
    await this.#scanProjectKeys(async (keys, node) => {
      const p = node.pipeline();
      for (const key of keys) p.hdel(key, ...fields);
      await this.#exec(p, "delete");
      return false;
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#reader?.close();
    this.#bulk?.close();
    try {
      if (this.#client.status === "ready") await this.#client.quit();
      else this.#client.disconnect();
    } catch {
      this.#client.disconnect();
    }
  }

  /**
   * Waits for the client to be ready, at most `waitMs`. The first connection may take a while
   * (cluster discovery); after that, fail fast during outages.
   */
  async #ready(
    waitMs = this.#everReady ? this.#readyWaitMs : this.#connectWaitMs,
    signal?: AbortSignal,
  ): Promise<void> {
    await whenReady(this.#client, waitMs, this.#address, signal);
    this.#everReady = true;
  }

  /**
   * A serving read's wait for the connection, within the read's `budget` even before the first
   * connect (a Redis that never answers fails every read within the bound, not the connect wait's
   * seconds); the ms waited, which the reply's timeout then has less: 0 at once when the
   * connection is ready (the serving path then costs no await).
   */
  #readReady(signal: AbortSignal | undefined, budget: number): number | Promise<number> {
    if (signal?.aborted) throw this.#error(signal.reason, "read (cancelled)");
    if (this.#client.status === "ready" && !this.#readerOpening) {
      this.#everReady = true;
      return 0;
    }
    return this.#waitReady(signal, budget);
  }

  async #waitReady(signal: AbortSignal | undefined, budget: number): Promise<number> {
    const started = performance.now();
    if (this.#client.status !== "ready") {
      await this.#ready(Math.min(this.#everReady ? this.#readyWaitMs : budget, budget), signal);
    }
    // A read connection being opened (right after a connect) is worth its few ms: through ioredis,
    // a burst of reads would queue on one connection with each timeout running from its sending,
    // so under load the last of 120 large reads expired after 1 s while every reply was arriving.
    const opening = this.#readerOpening ? this.#readerOpened : undefined;
    if (opening) {
      const left = budget - (performance.now() - started);
      if (left > 1) await withTimeout(opening, left, this.#address, budget).catch(() => undefined);
    }
    // The reply gets what is left of the bound (at least a millisecond).
    return Math.min(budget - 1, Math.ceil(performance.now() - started));
  }

  /** A driver error translated where it enters, naming the store's address. */
  #error(err: unknown, what: string): Error {
    return redisError(err, what, this.#address);
  }

  async #exec(p: Pipeline, what: string): Promise<[Error | null, unknown][]> {
    try {
      return ((await p.exec()) ?? []) as [Error | null, unknown][];
    } catch (err) {
      throw redisError(err, what);
    }
  }

  /** Indices of `keys` grouped by the node serving them (one group when standalone). */
  #groupByNode(keys: Buffer[]): Map<string, number[]> {
    const groups = new Map<string, number[]>();
    if (!this.#cluster) {
      groups.set(
        "",
        keys.map((_, i) => i),
      );
      return groups;
    }
    const slots = (this.#client as Cluster).slots;
    keys.forEach((key, i) => {
      const node = slots[redisSlot(key)]?.[0] ?? "";
      let g = groups.get(node);
      if (!g) {
        g = [];
        groups.set(node, g);
      }
      g.push(i);
    });
    return groups;
  }

  /** Calls `visit` with batches of this project's keys from every (master) node until it returns true. */
  async #scanProjectKeys(visit: (keys: Buffer[], node: Redis) => Promise<boolean>): Promise<void> {
    await this.#ready();
    const nodes = this.#cluster ? (this.#client as Cluster).nodes("master") : [this.#client as Redis];
    const pattern = `*${this.#project.replace(/[*?[\]\\]/g, "\\$&")}`;
    for (const node of nodes) {
      let cursor = "0";
      do {
        let res: [Buffer, Buffer[]];
        try {
          res = await node.scanBuffer(cursor, "MATCH", pattern, "COUNT", 1000);
        } catch (err) {
          throw this.#error(err, "scan");
        }
        cursor = res[0].toString();
        // MATCH "*b" also matches project "ab"'s keys: keep those whose entity key ends where "b" starts.
        const keys = res[1].filter((k) => projectOfStoredKey(k) === this.#project);
        if (keys.length > 0 && (await visit(keys, node))) return;
      } while (cursor !== "0");
    }
  }

  /** The view's entity values of a key of this project, or undefined if the key is of another entity. */
  #entityOf(view: FeatureViewDef, key: Buffer): EntityKeyValues | undefined {
    const suffix = Buffer.byteLength(this.#project, "utf8");
    try {
      const values = deserializeEntityKey(view.entityColumns, key.subarray(0, key.length - suffix));
      return this.#encoder(view)(values).equals(key) ? values : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Rejects with UNAVAILABLE when `p` does not settle within `ms`. One timer and
 * one promise per read (no Promise.race and its extra promises on the hot path).
 */
function withTimeout<T>(p: Promise<T>, ms: number, address: string, budget: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(unavailable(`Redis at ${address} did not answer the read within ${budget} ms`)),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

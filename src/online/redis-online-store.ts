/**
 * The Redis online store (standalone or cluster; `packed` or `feast` layout).
 * Keys are Feast's: entity key v3 + project. Reads cost one round trip per
 * request: one command (HMGET, or a read script for many keys), or one per
 * node in a cluster. On a standalone Redis serving reads go over their own
 * lean connection (redis-read-connection.ts) while it is open, else through
 * ioredis, which owns reconnects and outage errors. Writes go through a Lua
 * script that enforces the older-over-newer rule, many rows per call.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import type { RedisOnlineStoreConfig } from "../config/types.js";
import { unavailable } from "../errors/index.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import type { NativeValue } from "../values/index.js";
import { createEntityKeyEncoder, deserializeEntityKey, type EntityKeyEncoder } from "./entity-key.js";
import {
  decodeFeastTimestamp,
  decodeFeastValue,
  encodeFeastTimestamp,
  encodeFeastValue,
  feastFeatureField,
  feastTimestampField,
} from "./feast-fields.js";
import type {
  AlignedRow,
  EncodedRows,
  EntityKeyValues,
  OnlineRow,
  OnlineStore,
  StoredRow,
  ViewLookup,
  WriteResult,
} from "./online-store.js";
import {
  checkRowValues,
  decodePackedRow,
  decodePackedRowAligned,
  encodePackedRows,
  type PackedReadPlan,
  packedReadPlan,
} from "./packed-row.js";
import { RedisBulkWriter } from "./redis-bulk-writer.js";
import {
  createRedisClient,
  parseRedisConnectionString,
  type RedisClient,
  redisError,
  whenReady,
} from "./redis-connection.js";
import {
  type ArrayReply,
  encodeCommand,
  encodeCommandWith,
  type ReadConnectionOptions,
  RedisReadConnection,
} from "./redis-read-connection.js";
import { RELEASE_LOCK_SCRIPT, writeScripts } from "./redis-scripts.js";
import { redisSlot } from "./redis-slot.js";

export interface RedisOnlineStoreOptions {
  project: string;
  config: RedisOnlineStoreConfig;
  /** Per-command timeout of the connection (bounds writes and scans); default 10,000 ms. */
  commandTimeoutMs?: number;
  /**
   * A read not answered within this is UNAVAILABLE (a hung Redis never blocks
   * serving); default 1000 ms, per 4,000 keys for bigger reads.
   */
  readTimeoutMs?: number;
  /** Connect timeout; default 1000 ms. */
  connectTimeoutMs?: number;
  /** How long a request waits for a reconnect in progress before UNAVAILABLE; default 200 ms. */
  readyWaitMs?: number;
  /** Rows per script call; default 500. */
  rowsPerCall?: number;
}

type Pipeline = ReturnType<Redis["pipeline"]>;

/** The read script as ioredis defines it (`defineCommand`): binary replies. */
interface ReadCommand {
  fstoreReadBuffer(numKeys: number, ...args: (Buffer | string)[]): Promise<(Buffer | null)[]>;
  fstoreReadFieldBuffer(numKeys: number, ...args: (Buffer | string)[]): Promise<(Buffer | null)[]>;
}

/** Upper bound on a script call's arguments. */
const MAX_ARGS_PER_CALL = 4000;
/**
 * Upper bound on a read script call's arguments: bigger reads are several
 * calls sent together, as a spread of ~100k arguments overflows the stack.
 */
const READ_ARGS_PER_CALL = 4000;

/** Opens a Redis online store (the connection is made in the background). */
export function createRedisOnlineStore(options: RedisOnlineStoreOptions): OnlineStore {
  return new RedisOnlineStore(options);
}

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
  readonly #layout: "packed" | "feast";
  readonly #project: string;
  readonly #ttl: string;
  readonly #readyWaitMs: number;
  readonly #readTimeoutMs: number;
  readonly #connectWaitMs: number;
  #everReady = false;
  readonly #rowsPerCall: number;
  readonly #scripts: {
    packed: string;
    feast: string;
    packedSha: string;
    feastSha: string;
  };
  readonly #encoders = new WeakMap<FeatureViewDef, EntityKeyEncoder>();
  /** The packed layout's bulk writer (materialization's fast path). */
  readonly #bulk: RedisBulkWriter | undefined;
  /** Rows already packed (packed layout only): HSETNX first, the script only for existing fields. */
  readonly writeEncoded?: (view: FeatureViewDef, batch: EncodedRows) => Promise<WriteResult>;
  /** The stored packed rows (layout `packed` only): see `OnlineStore.readPacked`. */
  readonly readPacked?: (lookups: ViewLookup[], signal?: AbortSignal) => Promise<(Buffer | undefined)[][]>;
  readonly #feastFields = new WeakMap<FeatureViewDef, Map<string, Buffer>>();
  /** Standalone only: how to open the serving reads' own connection (see redis-read-connection.ts). */
  readonly #readConnection: ReadConnectionOptions | undefined;
  #reader: RedisReadConnection | undefined;
  #readerOpening = false;
  #readerRetryAt = 0;
  #closing = false;
  /** SHA-1 of the read scripts (EVALSHA on the read connection). */
  readonly #readSha: { read: string; readField: string };

  constructor(o: RedisOnlineStoreOptions) {
    this.#project = o.project;
    this.#layout = o.config.layout;
    this.#cluster = o.config.redisType === "redis_cluster";
    this.#ttl = String(o.config.keyTtlSeconds ?? 0);
    this.#readyWaitMs = o.readyWaitMs ?? 200;
    this.#readTimeoutMs = o.readTimeoutMs ?? 1000;
    this.#connectWaitMs = 2 * (o.connectTimeoutMs ?? 1000) + 1000;
    this.#rowsPerCall = o.rowsPerCall ?? 500;
    const s = writeScripts(this.#cluster);
    this.#scripts = { packed: s.packed, feast: s.feast, packedSha: sha1(s.packed), feastSha: sha1(s.feast) };
    this.#client = createRedisClient(o.config, {
      commandTimeoutMs: o.commandTimeoutMs ?? 10_000,
      connectTimeoutMs: o.connectTimeoutMs ?? 1000,
    });
    this.#client.defineCommand("fstoreRead", { lua: s.read });
    this.#client.defineCommand("fstoreReadField", { lua: s.readField });
    this.#readSha = { read: sha1(s.read), readField: sha1(s.readField) };
    const connection = parseRedisConnectionString(o.config.connectionString);
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
    if (this.#layout === "packed") {
      const bulk = new RedisBulkWriter({
        connection,
        cluster: this.#cluster ? (this.#client as Cluster) : undefined,
        project: o.project,
        ttlSeconds: o.config.keyTtlSeconds ?? 0,
        script: s.packed,
        connectTimeoutMs: o.connectTimeoutMs ?? 1000,
        commandTimeoutMs: o.commandTimeoutMs ?? 10_000,
        rowsPerCall: this.#rowsPerCall,
      });
      this.#bulk = bulk;
      this.writeEncoded = async (view, batch) => {
        await this.#ready();
        return bulk.write(view.name, batch);
      };
    }
    if (this.#layout === "packed") {
      this.readPacked = (lookups, signal) => this.#readWith(lookups, signal, rawReply);
    }
  }

  #encoder(view: FeatureViewDef): EntityKeyEncoder {
    let e = this.#encoders.get(view);
    if (!e) {
      e = createEntityKeyEncoder(view.entityColumns, this.#project);
      this.#encoders.set(view, e);
    }
    return e;
  }

  #feastField(view: FeatureViewDef, feature: string): Buffer {
    let m = this.#feastFields.get(view);
    if (!m) {
      m = new Map(view.features.map((f) => [f.name, feastFeatureField(view.name, f.name)]));
      this.#feastFields.set(view, m);
    }
    return m.get(feature) ?? feastFeatureField(view.name, feature);
  }

  async writeBatch(view: FeatureViewDef, rows: OnlineRow[]): Promise<WriteResult> {
    if (rows.length === 0) return { written: 0, skippedStale: 0 };
    const encode = this.#encoder(view);
    const keys = rows.map((r) => encode(r.entityKey));
    const packed = this.#layout === "packed";
    const payload = packed ? encodePackedRows(view, rows) : undefined;
    if (!packed) checkRowValues(view, rows);
    const featureFields = packed ? [] : view.features.map((f) => this.#feastField(view, f.name));
    const tsField = feastTimestampField(view.name);
    await this.#ready();

    // Per node (one group when standalone), chunks of rows -> one script call each.
    const calls: { group: string; args: (string | Buffer | Uint8Array)[]; rows: number }[] = [];
    const groups = this.#groupByNode(keys);
    // Bounded arguments per call (Lua's unpack and the JS call stack both have limits).
    const perCall = packed
      ? this.#rowsPerCall
      : Math.max(1, Math.min(this.#rowsPerCall, Math.floor(MAX_ARGS_PER_CALL / (3 + featureFields.length))));
    groups.forEach((indices, g) => {
      for (let start = 0; start < indices.length; start += perCall) {
        const chunk = indices.slice(start, start + perCall);
        const first = keys[chunk[0] as number] as Buffer;
        let args: (string | Buffer | Uint8Array)[];
        if (packed) {
          args = [first, view.name, this.#ttl, String(chunk.length)];
          for (const i of chunk) args.push(keys[i] as Buffer);
          for (const i of chunk) args.push((payload as Buffer[])[i] as Buffer);
        } else {
          args = [
            first,
            tsField,
            this.#ttl,
            String(chunk.length),
            String(featureFields.length),
            ...featureFields,
          ];
          for (const i of chunk) {
            const row = rows[i] as OnlineRow;
            args.push(
              keys[i] as Buffer,
              String(row.eventTimestamp.getTime()),
              encodeFeastTimestamp(row.eventTimestamp),
            );
            for (let j = 0; j < view.features.length; j++) {
              args.push(
                encodeFeastValue(
                  (row.values[j] ?? null) as NativeValue,
                  (view.features[j] as FieldDef).dtype,
                ),
              );
            }
          }
        }
        calls.push({ group: g, args, rows: chunk.length });
      }
    });
    const script = packed ? this.#scripts.packed : this.#scripts.feast;
    const sha = packed ? this.#scripts.packedSha : this.#scripts.feastSha;
    const results = await Promise.all(
      [...groups.keys()].map((g) =>
        this.#runScripts(
          calls.filter((c) => c.group === g),
          script,
          sha,
        ),
      ),
    );
    const written = results.reduce((a, b) => a + b, 0);
    return { written, skippedStale: rows.length - written };
  }

  /** Runs script calls in one pipeline; calls that hit NOSCRIPT (Redis restarted) are re-sent with EVAL. */
  async #runScripts(
    calls: { args: (string | Buffer | Uint8Array)[] }[],
    script: string,
    sha: string,
  ): Promise<number> {
    if (calls.length === 0) return 0;
    const send = async (useEval: boolean, which: typeof calls) => {
      const p = this.#client.pipeline();
      for (const c of which) {
        if (useEval) p.eval(script, 1, ...(c.args as Buffer[]));
        else p.evalsha(sha, 1, ...(c.args as Buffer[]));
      }
      return (await this.#exec(p, "write")) as [Error | null, unknown][];
    };
    const res = await send(false, calls);
    let written = 0;
    const retry: typeof calls = [];
    res.forEach(([err, n], i) => {
      if (err && String(err.message).startsWith("NOSCRIPT")) retry.push(calls[i] as (typeof calls)[number]);
      else if (err) throw redisError(err, "write");
      else written += Number(n);
    });
    if (retry.length > 0) {
      for (const [err, n] of await send(true, retry)) {
        if (err) throw redisError(err, "write");
        written += Number(n);
      }
    }
    return written;
  }

  async read(lookups: ViewLookup[], signal?: AbortSignal): Promise<(StoredRow | undefined)[][]> {
    if (this.#layout === "packed") {
      const plans = lookups.map((l) => packedReadPlan(l.view, l.features));
      return this.#readWith(lookups, signal, (li, reply, at) =>
        decodePacked(plans[li] as PackedReadPlan, reply[at] ?? null),
      );
    }
    return this.#readWith(lookups, signal, (li, reply, at) =>
      decodeFeast(lookups[li] as ViewLookup, reply, at),
    );
  }

  async readAligned(lookups: ViewLookup[], signal?: AbortSignal): Promise<(AlignedRow | undefined)[][]> {
    if (this.#layout === "packed") {
      const plans = lookups.map((l) => packedReadPlan(l.view, l.features));
      return this.#readWith(lookups, signal, (li, reply, at) => {
        const bytes = reply[at];
        if (!bytes) return undefined;
        const plan = plans[li] as PackedReadPlan;
        const values = new Array<NativeValue | undefined>(plan.features.length);
        return { eventTimeMs: decodePackedRowAligned(plan, bytes, values), values };
      });
    }
    return this.#readWith(lookups, signal, (li, reply, at) => {
      const lookup = lookups[li] as ViewLookup;
      const row = decodeFeast(lookup, reply, at);
      return (
        row && {
          eventTimeMs: row.eventTimestamp.getTime(),
          values: lookup.features.map((f) => row.values.get(f)),
        }
      );
    });
  }

  /**
   * Merges every lookup's keys (views of one entity share a Redis hash, so
   * one HMGET serves them all), fetches them in one round trip, and decodes
   * each lookup's fields with `decode(lookupIndex, reply, firstField)`.
   */
  async #readWith<T>(
    lookups: ViewLookup[],
    signal: AbortSignal | undefined,
    decode: (lookup: number, reply: (Buffer | null)[], at: number) => T | undefined,
  ): Promise<(T | undefined)[][]> {
    const out = lookups.map((l) => new Array<T | undefined>(l.entityKeys.length).fill(undefined));
    const packed = this.#layout === "packed";
    const reads = new Map<string, KeyRead>();
    const list: KeyRead[] = [];
    // One entity of one view (the common serving request): no merging needed.
    const only = lookups.length === 1 ? (lookups[0] as ViewLookup) : undefined;
    if (packed && only && only.entityKeys.length > 1) {
      // Many entities of one view (packed): one field per key, so keys need no merging either.
      if (signal?.aborted) throw redisError(signal.reason, "read (cancelled)");
      await this.#ready(signal);
      const count = only.entityKeys.length;
      const reader = count < READ_ARGS_PER_CALL ? this.#openReader() : undefined;
      const viaClient = () => this.#fetchField(only.entityKeys.map(this.#encoder(only.view)), only.view.name);
      const flat = reader
        ? await this.#readFieldOn(reader, only, viaClient)
        : await withTimeout(viaClient(), this.#readBudget(count), "read");
      const row = out[0] as (T | undefined)[];
      for (let i = 0; i < count; i++) row[i] = decode(0, flat, i);
      return out;
    }
    if (only?.entityKeys.length === 1) {
      const fields: (string | Buffer)[] = packed
        ? [only.view.name]
        : [...only.features.map((f) => this.#feastField(only.view, f)), feastTimestampField(only.view.name)];
      list.push({
        key: this.#encoder(only.view)(only.entityKeys[0] as EntityKeyValues),
        fields,
        sinks: [0, 0, 0],
      });
    } else
      lookups.forEach((l, li) => {
        const encode = this.#encoder(l.view);
        const fields: (string | Buffer)[] = packed
          ? [l.view.name]
          : [...l.features.map((f) => this.#feastField(l.view, f)), feastTimestampField(l.view.name)];
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
    if (list.length === 0) return out;
    if (signal?.aborted) throw redisError(signal.reason, "read (cancelled)");
    await this.#ready(signal);
    const replies = await withTimeout(this.#fetch(list), this.#readBudget(list.length), "read");
    list.forEach((r, ri) => {
      const reply = replies[ri] as (Buffer | null)[];
      for (let s = 0; s < r.sinks.length; s += 3) {
        const li = r.sinks[s] as number;
        (out[li] as (T | undefined)[])[r.sinks[s + 1] as number] = decode(
          li,
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
  async #fetch(list: KeyRead[]): Promise<(Buffer | null)[][]> {
    if (list.length === 1 && !this.#cluster) {
      const only = list[0] as KeyRead;
      const reader = this.#openReader();
      try {
        if (reader) {
          const frame = encodeCommand(["HMGET", only.key, ...only.fields]);
          return [await reader.request(frame, this.#readTimeoutMs)];
        }
        return [await (this.#client as Redis).hmgetBuffer(only.key, ...only.fields)];
      } catch (err) {
        throw redisError(err, "read");
      }
    }
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
              () => this.#readScript(args),
            )
          : this.#readScript(args)
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
   * One field of many keys, in one round trip: script calls of at most
   * READ_ARGS_PER_CALL keys (per node in a cluster), sent together.
   */
  async #fetchField(keys: Buffer[], field: string): Promise<(Buffer | null)[]> {
    const read = (args: (Buffer | string)[]) =>
      (this.#client as unknown as ReadCommand).fstoreReadFieldBuffer(1, ...args).catch((err: unknown) => {
        throw redisError(err, "read");
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
    RedisReadConnection.open(options, () => {
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
    viaClient: () => Promise<ArrayReply>,
  ): Promise<ArrayReply> {
    const encode = this.#encoder(lookup.view);
    const keys = lookup.entityKeys;
    const frame = encodeCommandWith(
      ["EVALSHA", this.#readSha.readField, "0", lookup.view.name],
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
      throw redisError(err, "read");
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
      throw redisError(err, "read");
    }
  }

  async sampleEntityKeys(view: FeatureViewDef, limit: number): Promise<EntityKeyValues[]> {
    const field = this.#layout === "packed" ? view.name : feastTimestampField(view.name);
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
    const fields: (string | Buffer)[] =
      this.#layout === "packed"
        ? [view.name]
        : [...view.features.map((f) => this.#feastField(view, f.name)), feastTimestampField(view.name)];
    await this.#scanProjectKeys(async (keys, node) => {
      const p = node.pipeline();
      for (const key of keys) p.hdel(key, ...fields);
      await this.#exec(p, "delete");
      return false;
    });
  }

  async tryLock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    await this.#ready();
    const key = `fstore:lock:${this.#project}:${name}`;
    const token = randomUUID();
    let ok: string | null;
    try {
      ok = await this.#client.set(key, token, "PX", Math.max(1, Math.round(ttlMs)), "NX");
    } catch (err) {
      throw redisError(err, "lock");
    }
    if (ok !== "OK") return undefined;
    return async () => {
      try {
        await this.#client.eval(RELEASE_LOCK_SCRIPT, 1, key, token);
      } catch (err) {
        throw redisError(err, "unlock");
      }
    };
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

  async #ready(signal?: AbortSignal): Promise<void> {
    // The first connection may take a while (cluster discovery); after that, fail fast during outages.
    await whenReady(this.#client, this.#everReady ? this.#readyWaitMs : this.#connectWaitMs, signal);
    this.#everReady = true;
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
          throw redisError(err, "scan");
        }
        cursor = res[0].toString();
        if (res[1].length > 0 && (await visit(res[1], node))) return;
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

function rawReply(_lookup: number, reply: (Buffer | null)[], at: number): Buffer | undefined {
  return reply[at] ?? undefined;
}

function decodePacked(plan: PackedReadPlan, bytes: Buffer | null): StoredRow | undefined {
  return bytes === null ? undefined : decodePackedRow(plan, bytes);
}

function decodeFeast(lookup: ViewLookup, reply: (Buffer | null)[], at: number): StoredRow | undefined {
  const n = lookup.features.length;
  const ts = reply[at + n];
  if (ts === null || ts === undefined) return undefined;
  const values = new Map<string, NativeValue>();
  const types = new Map(lookup.view.features.map((f) => [f.name, f.dtype]));
  for (let j = 0; j < n; j++) {
    const bytes = reply[at + j];
    const name = lookup.features[j] as string;
    const t = types.get(name);
    if (bytes === null || bytes === undefined || t === undefined) continue;
    const v = decodeFeastValue(bytes, t);
    if (v !== undefined) values.set(name, v);
  }
  return { eventTimestamp: decodeFeastTimestamp(ts), values };
}

/**
 * Rejects with UNAVAILABLE when `p` does not settle within `ms`. One timer and
 * one promise per read (no Promise.race and its extra promises on the hot path).
 */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(unavailable(`Redis did not answer the ${what} within ${ms} ms`)),
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

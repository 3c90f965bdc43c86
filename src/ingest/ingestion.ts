/**
 * Ingestion of every stream source that feeds an online stream view: one
 * supervised consumer per source (inside `fstore serve`, or `fstore ingest`
 * alone). A consumer that fails (broker or store unreachable) is closed and
 * started again after a backoff, resuming from its group's position; an
 * applied registry change restarts the consumers whose views changed.
 */
import type { DuckDBInstance } from "@duckdb/node-api";
import type { Logger } from "pino";
import type { RepoConfig } from "../config/types.js";
import type { OnlineStore } from "../online/online-store.js";
import { type FeatureViewDef, isStreamView, type StreamSourceDef } from "../registry/model.js";
import type { Registry, RegistrySnapshot } from "../registry/registry.js";
import { createDeadLetterSink } from "./dead-letter.js";
import { openNatsStreamReader } from "./nats-stream-reader.js";
import { createRawEventWriter } from "./raw-event-writer.js";
import { openRedisStreamReader } from "./redis-stream-reader.js";
import type { IngestObserver, IngestStats, RunningConsumer } from "./stream-consumer.js";
import { runStreamConsumer } from "./stream-consumer.js";
import type { StreamReader } from "./stream-reader.js";
import { createTileApplier, type TileApplier } from "./tile-applier.js";

export interface IngestionOptions {
  config: RepoConfig;
  registry: Pick<Registry, "snapshot">;
  store: () => OnlineStore;
  db: () => Promise<DuckDBInstance>;
  logger?: Logger | undefined;
  observer?: IngestObserver | undefined;
  /** Called with a batch folder after each raw Parquet file (the server compacts it). */
  afterAppend?: ((folder: string) => void) | undefined;
  /** Only these sources (default: every source of an online stream view). */
  sources?: readonly string[] | undefined;
  /** Test only: after each online write, before the acknowledgement. */
  afterOnlineWrite?: (() => void | Promise<void>) | undefined;
  /** How often to look for registry changes (ms, default 2000). */
  registryPollMs?: number;
}

export interface Ingestion {
  /** Counts per source of the consumers started so far (a restarted consumer adds to them). */
  stats(): Map<string, IngestStats>;
  stop(): Promise<void>;
}

/** The online stream views of each stream source in a snapshot. */
export function streamViewsBySource(
  snapshot: RegistrySnapshot,
): Map<string, { source: StreamSourceDef; views: FeatureViewDef[] }> {
  const out = new Map<string, { source: StreamSourceDef; views: FeatureViewDef[] }>();
  for (const view of snapshot.featureViews.values()) {
    if (!isStreamView(view) || !view.online) continue;
    const entry = out.get(view.source.name) ?? { source: view.source, views: [] };
    entry.views.push(view);
    out.set(view.source.name, entry);
  }
  for (const e of out.values()) e.views.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

const appliers = new WeakMap<object, Map<string, { key: string; applier: TileApplier }>>();

/**
 * The applier of a source's views, shared by everything in the process that
 * writes them through `storeKey` (the consumer and Push), so their writes are
 * serialized.
 */
export function sharedTileApplier(
  storeKey: object,
  source: StreamSourceDef,
  views: readonly FeatureViewDef[],
  store: () => OnlineStore,
): TileApplier {
  let bySource = appliers.get(storeKey);
  if (!bySource) {
    bySource = new Map();
    appliers.set(storeKey, bySource);
  }
  // Equal definitions (e.g. of two registry versions) share one applier.
  const key = JSON.stringify([source, views]);
  const cached = bySource.get(source.name);
  if (cached?.key === key) return cached.applier;
  const applier = createTileApplier(source, views, store);
  bySource.set(source.name, { key, applier });
  return applier;
}

/**
 * Makes every applier of `storeKey` (the registry its server or ingest
 * process serves) read tiles from the store again: for whatever rebuilt
 * tiles of stream views in this process (Materialize).
 */
export function forgetTileCaches(storeKey: object): void {
  for (const { applier } of appliers.get(storeKey)?.values() ?? []) applier.forget();
}

/**
 * `store`, except that writing a stream view's tiles (Materialize rebuilding
 * them from the raw events) makes this process's appliers read them again.
 */
export function forgettingTileCaches(store: OnlineStore, storeKey: object): OnlineStore {
  return {
    type: store.type,
    async write(view, batch) {
      const result = await store.write(view, batch);
      if (view.aggregations !== undefined) forgetTileCaches(storeKey);
      return result;
    },
    read: (lookups, signal) => store.read(lookups, signal),
    sampleEntityKeys: (view, limit) => store.sampleEntityKeys(view, limit),
    deleteView: (view) => store.deleteView(view),
    close: () => store.close(),
  };
}

/** Opens the reader of a stream source (a Redis source without a connection uses the online store's Redis). */
export async function openStreamReader(config: RepoConfig, source: StreamSourceDef): Promise<StreamReader> {
  const s = source.stream;
  if (s.kind === "redis") {
    let connection = s.connection;
    if (connection === "") {
      if (config.onlineStore.type !== "redis") {
        throw new Error(
          `stream source "${source.name}": stream.connection is empty and the online store is not Redis; give the Redis to read from`,
        );
      }
      connection = config.onlineStore.connectionString;
    }
    return openRedisStreamReader({ connection, stream: s.stream, group: s.group });
  }
  return openNatsStreamReader({
    connection: s.connection,
    stream: s.stream,
    subject: s.subject,
    group: s.group,
    ackWaitMs: config.streaming.ackWaitSeconds * 1000,
  });
}

export function startIngestion(o: IngestionOptions): Ingestion {
  const stats = new Map<string, IngestStats>();
  const running = new Map<string, { key: readonly FeatureViewDef[]; stop: () => Promise<void> }>();
  let stopped = false;
  let version = -1;

  const supervise = (name: string, source: StreamSourceDef, views: readonly FeatureViewDef[]) => {
    let current: { consumer?: RunningConsumer; reader?: StreamReader } = {};
    let halt = false;
    let wake: (() => void) | undefined;
    const loop = (async () => {
      let backoff = 200;
      while (!halt) {
        try {
          const reader = await openStreamReader(o.config, source);
          current = { reader };
          const consumer = runStreamConsumer({
            source,
            reader,
            applier: sharedTileApplier(o.registry, source, views, o.store),
            raw: createRawEventWriter({
              db: o.db,
              repoPath: o.config.repoPath,
              source,
              ...(o.afterAppend ? { afterAppend: o.afterAppend } : {}),
            }),
            deadLetters: createDeadLetterSink(o.config.streaming.deadLetterDir, source.name),
            config: o.config.streaming,
            observer: o.observer,
            logger: o.logger,
            afterOnlineWrite: o.afterOnlineWrite,
          });
          current.consumer = consumer;
          stats.set(name, consumer.stats);
          o.logger?.info({ source: name, stream: reader.description }, "consuming stream");
          await consumer.done;
          backoff = 200;
        } catch (err) {
          if (halt) break;
          o.logger?.warn(
            { source: name, err: (err as Error).message, retryMs: backoff },
            "stream consumer failed; restarting from the group's position",
          );
        } finally {
          await current.reader?.close().catch(() => {});
        }
        if (halt) break;
        await new Promise<void>((r) => {
          const t = setTimeout(r, backoff);
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
        backoff = Math.min(backoff * 2, 10_000);
      }
    })();
    return async () => {
      halt = true;
      wake?.();
      await current.consumer?.stop();
      await loop;
    };
  };

  const sync = async () => {
    const snapshot = o.registry.snapshot();
    if (snapshot.version === version) return;
    version = snapshot.version;
    const wanted = streamViewsBySource(snapshot);
    for (const [name, r] of running) {
      const w = wanted.get(name);
      const same =
        w && w.views.length === r.key.length && w.views.every((v, i) => canonical(v) === canonical(r.key[i]));
      if (!same) {
        running.delete(name);
        await r.stop();
      }
    }
    for (const [name, { source, views }] of wanted) {
      if (running.has(name) || (o.sources && !o.sources.includes(name))) continue;
      running.set(name, { key: views, stop: supervise(name, source, views) });
    }
  };

  let poll: NodeJS.Timeout | undefined;
  const syncing = sync().catch((err) =>
    o.logger?.error({ err: (err as Error).message }, "starting stream ingestion failed"),
  );
  poll = setInterval(() => {
    if (!stopped) void sync().catch(() => {});
  }, o.registryPollMs ?? 2000);
  poll.unref();

  return {
    stats: () => stats,
    async stop() {
      stopped = true;
      if (poll) clearInterval(poll);
      poll = undefined;
      await syncing;
      await Promise.all([...running.values()].map((r) => r.stop()));
      running.clear();
    },
  };
}

function canonical(v: FeatureViewDef | undefined): string {
  return JSON.stringify(v ?? null);
}

/**
 * Feature logging on the serving path, kept cheap: for a request of a
 * feature service that logs (and is sampled), the response bytes the server
 * already encoded are copied into a batch with the schema id and the
 * request time; batches go to the logging worker (log-worker.ts) every
 * 1 MiB or 50 ms (a batch costs both threads a message and a wake-up:
 * fewer, larger ones cost less per request). Nothing is decoded here and
 * nothing waits: when the responses queued (batched or in the worker)
 * reach `queue_capacity`, a request is not logged and counted as dropped.
 */

import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { GetOnlineFeaturesRequest } from "../../gen/fstore/v1/feature_service_pb.js";
import type { FeatureLoggingConfig, OfflineStoreConfig } from "../config/types.js";
import type { OnlineResult } from "../online/index.js";
import type { FeatureServiceDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import type { FromWorker, ToWorker, WorkerSettings } from "./log-messages.js";
import { BATCH_BYTES, RECORD_HEADER_BYTES } from "./log-messages.js";
import { type LogSchema, logColumnsOf, serviceVersionOf } from "./log-schema.js";

export interface FeatureLoggerOptions {
  registry: { snapshot(): RegistrySnapshot };
  offlineStore: Pick<OfflineStoreConfig, "logDir">;
  featureLogging: FeatureLoggingConfig;
  /** Sampling's coin; default Math.random. */
  random?: () => number;
  /** Told of the worker's errors (the server logs them). */
  onError?: (message: string) => void;
}

/** Requests logged and dropped (queue full) for one service since the server started. */
export interface FeatureLogCounts {
  featureService: string;
  logged: number;
  dropped: number;
}

export interface FeatureLogger {
  /**
   * Where this request's encoded response goes when it is to be logged: its
   * selection is one feature service with `logging`, and it was sampled.
   * Undefined otherwise (the common case costs a map lookup).
   */
  sinkFor(
    request: GetOnlineFeaturesRequest,
    result: OnlineResult,
    requestMs: number,
  ): ((bytes: Uint8Array) => void) | undefined;
  /** Writes everything logged so far to Parquet now; resolves with the files written. */
  rotate(): Promise<string[]>;
  counts(): FeatureLogCounts[];
  /** Writes what is queued and stops the worker. */
  close(): Promise<void>;
}

const BATCH_MS = 50;
/**
 * A batch is a slot of memory shared with the worker (a SharedArrayBuffer),
 * reused once the worker is done with it: a new or transferred buffer per
 * batch counts as new external memory in both threads, which makes V8
 * collect their heaps early ("external memory pressure" in --trace-gc).
 * The slots in use are bounded by the queue's capacity.
 */
interface Slot {
  id: number;
  memory: SharedArrayBuffer;
  bytes: Buffer;
  /** Posted to the worker once, with the first batch in it. */
  known: boolean;
}

interface Target {
  service: FeatureServiceDef;
  rate: number;
  counts: FeatureLogCounts;
  schema?: LogSchema;
}

export function createFeatureLogger(options: FeatureLoggerOptions): FeatureLogger {
  const random = options.random ?? Math.random;
  const capacity = options.featureLogging.queueCapacity;
  const counts = new Map<string, FeatureLogCounts>();
  // Per selection message (shared by requests with the same selection bytes): its target, per registry version.
  const targets = new WeakMap<object, { version: number; target: Target | null }>();
  const schemas = new Map<string, LogSchema>();
  let schemaIds = 0;
  let worker: Worker | undefined;
  let dead = false;
  /** Responses batched here or posted and not yet staged by the worker. */
  let queued = 0;
  let batch: Slot | undefined;
  let batchLength = 0;
  let batchRecords = 0;
  let batchTimer: NodeJS.Timeout | undefined;
  const slots = new Map<number, Slot>();
  const free: Slot[] = [];
  let slotIds = 0;
  let rotations = 0;
  const waiting = new Map<number, (files: string[]) => void>();
  let closed: Promise<void> | undefined;
  let onClosed: (() => void) | undefined;

  const countsOf = (service: string) => {
    let c = counts.get(service);
    if (!c) {
      c = { featureService: service, logged: 0, dropped: 0 };
      counts.set(service, c);
    }
    return c;
  };

  const startWorker = (): Worker => {
    const settings: WorkerSettings = { rotateSeconds: options.featureLogging.writeToDiskIntervalSecs };
    const w = new Worker(new URL("./log-worker-entry.mjs", import.meta.url), { workerData: settings });
    w.unref();
    w.on("message", (m: FromWorker) => {
      if (m.type === "done") {
        queued -= m.records;
        const slot = slots.get(m.slot);
        // A slot larger than a batch (for one large response) is not kept.
        if (slot && slot.memory.byteLength === BATCH_BYTES) free.push(slot);
        else slots.delete(m.slot);
      } else if (m.type === "rotated") {
        waiting.get(m.id)?.(m.files);
        waiting.delete(m.id);
      } else if (m.type === "error") options.onError?.(m.message);
      else if (m.type === "closed") onClosed?.();
    });
    w.on("error", (err) => options.onError?.(`feature logging worker failed: ${err.message}`));
    w.on("exit", () => {
      // Nothing more can be written: every later request is dropped (and counted), never blocked.
      dead = true;
      for (const resolve of waiting.values()) resolve([]);
      waiting.clear();
      onClosed?.();
    });
    return w;
  };

  const post = (message: ToWorker, transfer?: ArrayBuffer[]) => {
    worker ??= startWorker();
    worker.postMessage(message, transfer);
  };

  const newSlot = (size: number): Slot => {
    const memory = new SharedArrayBuffer(size);
    const slot = { id: ++slotIds, memory, bytes: Buffer.from(memory), known: false };
    slots.set(slot.id, slot);
    return slot;
  };

  const sendBatch = () => {
    if (batchTimer) {
      clearTimeout(batchTimer);
      batchTimer = undefined;
    }
    if (!batch || batchRecords === 0) return;
    const slot = batch;
    post({
      type: "batch",
      slot: slot.id,
      ...(slot.known ? {} : { memory: slot.memory }),
      length: batchLength,
      records: batchRecords,
    });
    slot.known = true;
    batch = undefined;
    batchLength = 0;
    batchRecords = 0;
  };

  const schemaFor = (snapshot: RegistrySnapshot, target: Target, result: OnlineResult): LogSchema => {
    // A target is per registry version (see targetOf): its schema is kept on it, no lookup per request.
    if (target.schema) return target.schema;
    const key = `${snapshot.version}\u0000${target.service.name}`;
    let schema = schemas.get(key);
    if (!schema) {
      const columns = logColumnsOf(snapshot, target.service, result.columns);
      schema = {
        id: ++schemaIds,
        service: target.service.name,
        version: serviceVersionOf(columns),
        folder: join(
          options.offlineStore.logDir,
          target.service.logging?.destination.path ?? target.service.name,
        ),
        columns,
      };
      schemas.set(key, schema);
      post({ type: "schema", schema });
    }
    target.schema = schema;
    return schema;
  };

  const targetOf = (request: GetOnlineFeaturesRequest, snapshot: RegistrySnapshot): Target | null => {
    const selection = request.selection;
    if (!selection) return null;
    const cached = targets.get(selection);
    if (cached && cached.version === snapshot.version) return cached.target;
    let target: Target | null = null;
    const names = selection.featureServices;
    if (names.length === 1 && selection.features.length === 0) {
      const service = snapshot.featureServices.get(names[0] as string);
      if (service?.logging)
        target = { service, rate: service.logging.sampleRate, counts: countsOf(service.name) };
    }
    targets.set(selection, { version: snapshot.version, target });
    return target;
  };

  return {
    sinkFor(request, result, requestMs) {
      const snapshot = options.registry.snapshot();
      const target = targetOf(request, snapshot);
      if (target === null || closed) return undefined;
      if (target.rate < 1 && random() >= target.rate) return undefined;
      const schema = schemaFor(snapshot, target, result);
      // Counted when the bytes come (a call cancelled before its response is sent logs nothing).
      return (bytes) => {
        if (dead || closed || queued >= capacity) {
          target.counts.dropped++;
          return;
        }
        queued++;
        target.counts.logged++;
        const need = RECORD_HEADER_BYTES + bytes.length;
        if (batch && batchLength + need > batch.bytes.length) sendBatch();
        if (!batch) {
          batch = (need <= BATCH_BYTES ? free.pop() : undefined) ?? newSlot(Math.max(BATCH_BYTES, need));
          batchTimer = setTimeout(sendBatch, BATCH_MS);
          batchTimer.unref();
        }
        const b = batch.bytes;
        b.writeUInt32LE(schema.id, batchLength);
        b.writeDoubleLE(requestMs, batchLength + 4);
        b.writeUInt32LE(bytes.length, batchLength + 12);
        b.set(bytes, batchLength + RECORD_HEADER_BYTES);
        batchLength += need;
        batchRecords++;
      };
    },
    rotate() {
      if (!worker || dead) return Promise.resolve([]);
      sendBatch();
      const id = ++rotations;
      return new Promise<string[]>((resolve) => {
        waiting.set(id, resolve);
        post({ type: "rotate", id });
      });
    },
    counts() {
      return [...counts.values()].map((c) => ({ ...c }));
    },
    close() {
      closed ??= (async () => {
        if (!worker || dead) return;
        sendBatch();
        const w = worker;
        await new Promise<void>((resolve) => {
          onClosed = resolve;
          w.postMessage({ type: "close" } satisfies ToWorker);
        });
        await w.terminate();
      })();
      return closed;
    },
  };
}

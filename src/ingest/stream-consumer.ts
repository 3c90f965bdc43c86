/**
 * One stream source's consumer: read a batch, validate it against the
 * schema (bad events to the dead-letter file), apply it to the online tiles,
 * buffer the raw events, and every `flush_interval_ms` (or `flush_rows`, or
 * when the stream goes quiet) write them to Parquet and only then
 * acknowledge (beside the loop, one flush at a time, so a slow disk never
 * delays the tiles). So every acknowledged event is in the tiles and in the batch
 * source, and an event delivered again after a crash is recognized by its
 * position on both sides: at-least-once delivery, exactly-once effect.
 */
import type { Logger } from "pino";
import type { StreamingConfig } from "../config/types.js";
import type { StreamSourceDef } from "../registry/model.js";
import type { DeadLetter, DeadLetterSink } from "./dead-letter.js";
import { createEventDecoder } from "./event-decoder.js";
import type { RawEventWriter } from "./raw-event-writer.js";
import type { StreamMessage, StreamReader } from "./stream-reader.js";
import type { IngestEvent, TileApplier } from "./tile-applier.js";

/** What ingestion reports (the server's metrics implement it). */
export interface IngestObserver {
  countStreamEvents(
    source: string,
    view: string,
    outcome: "applied" | "duplicate" | "late" | "dead_letter",
    n: number,
  ): void;
}

export interface IngestStats {
  read: number;
  deadLetters: number;
  /** Per view: events applied, recognized as already applied, late. */
  views: Map<string, { applied: number; duplicate: number; late: number }>;
  rawWritten: number;
  acknowledged: number;
}

export interface StreamConsumerOptions {
  source: StreamSourceDef;
  reader: StreamReader;
  applier: TileApplier;
  raw: RawEventWriter;
  deadLetters: DeadLetterSink;
  config: Pick<StreamingConfig, "batchSize" | "flushIntervalMs" | "flushRows">;
  observer?: IngestObserver | undefined;
  logger?: Logger | undefined;
  /** Test only: runs after each online write, before anything is acknowledged. */
  afterOnlineWrite?: (() => void | Promise<void>) | undefined;
}

export interface RunningConsumer {
  readonly stats: IngestStats;
  /** Resolves when the loop ends (after `stop`), rejects when it fails. */
  readonly done: Promise<void>;
  /** Finishes the current batch, flushes and acknowledges, then stops. */
  stop(): Promise<void>;
}

export function runStreamConsumer(o: StreamConsumerOptions): RunningConsumer {
  const decode = createEventDecoder(o.source);
  const stats: IngestStats = { read: 0, deadLetters: 0, views: new Map(), rawWritten: 0, acknowledged: 0 };
  let stopping = false;
  const sourceName = o.source.name;

  const flushAndAck = async (unacked: StreamMessage[]) => {
    const pending = o.raw.pending;
    await o.raw.flush();
    stats.rawWritten += pending;
    await o.reader.ack(unacked);
    stats.acknowledged += unacked.length;
  };

  const done = (async () => {
    await o.raw.open();
    let unacked: StreamMessage[] = [];
    let lastFlush = Date.now();
    // One flush (Parquet, then the acknowledgement) runs beside the loop at a time, so a slow
    // file write never holds back the online tiles; acknowledgements stay in order.
    let flushing: Promise<void> | undefined;
    let flushError: unknown;
    const startFlush = () => {
      const batch = unacked;
      unacked = [];
      lastFlush = Date.now();
      flushing = flushAndAck(batch)
        .catch((err: unknown) => {
          flushError = err;
        })
        .finally(() => {
          flushing = undefined;
        });
    };
    while (!stopping) {
      if (flushError !== undefined) throw flushError;
      const waitMs = unacked.length > 0 ? Math.max(1, Math.min(100, o.config.flushIntervalMs)) : 250;
      const messages = await o.reader.read(o.config.batchSize, waitMs);
      if (messages.length > 0) {
        stats.read += messages.length;
        const events: IngestEvent[] = [];
        const letters: DeadLetter[] = [];
        for (const m of messages) {
          const r = decode(m.event ?? null);
          if (r.ok) {
            events.push({
              values: r.values,
              eventTimeUs: r.eventTimeUs,
              createdUs: m.createdUs,
              position: m.position,
            });
          } else {
            letters.push({ message: m, reason: r.reason, detail: r.message });
          }
        }
        if (letters.length > 0) {
          await o.deadLetters.write(letters);
          stats.deadLetters += letters.length;
          o.observer?.countStreamEvents(sourceName, "", "dead_letter", letters.length);
          o.logger?.warn(
            {
              source: sourceName,
              count: letters.length,
              first: letters[0]?.detail,
              file: o.deadLetters.path,
            },
            "stream events rejected to the dead-letter file",
          );
        }
        const counts = await o.applier.apply(events);
        for (const [view, c] of counts) {
          const s = stats.views.get(view) ?? { applied: 0, duplicate: 0, late: 0 };
          s.applied += c.applied;
          s.duplicate += c.duplicate;
          s.late += c.late;
          stats.views.set(view, s);
          o.observer?.countStreamEvents(sourceName, view, "applied", c.applied);
          o.observer?.countStreamEvents(sourceName, view, "duplicate", c.duplicate);
          o.observer?.countStreamEvents(sourceName, view, "late", c.late);
        }
        await o.afterOnlineWrite?.();
        o.raw.add(events);
        unacked = unacked.concat(messages);
      }
      const due =
        messages.length === 0 ||
        o.raw.pending >= o.config.flushRows ||
        Date.now() - lastFlush >= o.config.flushIntervalMs;
      if (unacked.length > 0 && due && !flushing) startFlush();
    }
    await flushing;
    if (flushError !== undefined) throw flushError;
    if (unacked.length > 0) await flushAndAck(unacked);
  })();

  return {
    stats,
    done,
    async stop() {
      stopping = true;
      await done.catch(() => {});
    },
  };
}

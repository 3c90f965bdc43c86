/**
 * The contract between ingestion and a durable stream. A reader delivers
 * messages of one consumer group in order within each partition, with their
 * position and the broker's append time; ingestion acknowledges them once
 * their effects (online tiles and raw Parquet) are durable. After a restart
 * the reader resumes at the group's position: every message not yet
 * acknowledged is delivered again, in order, before any newer one (ingestion
 * recognizes the ones it already applied by their position).
 *
 * Implementations: Redis Streams (`redis-stream-reader.ts`: one partition,
 * positions (ms, seq) of entry ids, the group's pending entries first) and
 * NATS JetStream (`nats-stream-reader.ts`: one partition, positions
 * (0, stream sequence), a durable consumer restarted at its ack floor).
 * Kafka would be one more: a partition per topic partition ("kafka:topic/3"),
 * positions (0, offset), the record timestamp as `createdUs`, acknowledgement
 * as an offset commit, and the committed offsets as the resume point.
 */
import type { StreamPosition } from "../streaming/tiles.js";

export interface StreamMessage {
  position: StreamPosition;
  /** When the broker appended it (µs): the event's `created` ingestion time. */
  createdUs: number;
  /** The event's column values (JSON object or stream entry fields), or undefined when unreadable. */
  event: unknown;
  /** The message as received, for the dead-letter file (bounded); built only when asked. */
  raw: () => string;
}

export interface StreamReader {
  /** e.g. "redis stream events (group fstore)", for logs. */
  readonly description: string;
  /** Up to `max` messages, waiting up to `waitMs` for the first; [] when none came. */
  read(max: number, waitMs: number): Promise<StreamMessage[]>;
  /** Acknowledges messages (all previously read, in order). */
  ack(messages: readonly StreamMessage[]): Promise<void>;
  close(): Promise<void>;
}

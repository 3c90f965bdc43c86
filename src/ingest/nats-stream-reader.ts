/**
 * NATS JetStream through a durable pull consumer. The JetStream stream is
 * created (capturing the subject) when missing. Acknowledgement is
 * AckPolicy.All: acknowledging a message acknowledges everything before it,
 * so the consumer's ack floor is exactly the group's position. On open, an
 * existing durable consumer is re-created to start right after its ack floor:
 * every unacknowledged message comes again, in order, before newer ones
 * (JetStream would otherwise redeliver them only after the ack wait, behind
 * newer messages).
 */
import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { unavailable } from "../errors/index.js";
import type { StreamMessage, StreamReader } from "./stream-reader.js";

export interface NatsStreamReaderOptions {
  /** "nats://host:port" (or a comma-separated list). */
  connection: string;
  stream: string;
  subject: string;
  /** Durable consumer name. */
  group: string;
  /** How long the broker waits for an acknowledgement before redelivering (default 60 s). */
  ackWaitMs?: number;
}

const MAX_RAW = 4096;
/** Messages buffered ahead of ingestion. */
const BUFFER = 20_000;

export async function openNatsStreamReader(o: NatsStreamReaderOptions): Promise<StreamReader> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: o.connection.split(",").map((s) => s.trim()),
      reconnect: true,
      maxReconnectAttempts: -1,
    });
  } catch (err) {
    throw unavailable(
      `cannot connect to NATS at ${o.connection} for stream "${o.stream}": ${(err as Error).message}`,
      err,
    );
  }
  const partition = `nats:${o.stream}`;
  try {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(o.stream);
    } catch {
      await jsm.streams.add({ name: o.stream, subjects: [o.subject] });
    }
    let startSeq = 0;
    try {
      const info = await jsm.consumers.info(o.stream, o.group);
      startSeq = info.ack_floor.stream_seq + 1;
      await jsm.consumers.delete(o.stream, o.group);
    } catch {
      // No such consumer yet: start at the stream's beginning.
    }
    await jsm.consumers.add(o.stream, {
      durable_name: o.group,
      ack_policy: AckPolicy.All,
      filter_subject: o.subject,
      max_ack_pending: -1,
      ack_wait: (o.ackWaitMs ?? 60_000) * 1_000_000,
      ...(startSeq > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }
        : { deliver_policy: DeliverPolicy.All }),
    });
  } catch (err) {
    await nc.close();
    throw unavailable(
      `cannot set up JetStream consumer "${o.group}" on stream "${o.stream}": ${(err as Error).message}`,
      err,
    );
  }
  const consumer = await jetstream(nc).consumers.get(o.stream, o.group);
  const messages = await consumer.consume({ max_messages: 1000 });
  const queue: JsMsg[] = [];
  let wake: (() => void) | undefined;
  let drained: (() => void) | undefined;
  let closed = false;
  // A background pump: the library's iterator into a bounded queue.
  const pump = (async () => {
    for await (const m of messages) {
      queue.push(m);
      wake?.();
      if (queue.length >= BUFFER) await new Promise<void>((r) => (drained = r));
    }
  })().catch(() => {});

  const toMessage = (m: JsMsg): StreamMessage => {
    const text = Buffer.from(m.data).toString("utf8");
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      event = undefined;
    }
    const raw = () => {
      const shown = JSON.stringify({ seq: m.seq, data: text });
      return shown.length > MAX_RAW ? `${shown.slice(0, MAX_RAW)}...` : shown;
    };
    return {
      position: { partition, hi: 0, lo: m.seq },
      createdUs: Number(m.timestampNanos / 1000n),
      event,
      raw,
      [NATS_MSG]: m,
    } as StreamMessage;
  };

  return {
    description: `NATS stream "${o.stream}" (durable ${o.group})`,
    async read(max, waitMs) {
      if (queue.length === 0 && !closed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      const taken = queue.splice(0, max);
      if (queue.length < BUFFER && drained) {
        drained();
        drained = undefined;
      }
      return taken.map(toMessage);
    },
    async ack(batch) {
      const last = batch[batch.length - 1] as (StreamMessage & { [NATS_MSG]?: JsMsg }) | undefined;
      // AckPolicy.All: the last message acknowledges the batch; wait for the broker's confirmation.
      if (last?.[NATS_MSG]) await last[NATS_MSG].ackAck();
    },
    async close() {
      closed = true;
      wake?.();
      messages.stop();
      drained?.();
      await pump;
      await nc.close();
    },
  };
}

const NATS_MSG = Symbol("nats message");

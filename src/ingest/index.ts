// Stream ingestion: consumers of Redis Streams and NATS JetStream that update
// the online tiles of stream feature views and keep the raw events as Parquet;
// Push rows for stream sources take the same path.

export type { DeadLetterSink } from "./dead-letter.js";
export { createDeadLetterSink } from "./dead-letter.js";
export type { DeadLetterReason, DecodeResult, EventValue } from "./event-decoder.js";
export { createEventDecoder, timeUsOf } from "./event-decoder.js";
export type { Ingestion, IngestionOptions } from "./ingestion.js";
export {
  forgetTileCaches,
  forgettingTileCaches,
  openStreamReader,
  sharedTileApplier,
  startIngestion,
  streamViewsBySource,
} from "./ingestion.js";
export { pushStreamEvents, streamSourceOfPush } from "./push-events.js";
export type { RawEventWriter } from "./raw-event-writer.js";
export { createRawEventWriter, POSITION_COLUMNS } from "./raw-event-writer.js";
export type {
  IngestObserver,
  IngestStats,
  RunningConsumer,
  StreamConsumerOptions,
} from "./stream-consumer.js";
export { runStreamConsumer } from "./stream-consumer.js";
export type { StreamMessage, StreamReader } from "./stream-reader.js";
export type { ApplyCounts, IngestEvent, TileApplier } from "./tile-applier.js";
export { createTileApplier } from "./tile-applier.js";

/**
 * A gRPC client that sends request bytes as they are, to any FeatureService
 * method: what a careless or hostile client can send, which a typed client
 * never would (truncated messages, wrong wire types, any value). Used by the
 * fuzzer and by tests that need a request the typed client refuses to build.
 */
import { Client, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { FeatureService } from "../../gen/fstore/v1/feature_service_pb.js";

export interface RawOutcome {
  /** gRPC status code (0 = OK). */
  code: number;
  details: string;
  /** Response messages received (a stream may send several before failing). */
  messages: Uint8Array[];
}

export interface RawClient {
  /** Calls `method` (its proto name, e.g. "Push") with `bytes` as the request message. */
  call(
    method: string,
    bytes: Uint8Array,
    options?: { deadlineMs?: number; metadata?: Record<string, string> },
  ): Promise<RawOutcome>;
  close(): void;
}

const identity = (b: Buffer | Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** Every FeatureService method by proto name, and whether it streams its responses. */
export const FEATURE_SERVICE_METHODS: ReadonlyMap<string, { path: string; streaming: boolean }> = new Map(
  FeatureService.methods.map((m) => [
    m.name,
    { path: `/${FeatureService.typeName}/${m.name}`, streaming: m.methodKind === "server_streaming" },
  ]),
);

export function createRawClient(address: string, maxMessageBytes = 64 * 1024 * 1024): RawClient {
  const client = new Client(address, credentials.createInsecure(), {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  });
  return {
    call(method, bytes, options = {}) {
      const m = FEATURE_SERVICE_METHODS.get(method);
      if (!m) throw new Error(`no FeatureService method ${method}`);
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
      const callOptions = { deadline: Date.now() + (options.deadlineMs ?? 30_000) };
      const messages: Uint8Array[] = [];
      return new Promise((resolve) => {
        if (!m.streaming) {
          client.makeUnaryRequest(
            m.path,
            identity,
            identity,
            Buffer.from(bytes),
            metadata,
            callOptions,
            (err: ServiceError | null, value?: Buffer) => {
              if (value) messages.push(value);
              resolve(
                err ? { code: err.code, details: err.details, messages } : { code: 0, details: "", messages },
              );
            },
          );
          return;
        }
        const stream = client.makeServerStreamRequest(
          m.path,
          identity,
          identity,
          Buffer.from(bytes),
          metadata,
          callOptions,
        );
        stream.on("data", (d: Buffer) => messages.push(d));
        stream.on("error", (err: ServiceError) =>
          resolve({ code: err.code, details: err.details, messages }),
        );
        stream.on("status", (s: { code: number; details: string }) => {
          if (s.code === status.OK) resolve({ code: 0, details: "", messages });
        });
      });
    },
    close: () => client.close(),
  };
}

/**
 * The raw typed client: one method per RPC of fstore.v1.FeatureService, taking
 * and returning the generated protobuf-es messages. Unary RPCs return a
 * promise, server-streaming RPCs an async iterable. Built from the generated
 * service descriptor, so it always matches the protocol.
 */
import type { DescMessage, DescMethod, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ChannelCredentials,
  Client,
  type ClientOptions,
  type CallOptions as GrpcCallOptions,
  Metadata,
} from "@grpc/grpc-js";
import { FeatureService } from "../gen/fstore/v1/feature_service_pb.js";
import { FstoreClientError } from "./errors.js";
import { channelTarget, type RetryPolicy, serviceConfig } from "./replicas.js";

/** Per-call options. */
export interface CallOptions {
  /** Give up after this many milliseconds (DEADLINE_EXCEEDED). Defaults to the client's `timeoutMs`. */
  timeoutMs?: number;
  /** An absolute deadline; wins over `timeoutMs`. */
  deadline?: Date;
  /** Extra metadata (headers) for this call. */
  metadata?: Record<string, string | string[]>;
  /** Cancels the call when aborted (CANCELLED). */
  signal?: AbortSignal;
}

/** How to reach a server. */
export interface ConnectOptions {
  /**
   * "host:port", e.g. "127.0.0.1:6566"; several replicas comma-separated
   * ("10.0.0.1:6566,10.0.0.2:6566", see `addresses`).
   */
  address?: string;
  /**
   * Several replicas of one deployment (IP addresses, or one DNS name with a
   * record per replica): calls are spread round robin, and a read-only call
   * that fails with UNAVAILABLE is retried on another (see replicas.ts).
   */
  addresses?: string[];
  /** Retries of read-only calls on UNAVAILABLE; `false` turns them off. Default 4 attempts in all. */
  retry?: RetryPolicy | false;
  /**
   * Use TLS; `true` trusts the system roots, or give a PEM root certificate,
   * and for mutual TLS a PEM client certificate and its key. Default false.
   */
  tls?: boolean | { rootCert: Uint8Array; clientCert?: Uint8Array; clientKey?: Uint8Array };
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** Default per-call timeout in milliseconds; none when unset. */
  timeoutMs?: number;
  /** Extra grpc-js channel options. */
  channelOptions?: ClientOptions;
}

type UnaryMethod<M extends DescMethod> = (
  request: MessageInitShape<M["input"]>,
  options?: CallOptions,
) => Promise<MessageShape<M["output"]>>;
type StreamingMethod<M extends DescMethod> = (
  request: MessageInitShape<M["input"]>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<M["output"]>>;

type Methods = (typeof FeatureService)["method"];

/** A method per RPC, named like the generated descriptor (`getOnlineFeatures`, `materialize`, ...). */
export type RawFeatureServiceClient = {
  [K in keyof Methods]: Methods[K] extends { methodKind: "unary" }
    ? UnaryMethod<Methods[K]>
    : StreamingMethod<Methods[K]>;
} & {
  /** The underlying grpc-js client (for health checks and channel state). */
  readonly grpcClient: Client;
  /** Closes the channel. */
  close(): void;
};

/** The channel credentials for `tls`. */
export function channelCredentials(tls: ConnectOptions["tls"]): ChannelCredentials {
  if (!tls) return ChannelCredentials.createInsecure();
  if (tls === true) return ChannelCredentials.createSsl(null);
  const pem = (b: Uint8Array | undefined) => (b === undefined ? null : Buffer.from(b));
  return ChannelCredentials.createSsl(Buffer.from(tls.rootCert), pem(tls.clientKey), pem(tls.clientCert));
}

/** Metadata and grpc-js options for one call. */
export function callSetup(connect: ConnectOptions, options: CallOptions | undefined) {
  const metadata = new Metadata();
  if (connect.token) metadata.set("authorization", `Bearer ${connect.token}`);
  for (const [k, v] of Object.entries(options?.metadata ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) metadata.add(k, item);
  }
  const grpcOptions: GrpcCallOptions = {};
  const timeoutMs = options?.timeoutMs ?? connect.timeoutMs;
  if (options?.deadline) grpcOptions.deadline = options.deadline;
  else if (timeoutMs !== undefined) grpcOptions.deadline = new Date(Date.now() + timeoutMs);
  return { metadata, grpcOptions };
}

function serializer(schema: DescMessage) {
  return (m: MessageShape<DescMessage>) => Buffer.from(toBinary(schema, m));
}
function deserializer(schema: DescMessage) {
  return (b: Buffer) => fromBinary(schema, b);
}

function unaryMethod(client: Client, connect: ConnectOptions, method: DescMethod) {
  const path = `/${FeatureService.typeName}/${method.name}`;
  const serialize = serializer(method.input);
  const deserialize = deserializer(method.output);
  return (request: MessageInitShape<DescMessage>, options?: CallOptions) =>
    new Promise((resolve, reject) => {
      const { metadata, grpcOptions } = callSetup(connect, options);
      if (options?.signal?.aborted) {
        reject(FstoreClientError.from({ code: 1, details: "cancelled before start" }, method.name));
        return;
      }
      const call = client.makeUnaryRequest(
        path,
        serialize,
        deserialize,
        create(method.input, request),
        metadata,
        grpcOptions,
        (err, res) => {
          options?.signal?.removeEventListener("abort", onAbort);
          if (err) reject(FstoreClientError.from(err, method.name));
          else resolve(res);
        },
      );
      const onAbort = () => call.cancel();
      options?.signal?.addEventListener("abort", onAbort, { once: true });
    });
}

function streamingMethod(client: Client, connect: ConnectOptions, method: DescMethod) {
  return streamingCall(client, connect, method, deserializer(method.output));
}

/**
 * A server-streaming call of `method` whose messages are read by
 * `deserialize` (for a caller that decodes some messages its own way).
 */
export function streamingCall<T>(
  client: Client,
  connect: ConnectOptions,
  method: DescMethod,
  deserialize: (b: Buffer) => T,
): (request: MessageInitShape<DescMessage>, options?: CallOptions) => AsyncGenerator<T> {
  const path = `/${FeatureService.typeName}/${method.name}`;
  const serialize = serializer(method.input);
  return async function* (request: MessageInitShape<DescMessage>, options?: CallOptions) {
    const { metadata, grpcOptions } = callSetup(connect, options);
    const call = client.makeServerStreamRequest(
      path,
      serialize,
      deserialize,
      create(method.input, request),
      metadata,
      grpcOptions,
    );
    const onAbort = () => call.cancel();
    options?.signal?.addEventListener("abort", onAbort, { once: true });
    let finished = false;
    try {
      for await (const message of call) yield message as T;
      finished = true;
    } catch (err) {
      finished = true;
      throw FstoreClientError.from(err, method.name);
    } finally {
      options?.signal?.removeEventListener("abort", onAbort);
      // The consumer stopped early: tell the server so it stops producing.
      if (!finished) call.cancel();
    }
  };
}

/** Creates a raw client for the server(s) at `connect.address` / `connect.addresses`. */
export function createRawClient(connect: ConnectOptions): RawFeatureServiceClient {
  const addresses = [...(connect.address?.split(",") ?? []), ...(connect.addresses ?? [])];
  const client = new Client(channelTarget(addresses), channelCredentials(connect.tls), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    "grpc.service_config": serviceConfig(connect.retry),
    // A restarted replica gets calls again within seconds (grpc-js backs off up to 2 minutes by default).
    "grpc.max_reconnect_backoff_ms": 5000,
    ...connect.channelOptions,
  });
  const out: Record<string, unknown> = { grpcClient: client, close: () => client.close() };
  for (const method of FeatureService.methods) {
    out[method.localName] =
      method.methodKind === "unary"
        ? unaryMethod(client, connect, method)
        : streamingMethod(client, connect, method);
  }
  return out as RawFeatureServiceClient;
}

/**
 * Builds a grpc-js service definition and implementation from a protobuf-es
 * service descriptor, so handlers are plain typed functions:
 *
 *   unary:            (request, call) => Promise<response>
 *   server streaming: (request, call) => AsyncIterable<response>
 *
 * Serialization, cancellation, deadlines and error mapping live here once.
 */
import type { DescMessage, DescMethod, DescService, MessageShape } from "@bufbuild/protobuf";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type {
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerWritableStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { invalidArgument } from "../errors/index.js";
import { toServiceError } from "./grpc-status.js";

/** What a handler may know about its call. */
export interface CallContext {
  /**
   * Aborted when the client cancels, the deadline passes, or the server shuts
   * down hard. Created on first read: a handler that only needs `cancelled`
   * (the serving hot path) costs no AbortController.
   */
  readonly signal: AbortSignal;
  /** Whether the call has been cancelled (by the client, its deadline, or a hard shutdown); free to read. */
  readonly cancelled: boolean;
  /** The call's deadline, if the client set one. */
  readonly deadline: Date | undefined;
  readonly metadata: Metadata;
  /** The RPC's name, e.g. "GetOnlineFeatures". */
  readonly method: string;
}

type In<M extends DescMethod> = MessageShape<M["input"]>;
type Out<M extends DescMethod> = MessageShape<M["output"]>;

export type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  call: CallContext,
) => Promise<MessageShape<O>>;
export type ServerStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  call: CallContext,
) => AsyncIterable<MessageShape<O>>;

/** A full implementation of a service: one handler per method, keyed by the method's local name. */
export type ServiceImpl<S extends DescService> = {
  [K in keyof S["method"]]: S["method"][K] extends DescMethod & { methodKind: "unary" }
    ? UnaryHandler<S["method"][K]["input"], S["method"][K]["output"]>
    : S["method"][K] extends DescMethod & { methodKind: "server_streaming" }
      ? ServerStreamingHandler<S["method"][K]["input"], S["method"][K]["output"]>
      : never;
};

/**
 * Sees each call, e.g. for logging and metrics: called when a call starts and
 * returns an observation that is ended once with the status sent. Several are
 * combined with `composeObservers` (call-observers.ts).
 */
export type CallObserver = (
  method: string,
  kind: "unary" | "server_streaming",
  /** The decoded request message (e.g. for a per-feature-service metric label). */
  request?: unknown,
) => CallObservation;
export interface CallObservation {
  /** Called once when the call ends, with the gRPC status code sent (0 = OK). */
  end(code: number, message: string): void;
}

const WIRE_ENCODER = Symbol("fstore.wireEncoder");

/**
 * Attaches an encoder of `message`'s wire bytes (a hand-written encoder on a
 * hot path, e.g. GetOnlineFeatures), run when grpc-js serializes the
 * response, instead of the reflective encoder. grpc-js copies the serialized
 * bytes into its frame before it serializes anything else, so the encoder may
 * write into a buffer it reuses for every response (the GetOnlineFeatures
 * path does: no 120 KB buffer per 100 x 50 response). The caller guarantees
 * the bytes encode `message`.
 */
export function withWireEncoder<T extends object>(message: T, encode: () => Uint8Array): T {
  (message as { [WIRE_ENCODER]?: () => Uint8Array })[WIRE_ENCODER] = encode;
  return message;
}

/** Attaches the already-encoded wire bytes of `message` (see `withWireEncoder`). */
export function withWireBytes<T extends object>(message: T, bytes: Uint8Array): T {
  return withWireEncoder(message, () => bytes);
}

const requestDecoders = new Map<string, (bytes: Uint8Array) => unknown>();

/**
 * Registers a hand-written decoder for requests of one message type (a hot
 * path, e.g. GetOnlineFeatures), used instead of the reflective `fromBinary`.
 * It must return what `fromBinary` would and throw on invalid bytes.
 */
export function setRequestDecoder<I extends DescMessage>(
  schema: I,
  decode: (bytes: Uint8Array) => MessageShape<I>,
): void {
  requestDecoders.set(schema.typeName, decode);
}

/**
 * A request whose bytes did not decode. grpc-js would answer INTERNAL for a
 * throwing deserializer; returning this instead lets the adapter answer
 * INVALID_ARGUMENT, because the fault is the client's.
 */
class UndecodableRequest {
  constructor(
    readonly typeName: string,
    readonly reason: string,
  ) {}
}

/** What observers see of a request: undefined when it did not decode. */
function requestForObservers(request: unknown): unknown {
  return request instanceof UndecodableRequest ? undefined : request;
}

/** The decoded request, or INVALID_ARGUMENT for bytes that are not a valid message. */
function decoded<T>(request: T | UndecodableRequest): T {
  if (request instanceof UndecodableRequest) {
    throw invalidArgument(`the request is not a valid ${request.typeName} message: ${request.reason}`);
  }
  return request;
}

export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  const def: Record<string, unknown> = {};
  for (const method of service.methods) {
    def[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: method.methodKind === "server_streaming",
      requestSerialize: (m: MessageShape<DescMessage>) => Buffer.from(toBinary(method.input, m)),
      requestDeserialize: (b: Buffer) => {
        try {
          const custom = requestDecoders.get(method.input.typeName);
          return custom ? custom(b) : fromBinary(method.input, b);
        } catch (err) {
          return new UndecodableRequest(method.input.typeName, (err as Error).message);
        }
      },
      responseSerialize: (m: MessageShape<DescMessage>) => {
        const encode = (m as { [WIRE_ENCODER]?: () => Uint8Array })[WIRE_ENCODER];
        if (encode) {
          const b = encode();
          return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
        }
        return Buffer.from(toBinary(method.output, m));
      },
      responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
      originalName: method.localName,
    };
  }
  return def as ServiceDefinition;
}

const DEADLINE_SLACK_MS = 50;

/** What the adapter uses of a grpc-js server call. */
interface ServerCall {
  readonly cancelled: boolean;
  readonly metadata: Metadata;
  getDeadline(): Date | number;
  on(ev: "cancelled", f: () => void): unknown;
}

const CONTEXT = Symbol("fstore.callContext");

/** The "cancelled" listener of every call: one shared function, no closure per call. */
function onCancelled(this: ServerCall & { [CONTEXT]?: LazyCallContext }): void {
  this[CONTEXT]?.markCancelled();
}

/**
 * A call's context, cheap to create: the AbortController and the deadline's
 * Date are made only when a handler reads them (a GetOnlineFeatures call reads
 * neither), and the cancel listener is one shared function.
 */
class LazyCallContext implements CallContext {
  #controller: AbortController | undefined;
  #deadline: Date | undefined | null = null;
  /** When the call was cancelled (ms since epoch), 0 while live. */
  cancelledAt = 0;

  constructor(
    readonly call: ServerCall,
    readonly method: string,
  ) {
    (call as { [CONTEXT]?: LazyCallContext })[CONTEXT] = this;
    call.on("cancelled", onCancelled);
  }

  get metadata(): Metadata {
    return this.call.metadata;
  }

  get cancelled(): boolean {
    return this.cancelledAt !== 0 || this.call.cancelled;
  }

  get deadline(): Date | undefined {
    if (this.#deadline === null) {
      const d = this.call.getDeadline();
      this.#deadline = d instanceof Date ? d : Number.isFinite(d) ? new Date(d) : undefined;
    }
    return this.#deadline;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.cancelled) this.#abort();
    }
    return this.#controller.signal;
  }

  markCancelled(): void {
    if (this.cancelledAt === 0) this.cancelledAt = Date.now();
    this.#abort();
  }

  #abort(): void {
    if (this.#controller && !this.#controller.signal.aborted) {
      this.#controller.abort(new Error("call cancelled by the client or deadline"));
    }
  }
}

/**
 * The status of a call the client cancelled or whose deadline passed, so
 * observers record CANCELLED / DEADLINE_EXCEEDED rather than the handler's
 * own outcome (which the client never sees). Undefined for a live call.
 */
function abortedStatus(ctx: LazyCallContext): { code: GrpcStatus; details: string } | undefined {
  if (!ctx.cancelled) return undefined;
  // The client's own timer usually fires a little before the server's copy of the deadline (the
  // grpc-timeout header is counted from when the server received it), and the client then
  // cancels: a cancel that close to the deadline is the deadline.
  const at = ctx.cancelledAt || Date.now();
  const deadline = ctx.deadline;
  if (deadline && at >= deadline.getTime() - DEADLINE_SLACK_MS) {
    return { code: GrpcStatus.DEADLINE_EXCEEDED, details: "the call's deadline passed" };
  }
  return { code: GrpcStatus.CANCELLED, details: "the call was cancelled" };
}

export function grpcServiceImplementation<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  observe?: CallObserver,
): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (impl as Record<string, unknown>)[method.localName];
    if (typeof handler !== "function") throw new Error(`no handler for ${service.typeName}/${method.name}`);
    if (method.methodKind === "unary") {
      const unary: handleUnaryCall<In<DescMethod>, Out<DescMethod>> = (call, callback) => {
        const obs = observe?.(method.name, "unary", requestForObservers(call.request));
        const ctx = new LazyCallContext(call, method.name);
        // Through a promise, so even a handler that throws synchronously becomes a status.
        Promise.resolve()
          .then(() => (handler as UnaryHandler<DescMessage, DescMessage>)(decoded(call.request), ctx))
          .then(
            (res) => {
              const aborted = abortedStatus(ctx);
              obs?.end(aborted?.code ?? 0, aborted?.details ?? "");
              callback(null, res);
            },
            (err: unknown) => {
              const status = abortedStatus(ctx) ?? toServiceError(err);
              obs?.end(status.code, status.details);
              callback(status, null);
            },
          );
      };
      out[method.name] = unary;
    } else if (method.methodKind === "server_streaming") {
      const streaming: handleServerStreamingCall<In<DescMethod>, Out<DescMethod>> = (call) => {
        const obs = observe?.(method.name, "server_streaming", requestForObservers(call.request));
        const ctx = new LazyCallContext(call, method.name);
        void Promise.resolve()
          .then(() =>
            pump(
              call,
              (handler as ServerStreamingHandler<DescMessage, DescMessage>)(decoded(call.request), ctx),
              ctx,
            ),
          )
          .then(
            () => {
              const aborted = abortedStatus(ctx);
              obs?.end(aborted?.code ?? 0, aborted?.details ?? "");
              call.end();
            },
            (err: unknown) => {
              const status = abortedStatus(ctx) ?? toServiceError(err);
              obs?.end(status.code, status.details);
              // grpc-js turns an 'error' event into the call's status; destroy() would skip
              // sending it, leaving the client waiting until its deadline.
              call.emit("error", Object.assign(new Error(status.details), status));
            },
          );
      };
      out[method.name] = streaming;
    } else {
      throw new Error(`${method.methodKind} methods are not supported`);
    }
  }
  return out;
}

/** Writes every message, waiting for the transport to drain so memory stays bounded. */
async function pump(
  call: ServerWritableStream<unknown, unknown>,
  messages: AsyncIterable<unknown>,
  ctx: CallContext,
): Promise<void> {
  for await (const msg of messages) {
    if (ctx.cancelled) return;
    if (!call.write(msg)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          call.off("drain", done);
          call.off("cancelled", done);
          resolve();
        };
        call.on("drain", done);
        call.on("cancelled", done);
      });
    }
  }
}

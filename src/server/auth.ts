/**
 * Authentication (`server.auth` in feature_store.yaml) as a grpc-js server
 * interceptor, so it guards every service on the port: FeatureService and
 * reflection. Health checks stay open, because load balancers and
 * orchestrators probe without credentials. The caller's identity (static
 * token, JWT or client certificate; see src/auth/) is attached to the call's
 * metadata for the enforcement step (call-identity.ts). Failed attempts are
 * limited per peer address (auth-throttle.ts): a peer over the limit gets
 * RESOURCE_EXHAUSTED with RetryInfo until its minute ends.
 *
 * The interceptor wraps each call in `AuthenticatingCall`, a plain delegate
 * that only holds back the metadata until the caller is known, instead of
 * grpc-js's general `ServerInterceptingCall` (a responder, a listener and
 * closures per call and per message): on the serving path that general
 * wrapper alone cost more than the 3% that authentication may add.
 *
 * A client certificate's identity is remembered per TLS connection: Node
 * parses the certificate into a new object on every call (with three
 * fingerprints), which cost a third of a 1 x 50 call's CPU, and HTTP/2
 * sessions refuse TLS renegotiation, so a connection's certificate never
 * changes. The connection is found through grpc-js's call internals; should
 * they change, every call simply parses the certificate again.
 */
import { TLSSocket } from "node:tls";
import type {
  Deadline,
  status as GrpcStatusType,
  Metadata,
  ServerInterceptingCall,
  ServerInterceptingCallInterface,
  ServerInterceptor,
} from "@grpc/grpc-js";
import { status as GrpcStatus } from "@grpc/grpc-js";

// grpc-js does not export these types of its call interface.
type Call = ServerInterceptingCallInterface;
type InterceptingServerListener = Parameters<Call["start"]>[0];
type PartialStatusObject = Parameters<Call["sendStatus"]>[0];

import type { Logger } from "pino";
import { type AuthConfig, createAuthenticator } from "../auth/index.js";
import { FstoreError } from "../errors/index.js";
import type { Identity } from "../permissions/index.js";
import type { AuditLog } from "./audit-log.js";
import { type AuthThrottle, createAuthThrottle, peerAddress } from "./auth-throttle.js";
import { attachIdentity } from "./call-identity.js";
import { toGrpcCode } from "./grpc-status.js";
import { retryMetadata } from "./retry-info.js";

/** Paths that never need credentials. */
const publicPathPrefixes = ["/grpc.health.v1.Health/"];

export interface AuthOptions extends AuthConfig {
  /** The clock (tests move it). */
  now?: () => number;
}

/** What decides on a call's metadata: the server's authentication, shared by every call. */
interface CallChecker {
  check(call: AuthenticatingCall, metadata: Metadata): void;
}

/**
 * A call whose metadata reaches the handler only once the checker accepted
 * it. Until then the handler has not asked to read (grpc-js's handlers call
 * `startRead` when they receive the metadata), so no message reaches it
 * before the caller is known, even when authentication is asynchronous (a JWT
 * whose keys are being fetched). It is its own listener on the call below, so
 * a call costs one object and no closures (closures are not free: tsx names
 * every function it creates).
 */
class AuthenticatingCall implements Call {
  #listener: InterceptingServerListener | undefined;
  #metadata: Metadata | undefined;

  constructor(
    readonly next: Call,
    readonly path: string,
    readonly checker: CallChecker,
  ) {}

  /** Hands the metadata, with the caller's identity attached, to the handler. */
  accept(identity: Identity): void {
    const metadata = this.#metadata as Metadata;
    attachIdentity(metadata, identity);
    this.#listener?.onReceiveMetadata(metadata);
  }

  start(listener: InterceptingServerListener): void {
    this.#listener = listener;
    this.next.start(this);
  }
  onReceiveMetadata(metadata: Metadata): void {
    this.#metadata = metadata;
    this.checker.check(this, metadata);
  }
  onReceiveMessage(message: unknown): void {
    this.#listener?.onReceiveMessage(message);
  }
  onReceiveHalfClose(): void {
    this.#listener?.onReceiveHalfClose();
  }
  onCancel(): void {
    this.#listener?.onCancel();
  }
  sendMetadata(metadata: Metadata): void {
    this.next.sendMetadata(metadata);
  }
  sendMessage(message: unknown, callback: () => void): void {
    this.next.sendMessage(message, callback);
  }
  sendStatus(status: PartialStatusObject): void {
    this.next.sendStatus(status);
  }
  startRead(): void {
    this.next.startRead();
  }
  getPeer(): string {
    return this.next.getPeer();
  }
  getDeadline(): Deadline {
    return this.next.getDeadline();
  }
  getHost(): string {
    return this.next.getHost();
  }
  getAuthContext(): ReturnType<Call["getAuthContext"]> {
    return this.next.getAuthContext();
  }
  getConnectionInfo(): ReturnType<Call["getConnectionInfo"]> {
    return this.next.getConnectionInfo();
  }
  getMetricsRecorder(): ReturnType<Call["getMetricsRecorder"]> {
    return this.next.getMetricsRecorder();
  }
}

/** The TLS connection a grpc-js call arrived on, or undefined (plaintext, or internals not as expected). */
function tlsSocketOf(call: Call): TLSSocket | undefined {
  let c = call as
    | { next?: unknown; nextCall?: unknown; stream?: { session?: { socket?: unknown } } }
    | undefined;
  for (let depth = 0; c && depth < 8 && c.stream === undefined; depth++) {
    c = (c.next ?? c.nextCall) as typeof c;
  }
  const socket = c?.stream?.session?.socket;
  return socket instanceof TLSSocket ? socket : undefined;
}

/** A server interceptor rejecting calls without accepted credentials. */
export function createAuthInterceptor(
  options: AuthOptions,
  logger: Logger,
  audit?: AuditLog,
): ServerInterceptor {
  const throttle: AuthThrottle = createAuthThrottle({ maxFailures: options.maxFailuresPerMinute });
  const authenticate = createAuthenticator(options);
  const now = options.now ?? Date.now;
  /** Identities of client certificates, per TLS connection (see the opening comment). */
  const byConnection = new WeakMap<TLSSocket, Identity>();

  const reject = (call: AuthenticatingCall, err: unknown): void => {
    const path = call.path;
    const peer = peerAddress(call.getPeer());
    const e = FstoreError.from(err);
    const code: GrpcStatusType = toGrpcCode(e.code);
    throttle.recordFailure(peer, now());
    logger.warn({ method: path, peer, code: GrpcStatus[code], error: e.message }, "call rejected");
    const rpc = path.slice(path.lastIndexOf("/") + 1);
    audit?.write({
      identity: undefined,
      rpc,
      checks: [],
      decision: "deny",
      code: GrpcStatus[code],
      rows: 0,
    });
    call.sendStatus({ code, details: e.message });
  };

  const checker: CallChecker = {
    check(call, metadata) {
      // A peer's address is looked up only while some address has failed lately.
      if (throttle.hasFailures()) {
        const peer = peerAddress(call.getPeer());
        const wait = throttle.retryAfterMs(peer, now());
        if (wait > 0) {
          const code = GrpcStatus.RESOURCE_EXHAUSTED;
          const details = `too many failed authentication attempts from ${peer}; retry in ${Math.ceil(wait / 1000)} s`;
          logger.warn(
            { method: call.path, peer, code: GrpcStatus[code] },
            "call refused: authentication throttled",
          );
          call.sendStatus({ code, details, metadata: retryMetadata(code, details, wait) });
          return;
        }
      }
      try {
        const authorization = metadata.get("authorization");
        if (authorization.length > 0) {
          const identity = authenticate(authorization, undefined);
          if (identity instanceof Promise) {
            identity.then(
              (id) => call.accept(id),
              (err: unknown) => reject(call, err),
            );
          } else call.accept(identity);
          return;
        }
        // No token: the client certificate, once per connection.
        const socket = tlsSocketOf(call.next);
        const known = socket && byConnection.get(socket);
        if (known) {
          call.accept(known);
          return;
        }
        const identity = authenticate(authorization, call.getAuthContext().sslPeerCertificate);
        if (identity instanceof Promise) {
          identity.then(
            (id) => call.accept(id),
            (err: unknown) => reject(call, err),
          );
        } else {
          if (socket) byConnection.set(socket, identity);
          call.accept(identity);
        }
      } catch (err) {
        reject(call, err);
      }
    },
  };

  return (methodDescriptor, call) => {
    const path = methodDescriptor.path;
    // grpc-js uses only the call interface of what an interceptor returns (see open-streams.ts).
    if (publicPathPrefixes.some((p) => path.startsWith(p))) return call as ServerInterceptingCall;
    return new AuthenticatingCall(call, path, checker) as unknown as ServerInterceptingCall;
  };
}

/**
 * Authentication (`server.auth` in feature_store.yaml) as a grpc-js server
 * interceptor, so it guards every service on the port: FeatureService and
 * reflection. Health checks stay open, because load balancers and
 * orchestrators probe without credentials. The caller's identity (static
 * token, JWT or client certificate; see src/auth/) is attached to the call's
 * metadata for the enforcement step (call-identity.ts). Failed attempts are
 * limited per peer address (auth-throttle.ts): a peer over the limit gets
 * RESOURCE_EXHAUSTED with RetryInfo until its minute ends.
 */
import {
  status as GrpcStatus,
  type Metadata,
  ResponderBuilder,
  ServerInterceptingCall,
  type ServerInterceptor,
  ServerListenerBuilder,
} from "@grpc/grpc-js";
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

/** A server interceptor rejecting calls without accepted credentials. */
export function createAuthInterceptor(
  options: AuthOptions,
  logger: Logger,
  audit?: AuditLog,
): ServerInterceptor {
  const throttle: AuthThrottle = createAuthThrottle({ maxFailures: options.maxFailuresPerMinute });
  const authenticate = createAuthenticator(options);
  const now = options.now ?? Date.now;
  return (methodDescriptor, call) => {
    const path = methodDescriptor.path;
    if (publicPathPrefixes.some((p) => path.startsWith(p))) return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata: Metadata, next) => {
        const peer = peerAddress(call.getPeer());
        const wait = throttle.retryAfterMs(peer, now());
        if (wait > 0) {
          const code = GrpcStatus.RESOURCE_EXHAUSTED;
          const details = `too many failed authentication attempts from ${peer}; retry in ${Math.ceil(wait / 1000)} s`;
          logger.warn(
            { method: path, peer, code: GrpcStatus[code] },
            "call refused: authentication throttled",
          );
          call.sendStatus({ code, details, metadata: retryMetadata(code, details, wait) });
          return;
        }
        const accept = (identity: Identity) => {
          attachIdentity(metadata, identity);
          next(metadata);
        };
        const reject = (err: unknown) => {
          const e = FstoreError.from(err);
          const code = toGrpcCode(e.code);
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
        try {
          const identity = authenticate(
            metadata.get("authorization"),
            call.getAuthContext().sslPeerCertificate,
          );
          if (identity instanceof Promise) identity.then(accept, reject);
          else accept(identity);
        } catch (err) {
          reject(err);
        }
      })
      .build();
    const responder = new ResponderBuilder().withStart((next) => next(listener)).build();
    return new ServerInterceptingCall(call, responder);
  };
}

/**
 * Static bearer-token authentication (`server.auth.tokens` in
 * feature_store.yaml), as a grpc-js server interceptor so it guards every
 * service on the port: FeatureService and reflection. Health checks stay
 * open, because load balancers and orchestrators probe without credentials.
 * Failed attempts are limited per peer address (auth-throttle.ts): a peer
 * over the limit gets RESOURCE_EXHAUSTED with RetryInfo until its minute ends.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import {
  status as GrpcStatus,
  type Metadata,
  ResponderBuilder,
  ServerInterceptingCall,
  type ServerInterceptor,
  ServerListenerBuilder,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import { type AuthThrottle, createAuthThrottle, peerAddress } from "./auth-throttle.js";
import { retryMetadata } from "./retry-info.js";

/** Paths that never need a token. */
const publicPathPrefixes = ["/grpc.health.v1.Health/"];

/** The result of checking a call's metadata against the configured tokens. */
export type AuthDecision =
  | { ok: true }
  | { ok: false; code: GrpcStatus.UNAUTHENTICATED | GrpcStatus.PERMISSION_DENIED; message: string };

/**
 * Decides whether `authorization` metadata values carry one of `tokens`.
 * Missing or malformed credentials are UNAUTHENTICATED; a well-formed but
 * unknown token is PERMISSION_DENIED.
 */
export function checkBearerToken(authorization: readonly unknown[], tokens: readonly string[]): AuthDecision {
  const header = authorization.find((v): v is string => typeof v === "string");
  if (header === undefined) {
    return {
      ok: false,
      code: GrpcStatus.UNAUTHENTICATED,
      message: 'missing credentials: send metadata "authorization: Bearer <token>"',
    };
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    return {
      ok: false,
      code: GrpcStatus.UNAUTHENTICATED,
      message: 'malformed authorization metadata: expected "Bearer <token>"',
    };
  }
  const presented = digest(match[1]);
  // Compare digests in constant time so response timing does not leak a token's prefix.
  const known = tokens.some((t) => timingSafeEqual(digest(t), presented));
  return known
    ? { ok: true }
    : {
        ok: false,
        code: GrpcStatus.PERMISSION_DENIED,
        message: "the bearer token is not accepted by this server",
      };
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

export interface AuthOptions {
  tokens: readonly string[];
  /** Failed attempts a peer may make per minute. */
  maxFailuresPerMinute: number;
  /** The clock (tests move it). */
  now?: () => number;
}

/** A server interceptor rejecting calls without an accepted bearer token. */
export function createAuthInterceptor(options: AuthOptions, logger: Logger): ServerInterceptor {
  const throttle: AuthThrottle = createAuthThrottle({ maxFailures: options.maxFailuresPerMinute });
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
        const decision = checkBearerToken(metadata.get("authorization"), options.tokens);
        if (decision.ok) {
          next(metadata);
          return;
        }
        throttle.recordFailure(peer, now());
        logger.warn(
          { method: path, peer, code: GrpcStatus[decision.code], error: decision.message },
          "call rejected",
        );
        call.sendStatus({ code: decision.code, details: decision.message });
      })
      .build();
    const responder = new ResponderBuilder().withStart((next) => next(listener)).build();
    return new ServerInterceptingCall(call, responder);
  };
}

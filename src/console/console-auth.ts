/**
 * Who is calling the console, with the server's own authentication
 * (`server.auth`, src/auth): a bearer token in the Authorization header (for
 * scripts), the token a person entered on the sign-in page (kept in an
 * HttpOnly, SameSite=Strict cookie and checked again on every request, so an
 * expired JWT or a token removed from the config stops working at once), or,
 * without a token, the client certificate of a mutual-TLS connection. Failed
 * attempts are limited per client address like the gRPC port's.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { type AuthConfig, createAuthenticator, type PeerCertificateNames } from "../auth/index.js";
import { Code, FstoreError } from "../errors/index.js";
import type { Identity } from "../permissions/index.js";
import { createAuthThrottle } from "../server/auth-throttle.js";

export const TOKEN_COOKIE = "fstore_console_token";

export interface ConsoleAuth {
  /** The caller's identity; undefined when the server does not authenticate. Throws FstoreError. */
  identify(req: IncomingMessage): Promise<Identity | undefined>;
  /** Checks a token typed on the sign-in page. */
  checkToken(req: IncomingMessage, token: string): Promise<Identity>;
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The verified client certificate of a TLS request, if any. */
function peerCertificate(req: IncomingMessage): PeerCertificateNames | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || typeof socket.getPeerCertificate !== "function")
    return undefined;
  const cert = socket.getPeerCertificate();
  return cert && Object.keys(cert).length > 0 ? (cert as PeerCertificateNames) : undefined;
}

function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? "unknown";
}

export function createConsoleAuth(config: AuthConfig | null, now: () => number = Date.now): ConsoleAuth {
  if (config === null) {
    return {
      identify: async () => undefined,
      checkToken: async () => {
        throw new FstoreError(
          Code.FailedPrecondition,
          "this server does not authenticate: no sign-in needed",
        );
      },
    };
  }
  const authenticate = createAuthenticator(config);
  const throttle = createAuthThrottle({ maxFailures: config.maxFailuresPerMinute });
  const attempt = async (req: IncomingMessage, authorization: string[]): Promise<Identity> => {
    const peer = clientAddress(req);
    const wait = throttle.retryAfterMs(peer, now());
    if (wait > 0) {
      throw new FstoreError(
        Code.ResourceExhausted,
        `too many failed authentication attempts from ${peer}; retry in ${Math.ceil(wait / 1000)} s`,
      );
    }
    try {
      return await authenticate(authorization, peerCertificate(req));
    } catch (err) {
      // Only a wrong guess counts: a browser's first visit, without credentials, is not an attempt.
      if (authorization.length > 0) throttle.recordFailure(peer, now());
      throw err;
    }
  };
  return {
    identify(req) {
      const header = req.headers.authorization;
      const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE);
      const authorization = header !== undefined ? [header] : cookie ? [`Bearer ${cookie}`] : [];
      return attempt(req, authorization);
    },
    checkToken(req, token) {
      return attempt(req, [`Bearer ${token.trim()}`]);
    },
  };
}

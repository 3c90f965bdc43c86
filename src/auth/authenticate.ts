/**
 * Who is calling, from a call's credentials: a bearer token (static, or a JWT
 * when `server.auth.jwt` is set) or, without one, a client certificate the
 * TLS layer verified. Missing, malformed or invalid credentials are
 * UNAUTHENTICATED; a well-formed static token the server does not know is
 * PERMISSION_DENIED (as before identities had roles).
 */
import { Code, FstoreError } from "../errors/index.js";
import type { Identity } from "../permissions/index.js";
import { createCertificateIdentities, type PeerCertificateNames } from "./client-certificate.js";
import { createJwtVerifier } from "./jwt-verifier.js";
import { createStaticTokens } from "./static-tokens.js";
import type { AuthConfig } from "./types.js";

/** Resolves a call's identity or throws FstoreError; synchronous for static tokens and certificates. */
export type Authenticator = (
  authorization: readonly unknown[],
  peerCertificate: PeerCertificateNames | undefined,
) => Identity | Promise<Identity>;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export function createAuthenticator(config: AuthConfig): Authenticator {
  const staticToken = createStaticTokens(config.tokens);
  const jwt = config.jwt ? createJwtVerifier(config.jwt) : undefined;
  const certificateIdentity = createCertificateIdentities(config.clientCertificates);
  return (authorization, peerCertificate) => {
    const header = authorization.find((v): v is string => typeof v === "string");
    if (header === undefined) {
      if (peerCertificate) return certificateIdentity(peerCertificate);
      throw new FstoreError(
        Code.Unauthenticated,
        'missing credentials: send metadata "authorization: Bearer <token>"',
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (!token) {
      throw new FstoreError(
        Code.Unauthenticated,
        'malformed authorization metadata: expected "Bearer <token>"',
      );
    }
    const known = staticToken(token);
    if (known) return known;
    if (jwt && JWT_SHAPE.test(token)) return jwt(token);
    throw new FstoreError(Code.PermissionDenied, "the bearer token is not accepted by this server");
  };
}

/**
 * OIDC/JWT bearer tokens, verified with `jose` against a JWKS (a URL, fetched
 * and cached, or a local file): signature by a known key id, issuer, audience,
 * expiry and not-before. Roles come from a configurable claim. A verified
 * token is remembered until it expires (bounded), so the serving path pays
 * one map lookup per call rather than a signature check.
 */
import { readFileSync } from "node:fs";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import { Code, FstoreError, invalidArgument, unavailable } from "../errors/index.js";
import type { Identity } from "../permissions/index.js";
import type { JwtConfig } from "./types.js";

/** Asymmetric algorithms only: `none` and shared-secret HMAC are never accepted. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
/** Verified tokens remembered at most (a token is small; this bounds memory under token churn). */
const MAX_REMEMBERED = 10_000;

const unauthenticated = (message: string, cause?: unknown) =>
  new FstoreError(Code.Unauthenticated, message, { cause });

/** The value at a dotted claim path. */
function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function rolesOf(payload: JWTPayload, claim: string): string[] {
  const value = claimAt(payload, claim);
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** Why jose refused a token, in words a caller can act on (never the token). */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "the token has expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `claim "${err.claim}" is not accepted (${err.reason})`;
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "no key of the JWKS matches the token's key id";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "the token's signing algorithm is not accepted";
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return "the token's signature does not verify";
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid) {
    return "the token is not a valid JWT";
  }
  return `the token cannot be verified: ${(err as Error).message}`;
}

export type JwtVerifier = (token: string) => Promise<Identity>;

export function createJwtVerifier(config: JwtConfig, now: () => number = Date.now): JwtVerifier {
  const keys =
    "url" in config.jwks
      ? createRemoteJWKSet(new URL(config.jwks.url), { cacheMaxAge: config.jwks.cacheSeconds * 1000 })
      : createLocalJWKSet(readJwksFile(config.jwks.path));
  const remembered = new Map<string, { identity: Identity; expiresMs: number }>();
  return async (token) => {
    const hit = remembered.get(token);
    if (hit && hit.expiresMs > now()) return hit.identity;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: ALGORITHMS,
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ["exp"],
        currentDate: new Date(now()),
      }));
    } catch (err) {
      // The key set could not be fetched: the identity provider's fault, worth a retry, not the caller's.
      if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError)) {
        throw unavailable(`cannot fetch the JWKS to verify the bearer JWT: ${(err as Error).message}`, err);
      }
      throw unauthenticated(`bearer JWT rejected: ${reasonOf(err)}`, err);
    }
    const name = claimAt(payload, config.nameClaim);
    const identity: Identity = {
      name: `jwt:${typeof name === "string" ? name : "unnamed"}`,
      roles: rolesOf(payload, config.rolesClaim),
    };
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(token, { identity, expiresMs: (payload.exp ?? 0) * 1000 });
    return identity;
  };
}

function readJwksFile(path: string): JSONWebKeySet {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as JSONWebKeySet;
  } catch (err) {
    throw invalidArgument(
      `server.auth.jwt.jwks_path: cannot read a JWKS from "${path}": ${(err as Error).message}`,
      err,
    );
  }
}

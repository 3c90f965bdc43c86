/**
 * Static bearer tokens (`server.auth.tokens`). Tokens are compared by their
 * SHA-256 digests in constant time, so response timing does not leak a
 * token's prefix.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Identity } from "../permissions/index.js";
import type { StaticToken } from "./types.js";

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** A lookup from a presented token to its identity (undefined for an unknown token). */
export function createStaticTokens(tokens: readonly StaticToken[]): (token: string) => Identity | undefined {
  const known = tokens.map((t) => ({ digest: digest(t.token), identity: { name: t.name, roles: t.roles } }));
  return (token) => {
    const presented = digest(token);
    let found: Identity | undefined;
    // Every digest is compared (no early exit), so timing does not tell which token matched.
    for (const k of known) if (timingSafeEqual(k.digest, presented)) found = k.identity;
    return found;
  };
}

/**
 * Static bearer tokens (`server.auth.tokens`). Tokens are compared by their
 * SHA-256 digests in constant time, so response timing does not leak a
 * token's prefix. A token once accepted is then found by a map lookup (the
 * serving path presents the same token call after call; hashing it each time
 * cost more than the rest of the decision). The map holds only accepted
 * tokens, at most one entry per configured token, and a lookup reveals
 * nothing of a token's prefix: it compares string hashes, then whole strings.
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
  const accepted = new Map<string, Identity>();
  return (token) => {
    const seen = accepted.get(token);
    if (seen) return seen;
    const presented = digest(token);
    let found: Identity | undefined;
    // Every digest is compared (no early exit), so timing does not tell which token matched.
    for (const k of known) if (timingSafeEqual(k.digest, presented)) found = k.identity;
    if (found) accepted.set(token, found);
    return found;
  };
}

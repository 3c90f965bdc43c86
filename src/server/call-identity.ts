/**
 * The authenticated identity of a call, carried from the auth interceptor to
 * the enforcement step on the call's metadata object (grpc-js hands the
 * handler the same object the interceptor passed on).
 */
import type { Metadata } from "@grpc/grpc-js";
import type { Identity } from "../permissions/index.js";

const identities = new WeakMap<Metadata, Identity>();

export function attachIdentity(metadata: Metadata, identity: Identity): void {
  identities.set(metadata, identity);
}

/** The call's identity; undefined when the server runs without `server.auth`. */
export function identityOf(metadata: Metadata): Identity | undefined {
  return identities.get(metadata);
}

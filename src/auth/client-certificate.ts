/**
 * Client certificates as identities (mutual TLS). The TLS layer has already
 * verified the certificate against `server.tls.client_ca_path`; here its
 * subject CN and SAN entries are mapped to roles.
 */
import type { Identity } from "../permissions/index.js";
import type { ClientCertificateRoles } from "./types.js";

/** What is read of a peer certificate (Node's `PeerCertificate`). */
export interface PeerCertificateNames {
  subject?: { CN?: string | string[] };
  /** e.g. "DNS:svc.internal, URI:spiffe://x/y, email:a@b" */
  subjectaltname?: string;
  /** SHA-256 of the certificate (Node sets it): the key under which its identity is remembered. */
  fingerprint256?: string;
}

/** The certificate's names: its CN(s) and SAN values without their "DNS:" style prefixes. */
export function certificateNames(cert: PeerCertificateNames): string[] {
  const cn = cert.subject?.CN;
  const names = cn === undefined ? [] : Array.isArray(cn) ? [...cn] : [cn];
  for (const entry of (cert.subjectaltname ?? "").split(",")) {
    const value = entry.trim().replace(/^[A-Za-z ]+:/, "");
    if (value !== "") names.push(value);
  }
  return names;
}

/**
 * Identities of client certificates already seen, by certificate: a client
 * keeps presenting the same certificate, and the same identity object lets the
 * access decisions cached per identity hit (a new object per call missed them
 * all). Bounded: cleared when it reaches this many certificates.
 */
const MAX_REMEMBERED_CERTIFICATES = 1024;

/** `certificateIdentity`, remembered per certificate fingerprint for one set of mappings. */
export function createCertificateIdentities(
  mappings: readonly ClientCertificateRoles[],
): (cert: PeerCertificateNames) => Identity {
  const byFingerprint = new Map<string, Identity>();
  return (cert) => {
    const key = cert.fingerprint256;
    if (!key) return certificateIdentity(cert, mappings);
    let identity = byFingerprint.get(key);
    if (!identity) {
      identity = certificateIdentity(cert, mappings);
      if (byFingerprint.size >= MAX_REMEMBERED_CERTIFICATES) byFingerprint.clear();
      byFingerprint.set(key, identity);
    }
    return identity;
  };
}

/** The identity of a verified client certificate: "cert:<first name>", with the roles of every mapping that matches one of its names. */
export function certificateIdentity(
  cert: PeerCertificateNames,
  mappings: readonly ClientCertificateRoles[],
): Identity {
  const names = certificateNames(cert);
  const roles = new Set<string>();
  for (const m of mappings) if (names.includes(m.subject)) for (const r of m.roles) roles.add(r);
  return { name: `cert:${names[0] ?? "unnamed"}`, roles: [...roles] };
}

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

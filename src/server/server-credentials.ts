/**
 * Transport credentials from `server.tls` in feature_store.yaml: TLS when a
 * certificate and key are configured (mutual TLS with `client_ca_path`),
 * plaintext otherwise (loopback use).
 */
import { readFileSync } from "node:fs";
import { ServerCredentials } from "@grpc/grpc-js";
import type { ServerConfig } from "../config/types.js";
import { invalidArgument } from "../errors/index.js";

/** Server credentials for `tls`; a missing or unreadable file is INVALID_ARGUMENT naming the key. */
export function serverCredentials(tls: ServerConfig["tls"]): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const read = (path: string, key: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw invalidArgument(`server.tls.${key}: cannot read "${path}": ${(err as Error).message}`, err);
    }
  };
  const certChain = read(tls.certPath, "cert_path");
  const privateKey = read(tls.keyPath, "key_path");
  // With a client CA, the TLS handshake refuses clients without a certificate it signed (mutual TLS).
  const clientCa = tls.clientCaPath === null ? null : read(tls.clientCaPath, "client_ca_path");
  return ServerCredentials.createSsl(
    clientCa,
    [{ cert_chain: certChain, private_key: privateKey }],
    clientCa !== null,
  );
}

/**
 * Transport credentials from `server.tls` in feature_store.yaml: TLS when a
 * certificate and key are configured, plaintext otherwise (loopback use).
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
  return ServerCredentials.createSsl(null, [{ cert_chain: certChain, private_key: privateKey }], false);
}

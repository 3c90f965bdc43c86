/**
 * A self-signed TLS certificate for tests, made with openssl: valid for
 * localhost and 127.0.0.1 for one day.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** Writes `cert.pem` and `key.pem` into `dir` and returns their paths. */
export function selfSignedCertificate(dir: string): { certPath: string; keyPath: string } {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ],
    { stdio: "ignore" },
  );
  return { certPath, keyPath };
}

/**
 * A self-signed TLS certificate for tests, made with openssl: valid for
 * localhost and 127.0.0.1 for one day.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
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

/** A certificate authority (EC key, one day) in `dir`: `<name>-ca.pem` and `<name>-ca.key`. */
export function certificateAuthority(dir: string, name: string): { certPath: string; keyPath: string } {
  const certPath = join(dir, `${name}-ca.pem`);
  const keyPath = join(dir, `${name}-ca.key`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name} test CA`,
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ],
    { stdio: "ignore" },
  );
  return { certPath, keyPath };
}

/**
 * A certificate signed by `ca` (EC key, one day) in `dir`, with subject CN
 * `cn` and the given subjectAltName (e.g. "DNS:localhost,IP:127.0.0.1").
 */
export function signedCertificate(
  dir: string,
  ca: { certPath: string; keyPath: string },
  cn: string,
  subjectAltName: string,
): { certPath: string; keyPath: string } {
  const base = join(dir, cn.replace(/[^A-Za-z0-9_-]/g, "_"));
  const keyPath = `${base}.key`;
  const csrPath = `${base}.csr`;
  const certPath = `${base}.pem`;
  const extPath = `${base}.ext`;
  execFileSync(
    "openssl",
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      keyPath,
      "-out",
      csrPath,
    ]),
    { stdio: "ignore" },
  );
  writeFileSync(extPath, `subjectAltName=${subjectAltName}\n`);
  execFileSync(
    "openssl",
    ["x509", "-req", "-in", csrPath, "-CA", ca.certPath, "-CAkey", ca.keyPath, "-CAcreateserial"].concat([
      "-days",
      "1",
      "-extfile",
      extPath,
      "-out",
      certPath,
    ]),
    { stdio: "ignore" },
  );
  return { certPath, keyPath };
}

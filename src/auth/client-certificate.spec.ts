import { describe, expect, it } from "vitest";
import { certificateIdentity, certificateNames, createCertificateIdentities } from "./client-certificate.js";

describe("client certificate identities", () => {
  const cert = {
    subject: { CN: "billing" },
    subjectaltname: "DNS:billing.internal, URI:spiffe://example.test/billing, email:ops@example.test",
  };

  it("names a certificate by its CN and SAN values without their prefixes", () => {
    expect(certificateNames(cert)).toEqual([
      "billing",
      "billing.internal",
      "spiffe://example.test/billing",
      "ops@example.test",
    ]);
    expect(certificateNames({})).toEqual([]);
  });

  it("gives the roles of every mapping matching one of its names, once each", () => {
    const identity = certificateIdentity(cert, [
      { subject: "spiffe://example.test/billing", roles: ["viewer", "writer"] },
      { subject: "billing", roles: ["viewer"] },
      { subject: "reports", roles: ["admin"] },
    ]);
    expect(identity).toEqual({ name: "cert:billing", roles: ["viewer", "writer"] });
  });

  it("authenticates an unmapped certificate without roles", () => {
    expect(certificateIdentity({ subject: { CN: "x" } }, [])).toEqual({ name: "cert:x", roles: [] });
  });

  it("gives the same identity object for the same certificate, so cached decisions hit", () => {
    const identities = createCertificateIdentities([{ subject: "billing", roles: ["viewer"] }]);
    const first = identities({ ...cert, fingerprint256: "AA:01" });
    // A new object per call, as Node parses the certificate each time.
    const again = identities({ ...cert, fingerprint256: "AA:01" });
    expect(again).toBe(first);
    expect(first).toEqual({ name: "cert:billing", roles: ["viewer"] });
    const other = identities({ subject: { CN: "reports" }, fingerprint256: "BB:02" });
    expect(other).toEqual({ name: "cert:reports", roles: [] });
    expect(other).not.toBe(first);
  });
});

/** `server.auth` in feature_store.yaml: where identities and their roles come from. */

/** A static bearer token and the identity it stands for. */
export interface StaticToken {
  token: string;
  /** For audit lines and messages; never the token itself. */
  name: string;
  roles: string[];
}

/** OIDC/JWT bearer tokens verified against a JWKS. */
export interface JwtConfig {
  /** Where the signing keys are: an https (or loopback http) URL, fetched and cached, or a local file. */
  jwks: { url: string; cacheSeconds: number } | { path: string };
  issuer: string;
  audience: string;
  /** Claim holding the roles (a list or one string); dotted for nested claims, e.g. "realm_access.roles". */
  rolesClaim: string;
  /** Claim naming the caller in audit lines. */
  nameClaim: string;
  /** Tolerated clock difference when checking exp and nbf. */
  clockToleranceSeconds: number;
}

/** A client certificate subject (CN or a SAN entry) and the roles it is given. */
export interface ClientCertificateRoles {
  subject: string;
  roles: string[];
}

export interface AuthConfig {
  tokens: StaticToken[];
  jwt: JwtConfig | null;
  /** Roles of client certificates (verified by the TLS layer against `server.tls.client_ca_path`). */
  clientCertificates: ClientCertificateRoles[];
  /** Failed attempts a peer may make per minute. */
  maxFailuresPerMinute: number;
}

export type { Authenticator } from "./authenticate.js";
export { createAuthenticator } from "./authenticate.js";
export type { PeerCertificateNames } from "./client-certificate.js";
export { certificateIdentity, certificateNames } from "./client-certificate.js";
export type { JwtVerifier } from "./jwt-verifier.js";
export { createJwtVerifier } from "./jwt-verifier.js";
export { createStaticTokens } from "./static-tokens.js";
export type { AuthConfig, ClientCertificateRoles, JwtConfig, StaticToken } from "./types.js";

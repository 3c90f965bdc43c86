// For repository authors and the CLI.
export { ConfigError } from "./config-error.js";
// For other modules.
export type { Env } from "./env-substitution.js";
export { substituteVariables } from "./env-substitution.js";
export {
  CONFIG_FILE_NAME,
  DEFAULT_AUTH_MAX_FAILURES_PER_MINUTE,
  DEFAULT_MATERIALIZATION_SCHEDULE,
  DEFAULT_MAX_FUTURE_SKEW_SECONDS,
  DEFAULT_METRICS_PORT,
  DEFAULT_REGISTRY_CACHE_TTL_SECONDS,
  DEFAULT_SERVER_LIMITS,
  DEFAULT_SERVER_PORT,
  loadRepoConfig,
  parseRepoConfig,
} from "./load-repo-config.js";
export { onlineStoreIdentity } from "./online-store-identity.js";
export type {
  MaterializationConfig,
  MetricsConfig,
  OfflineStoreConfig,
  OnlineStoreConfig,
  OpenLineageConfig,
  RedisOnlineStoreConfig,
  RegistryConfig,
  RepoConfig,
  ServerConfig,
  SqliteOnlineStoreConfig,
  WriteRulesConfig,
} from "./types.js";

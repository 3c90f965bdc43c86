import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import cron from "node-cron";
import { parse } from "yaml";
import type { ClientCertificateRoles, JwtConfig, StaticToken } from "../auth/types.js";
import { invalidArgument, notFound } from "../errors/index.js";
import { isPostgresUrl, postgresConnectionString } from "../registry/postgres-url.js";
import { ConfigReader, describe } from "./config-reader.js";
import type { Env } from "./env-substitution.js";
import type {
  FeatureLoggingConfig,
  MaterializationConfig,
  MetricsConfig,
  MonitoringConfig,
  OfflineStoreConfig,
  OnlineStoreConfig,
  OpenLineageConfig,
  RegistryConfig,
  RepoConfig,
  ServerConfig,
  StreamingConfig,
  WriteRulesConfig,
} from "./types.js";

/** The file name fstore (like Feast) reads in a repository folder. */
export const CONFIG_FILE_NAME = "feature_store.yaml";

export const DEFAULT_REGISTRY_CACHE_TTL_SECONDS = 5;
export const DEFAULT_MATERIALIZATION_SCHEDULE = "0 0 * * *";
export const DEFAULT_LEASE_TTL_SECONDS = 30;
export const DEFAULT_SERVER_PORT = 6566;
export const DEFAULT_METRICS_PORT = 9464;
/** Default bounds of one request (server.max_* keys); see README "Limits". */
export const DEFAULT_SERVER_LIMITS = {
  maxEntitiesPerRequest: 1000,
  maxValidateEntities: 10_000,
  // One push decodes and validates on the event loop (about 40 ms per 1,000 rows of 9 columns):
  // larger loads belong in files and Materialize.
  maxPushRows: 1000,
  maxHistoricalEntityRows: 1_000_000,
  maxMessageBytes: 64 * 1024 * 1024,
} as const;
export const DEFAULT_AUTH_MAX_FAILURES_PER_MINUTE = 10;
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 24 * 60 * 60;

/**
 * Reads `<repoPath>/feature_store.yaml`: substitutes `${VAR}` and
 * `${VAR:-default}` from `env`, validates every key (unknown keys, wrong types
 * and bad values are errors naming the file, the key path and what was
 * expected), applies defaults and resolves paths against the repository.
 */
export function loadRepoConfig(repoPath: string, env: Env = process.env): RepoConfig {
  const repo = resolve(repoPath);
  const file = join(repo, CONFIG_FILE_NAME);
  if (!existsSync(file)) throw notFound(`${file} not found: is ${repo} a feature repository?`);
  let document: unknown;
  try {
    document = parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw invalidArgument(`${file}: not valid YAML: ${(err as Error).message}`, err);
  }
  return parseRepoConfig(document, { repoPath: repo, configPath: file, env });
}

/** Validates an already parsed `feature_store.yaml` document (see `loadRepoConfig`). */
export function parseRepoConfig(
  document: unknown,
  where: { repoPath: string; configPath: string; env: Env },
): RepoConfig {
  const { repoPath, configPath: file, env } = where;
  const root = ConfigReader.of(file, "", document, env);
  const inRepo = (p: string) => (isAbsolute(p) ? p : resolve(repoPath, p));

  const project = root.requiredString("project");
  if (!/^[A-Za-z0-9_]+$/.test(project)) {
    throw root.error("project", `expected letters, digits and underscores only, got "${project}"`);
  }
  const provider = root.oneOf("provider", ["local"] as const, "local");
  const registry = readRegistry(root, inRepo);
  const onlineStore = readOnlineStore(root.section("online_store"), inRepo);
  const offlineStore = readOfflineStore(root.section("offline_store"), inRepo);
  const version = root.integer("entity_key_serialization_version", 3);
  if (version !== 3) {
    throw root.error(
      "entity_key_serialization_version",
      `expected 3 (the only supported version), got ${version}`,
    );
  }
  const materialization = readMaterialization(root);
  const server = readServer(root.section("server"), inRepo);
  const metrics = readMetrics(root.section("metrics"));
  const writeRules = readWriteRules(root.section("write_rules"));
  const featureLogging = readFeatureLogging(root.section("feature_logging"));
  const monitoring = readMonitoring(root.section("monitoring"));
  const openLineage = readOpenLineage(root.section("openlineage"), inRepo);
  const streaming = readStreaming(root.section("streaming"), inRepo);
  root.finish();
  return {
    repoPath,
    configPath: file,
    project,
    provider,
    registry,
    onlineStore,
    offlineStore,
    materialization,
    server,
    metrics,
    writeRules,
    featureLogging,
    monitoring,
    openLineage,
    streaming,
    entityKeySerializationVersion: 3,
  };
}

function readMonitoring(section: ConfigReader): MonitoringConfig {
  const raw = section.raw("schedule");
  let schedule: string | null = null;
  if (raw !== undefined && raw !== null && raw !== false && raw !== "off") {
    if (typeof raw !== "string" || !cron.validate(raw)) {
      throw section.error(
        "schedule",
        `expected a cron expression (e.g. "0 * * * *" for hourly), "off" or null, got ${describe(raw)}`,
      );
    }
    schedule = raw;
  }
  const config = {
    schedule,
    windowSeconds: section.number("window_seconds", 3600, 1),
    leaseTtlSeconds: section.number("lease_ttl_seconds", DEFAULT_LEASE_TTL_SECONDS, 1),
  };
  section.finish();
  return config;
}

function readFeatureLogging(section: ConfigReader): FeatureLoggingConfig {
  const config: FeatureLoggingConfig = {
    queueCapacity: section.integer("queue_capacity", 10_000, { min: 1, max: 10_000_000 }),
    writeToDiskIntervalSecs: section.number("write_to_disk_interval_secs", 60, 0.01),
  };
  section.finish();
  return config;
}

function readRegistry(root: ConfigReader, inRepo: (p: string) => string): RegistryConfig {
  const value = root.raw("registry");
  if (value === undefined || value === null) {
    return { path: inRepo("data/registry.db"), cacheTtlSeconds: DEFAULT_REGISTRY_CACHE_TTL_SECONDS };
  }
  if (typeof value === "string") {
    if (value === "") throw root.error("registry", "expected a non-empty path");
    if (isPostgresUrl(value)) {
      const url = postgresConnectionString(value);
      if (!url.ok) throw root.error("registry", url.error);
      return { registryType: "sql", path: value, cacheTtlSeconds: DEFAULT_REGISTRY_CACHE_TTL_SECONDS };
    }
    return { path: inRepo(value), cacheTtlSeconds: DEFAULT_REGISTRY_CACHE_TTL_SECONDS };
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw root.error(
      "registry",
      `expected a path or a mapping {path, cache_ttl_seconds}, got ${describe(value)}`,
    );
  }
  const section = root.section("registry");
  // Feast's keys: "file" (our SQLite file) or "sql" with a postgresql:// path.
  const path = section.requiredString("path");
  const registryType = section.oneOf(
    "registry_type",
    ["sqlite", "file", "sql"] as const,
    isPostgresUrl(path) ? "sql" : "sqlite",
  );
  const cacheTtlSeconds = section.number("cache_ttl_seconds", DEFAULT_REGISTRY_CACHE_TTL_SECONDS);
  section.finish();
  if (registryType === "sql") {
    const url = postgresConnectionString(path);
    if (!url.ok) throw section.error("path", `registry_type sql needs a PostgreSQL database: ${url.error}`);
    return { registryType: "sql", path, cacheTtlSeconds };
  }
  if (isPostgresUrl(path)) {
    throw section.error(
      "registry_type",
      `is "${registryType}", but path is a PostgreSQL URL: use registry_type: sql`,
    );
  }
  return { path: inRepo(path), cacheTtlSeconds };
}

function readOnlineStore(section: ConfigReader, inRepo: (p: string) => string): OnlineStoreConfig {
  const type = section.oneOf("type", ["sqlite", "redis"] as const, "sqlite");
  let config: OnlineStoreConfig;
  if (type === "sqlite") {
    config = { type, path: inRepo(section.string("path", "data/online_store.db")) };
  } else {
    const ttl = section.raw("key_ttl_seconds");
    config = {
      type,
      connectionString: section.string("connection_string", "localhost:6379"),
      redisType: section.oneOf("redis_type", ["redis", "redis_cluster"] as const, "redis"),
      keyTtlSeconds:
        ttl === undefined || ttl === null ? null : section.integer("key_ttl_seconds", 0, { min: 1 }),
      layout: section.oneOf("layout", ["packed", "feast"] as const, "packed"),
      readTimeoutMs: section.integer("read_timeout_ms", 1000, { min: 1 }),
    };
    if (config.connectionString === "") throw section.error("connection_string", "expected host:port[,...]");
  }
  section.finish();
  return config;
}

function readOfflineStore(section: ConfigReader, inRepo: (p: string) => string): OfflineStoreConfig {
  const config: OfflineStoreConfig = {
    type: section.oneOf("type", ["file"] as const, "file"),
    outputDir: inRepo(section.string("output_dir", "data/output")),
    logDir: inRepo(section.string("log_dir", "data/feature_logs")),
  };
  const memoryLimit = section.string("duckdb_memory_limit");
  if (memoryLimit !== undefined && !/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw section.error(
      "duckdb_memory_limit",
      `expected a size such as "4GB" or "512MB", got "${memoryLimit}"`,
    );
  }
  const tempDirectory = section.string("duckdb_temp_directory");
  const threads =
    section.raw("duckdb_threads") === undefined
      ? undefined
      : section.integer("duckdb_threads", 1, { min: 1, max: 1024 });
  if (memoryLimit !== undefined || tempDirectory !== undefined || threads !== undefined) {
    config.duckdb = {
      ...(memoryLimit !== undefined ? { memoryLimit } : {}),
      ...(tempDirectory !== undefined ? { tempDirectory: inRepo(tempDirectory) } : {}),
      ...(threads !== undefined ? { threads } : {}),
    };
  }
  section.finish();
  return config;
}

function readMaterialization(root: ConfigReader): MaterializationConfig {
  if (root.has("materialization") && root.raw("materialization") === null) return { schedule: null };
  const section = root.section("materialization");
  const raw = section.raw("schedule");
  let schedule: string | null;
  if (raw === undefined) schedule = DEFAULT_MATERIALIZATION_SCHEDULE;
  else if (raw === null || raw === false || raw === "off") schedule = null;
  else if (typeof raw !== "string") {
    throw section.error("schedule", `expected a cron expression, "off" or null, got ${describe(raw)}`);
  } else if (!cron.validate(raw)) {
    throw section.error(
      "schedule",
      `expected a valid cron expression (e.g. "0 0 * * *" for daily at 00:00 UTC), "off" or null, got "${raw}"`,
    );
  } else schedule = raw;
  const leaseTtl = section.raw("lease_ttl_seconds");
  const leaseTtlSeconds =
    leaseTtl === undefined ? undefined : section.number("lease_ttl_seconds", DEFAULT_LEASE_TTL_SECONDS, 1);
  section.finish();
  return { schedule, ...(leaseTtlSeconds !== undefined ? { leaseTtlSeconds } : {}) };
}

function readServer(section: ConfigReader, inRepo: (p: string) => string): ServerConfig {
  const host = section.string("host", "127.0.0.1");
  const port = section.integer("port", DEFAULT_SERVER_PORT, { min: 0, max: 65535 });
  const L = DEFAULT_SERVER_LIMITS;
  const maxEntitiesPerRequest = section.integer("max_entities_per_request", L.maxEntitiesPerRequest, {
    min: 1,
  });
  const maxValidateEntities = section.integer("max_validate_entities", L.maxValidateEntities, { min: 1 });
  const maxPushRows = section.integer("max_push_rows", L.maxPushRows, { min: 1 });
  const maxHistoricalEntityRows = section.integer("max_historical_entity_rows", L.maxHistoricalEntityRows, {
    min: 1,
  });
  const maxMessageBytes = section.integer("max_message_bytes", L.maxMessageBytes, {
    min: 64 * 1024,
    max: 2 ** 31 - 1,
  });
  let tls: ServerConfig["tls"] = null;
  if (section.has("tls")) {
    const t = section.section("tls");
    const clientCa = t.string("client_ca_path");
    tls = {
      certPath: inRepo(t.requiredString("cert_path")),
      keyPath: inRepo(t.requiredString("key_path")),
      clientCaPath: clientCa === undefined ? null : inRepo(clientCa),
    };
    t.finish();
  }
  let auth: ServerConfig["auth"] = null;
  if (section.has("auth")) {
    const a = section.section("auth");
    const tokens = readTokens(a);
    const jwt = a.has("jwt") ? readJwt(a.section("jwt"), inRepo) : null;
    const clientCertificates = readClientCertificates(a);
    if (tokens.length === 0 && jwt === null && clientCertificates.length === 0) {
      throw a.error(
        "tokens",
        "expected a non-empty list of bearer tokens (or a jwt or client_certificates section)",
      );
    }
    if (clientCertificates.length > 0 && !tls?.clientCaPath) {
      throw a.error(
        "client_certificates",
        "needs server.tls.client_ca_path (the CA that signs client certificates)",
      );
    }
    const maxFailuresPerMinute = a.integer("max_failures_per_minute", DEFAULT_AUTH_MAX_FAILURES_PER_MINUTE, {
      min: 1,
    });
    auth = { tokens, jwt, clientCertificates, maxFailuresPerMinute };
    a.finish();
  }
  const audit = section.string("audit_log");
  const auditLog = audit === undefined || audit === "stdout" ? (audit ?? null) : inRepo(audit);
  section.finish();
  return {
    auditLog,
    host,
    port,
    maxEntitiesPerRequest,
    maxValidateEntities,
    maxPushRows,
    maxHistoricalEntityRows,
    maxMessageBytes,
    tls,
    auth,
  };
}

function readMetrics(section: ConfigReader): MetricsConfig {
  const config: MetricsConfig = {
    enabled: section.boolean("enabled", false),
    host: section.string("host", "127.0.0.1"),
    port: section.integer("port", DEFAULT_METRICS_PORT, { min: 0, max: 65535 }),
    token: section.string("token") || null,
  };
  section.finish();
  return config;
}

function readStreaming(section: ConfigReader, inRepo: (p: string) => string): StreamingConfig {
  const config: StreamingConfig = {
    ingestInServe: section.boolean("ingest_in_serve", true),
    batchSize: section.integer("batch_size", 1000, { min: 1, max: 100_000 }),
    flushIntervalMs: section.integer("flush_interval_ms", 1000, { min: 10 }),
    flushRows: section.integer("flush_rows", 50_000, { min: 1 }),
    deadLetterDir: inRepo(section.string("dead_letter_dir", "data/dead_letter")),
    ackWaitSeconds: section.integer("ack_wait_seconds", 60, { min: 1 }),
  };
  section.finish();
  return config;
}

function readWriteRules(section: ConfigReader): WriteRulesConfig {
  const config: WriteRulesConfig = {
    maxFutureSkewSeconds: section.integer("max_future_skew_seconds", DEFAULT_MAX_FUTURE_SKEW_SECONDS, {
      min: 0,
    }),
  };
  section.finish();
  return config;
}

function readOpenLineage(section: ConfigReader, inRepo: (p: string) => string): OpenLineageConfig {
  const config: OpenLineageConfig = {
    enabled: section.boolean("enabled", false),
    transportType: section.oneOf("transport_type", ["http", "file"] as const, "http"),
    transportUrl: section.string("transport_url", ""),
    transportEndpoint: section.string("transport_endpoint", "api/v1/lineage"),
    apiKey: section.string("api_key", ""),
    filePath: inRepo(section.string("file_path", "data/openlineage.jsonl")),
    namespace: section.string("namespace", ""),
    producer: section.string("producer", "urn:fstore:0.1.0"),
    timeoutMs: section.integer("timeout_ms", 2000, { min: 1 }),
    emitOnApply: section.boolean("emit_on_apply", true),
    emitOnMaterialize: section.boolean("emit_on_materialize", true),
    emitOnHistorical: section.boolean("emit_on_historical", true),
  };
  if (config.enabled && config.transportType === "http") {
    let url: URL | undefined;
    try {
      url = new URL(config.transportUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw section.error(
        "transport_url",
        `expected an http(s) URL for transport_type http, got "${config.transportUrl}"`,
      );
    }
  }
  section.finish();
  return config;
}

/** `tokens`: plain strings (no roles), or `{ token, name, roles }` mappings. */
function readTokens(a: ConfigReader): StaticToken[] {
  if (!a.has("tokens")) return [];
  const list = a.raw("tokens");
  if (!Array.isArray(list) || list.length === 0) {
    throw a.error("tokens", "expected a non-empty list of bearer tokens");
  }
  const items = ConfigReader.of(a.file, a.keyPath("tokens"), Object.fromEntries(list.entries()), a.env);
  return list.map((item, i) => {
    const key = String(i);
    if (typeof item !== "object" || item === null) {
      const token = items.string(key);
      if (token === undefined || token === "") throw items.error(key, "expected a non-empty string");
      return { token, name: `token #${i + 1}`, roles: [] };
    }
    const t = items.section(key);
    const token = t.requiredString("token");
    const name = t.string("name", `token #${i + 1}`);
    const roles = t.stringList("roles") ?? [];
    t.finish();
    return { token, name, roles };
  });
}

function readJwt(j: ConfigReader, inRepo: (p: string) => string): JwtConfig {
  const url = j.string("jwks_url");
  const path = j.string("jwks_path");
  if ((url === undefined) === (path === undefined)) {
    throw j.error("jwks_url", "expected exactly one of jwks_url and jwks_path");
  }
  let jwks: JwtConfig["jwks"];
  if (url !== undefined) {
    if (!/^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url)) {
      throw j.error("jwks_url", "expected an https:// URL (http:// only on loopback)");
    }
    jwks = { url, cacheSeconds: j.integer("jwks_cache_seconds", 600, { min: 0 }) };
  } else {
    jwks = { path: inRepo(path as string) };
  }
  const config: JwtConfig = {
    jwks,
    issuer: j.requiredString("issuer"),
    audience: j.requiredString("audience"),
    rolesClaim: j.string("roles_claim", "roles"),
    nameClaim: j.string("name_claim", "sub"),
    clockToleranceSeconds: j.integer("clock_tolerance_seconds", 30, { min: 0 }),
  };
  j.finish();
  return config;
}

/** `client_certificates`: `{ subject, roles }` mappings (subject: a CN or SAN value). */
function readClientCertificates(a: ConfigReader): ClientCertificateRoles[] {
  if (!a.has("client_certificates")) return [];
  const list = a.raw("client_certificates");
  if (!Array.isArray(list)) throw a.error("client_certificates", "expected a list of { subject, roles }");
  const items = ConfigReader.of(
    a.file,
    a.keyPath("client_certificates"),
    Object.fromEntries(list.entries()),
    a.env,
  );
  return list.map((_, i) => {
    const c = items.section(String(i));
    const subject = c.requiredString("subject");
    const roles = c.stringList("roles") ?? [];
    c.finish();
    return { subject, roles };
  });
}

import type { AuthConfig } from "../auth/types.js";
/**
 * The resolved configuration of a feature repository (`feature_store.yaml`
 * after `${VAR}` substitution, validation and defaults). Paths are absolute.
 */
export interface RepoConfig {
  /** Absolute path of the feature repository folder. */
  repoPath: string;
  /** Absolute path of the feature_store.yaml it was read from. */
  configPath: string;
  project: string;
  provider: "local";
  registry: RegistryConfig;
  onlineStore: OnlineStoreConfig;
  offlineStore: OfflineStoreConfig;
  materialization: MaterializationConfig;
  server: ServerConfig;
  metrics: MetricsConfig;
  writeRules: WriteRulesConfig;
  featureLogging: FeatureLoggingConfig;
  monitoring: MonitoringConfig;
  /** OpenLineage run events (Feast's `openlineage` section); disabled by default. */
  openLineage: OpenLineageConfig;
  streaming: StreamingConfig;
  /** Feast's entity key serialization version; only 3 is supported. */
  entityKeySerializationVersion: 3;
}

export interface RegistryConfig {
  /**
   * "sqlite" (default; Feast's "file"): one SQLite file, for one host.
   * "sql": a PostgreSQL database (`path` is a postgresql:// URL), shared by any number of servers.
   */
  registryType?: "sqlite" | "sql";
  /** Absolute path of the SQLite registry file, or the PostgreSQL URL when `registryType` is "sql". */
  path: string;
  /** How long a server may serve a cached registry before checking for an applied change. */
  cacheTtlSeconds: number;
}

export type OnlineStoreConfig = SqliteOnlineStoreConfig | RedisOnlineStoreConfig;

export interface SqliteOnlineStoreConfig {
  type: "sqlite";
  /** Absolute path of the SQLite online store file. */
  path: string;
}

export interface RedisOnlineStoreConfig {
  type: "redis";
  /** Feast's format: "host:port[,host:port...][,password=...][,ssl=true][,db=N]". */
  connectionString: string;
  redisType: "redis" | "redis_cluster";
  /** Expire entity hashes this long after their last write; null keeps them forever. */
  keyTtlSeconds: number | null;
  /** `packed` (one field per view) or `feast` (Feast's per-feature fields). */
  layout: "packed" | "feast";
  /**
   * A serving read not answered within this (waiting for a connection
   * included) is UNAVAILABLE; default 1000 ms (`read_timeout_ms`).
   */
  readTimeoutMs?: number;
}

export interface OfflineStoreConfig {
  type: "file";
  /** Absolute folder that GetHistoricalFeatures may write Parquet into; nothing outside it. */
  outputDir: string;
  /** Absolute folder that feature logging writes serving logs into (a folder per service). */
  logDir: string;
  /**
   * The process's DuckDB (historical retrieval, materialization, push compaction, validation):
   * its memory limit ("4GB"; beyond it joins and sorts spill), the folder it spills to, and its
   * threads. Unset: $FSTORE_DUCKDB_MEMORY_LIMIT / $FSTORE_DUCKDB_THREADS, else 1GB and every core
   * (every core but one in a server), spilling under the OS temp folder.
   */
  duckdb?: { memoryLimit?: string; tempDirectory?: string; threads?: number };
}

/** The server's drift checks of serving logs (`monitoring`). */
export interface MonitoringConfig {
  /**
   * Cron expression (UTC): at each fire, every feature service with logging
   * and a baseline has its serving logs of the last `windowSeconds` profiled
   * against the baseline (stored, gauges updated); null disables it.
   */
  schedule: string | null;
  windowSeconds: number;
  /**
   * Servers sharing a registry run each fire once under a registry lease; a
   * server that dies holding it is taken over after this long. Default 30.
   */
  leaseTtlSeconds: number;
}

/** How the server writes feature services' serving logs (`feature_logging`, Feast's names). */
export interface FeatureLoggingConfig {
  /** Logged requests waiting to be written; beyond it requests are not logged (and counted). */
  queueCapacity: number;
  /** A new Parquet file per service every this many seconds (the rows of one period). */
  writeToDiskIntervalSecs: number;
}

export interface MaterializationConfig {
  /** Cron expression (UTC) for incremental materialization inside the server; null disables it. */
  schedule: string | null;
  /**
   * Servers sharing a registry run each scheduled fire once under a lease; a
   * server that dies holding it is taken over after this long. Default 30.
   */
  leaseTtlSeconds?: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Upper bound on entity rows in one GetOnlineFeatures request. */
  maxEntitiesPerRequest: number;
  /** Upper bound on explicit entities in one ValidateConsistency request (and on its sample size). */
  maxValidateEntities: number;
  /** Upper bound on rows in one Push request. */
  maxPushRows: number;
  /** Upper bound on inline entity rows in one GetHistoricalFeatures request. */
  maxHistoricalEntityRows: number;
  /** Largest request or response message, in bytes. */
  maxMessageBytes: number;
  /** `clientCaPath`: require client certificates signed by this CA (mutual TLS). */
  tls: { certPath: string; keyPath: string; clientCaPath: string | null } | null;
  /**
   * Identities (static tokens with roles, JWTs, client certificates); null
   * disables authentication. A peer (client address) failing more than
   * `maxFailuresPerMinute` times in a minute is refused until the minute is over.
   */
  auth: AuthConfig | null;
  /** Where the audit log goes (a file, appended, or "stdout"); null: no audit log. */
  auditLog: string | null;
}

/** Rules every write (Push, Materialize) must satisfy; see src/values/write-rules.ts. */
export interface WriteRulesConfig {
  /** How far past now an event time may be; later ones are rejected. */
  maxFutureSkewSeconds: number;
}

/** Stream ingestion (`streaming:`); see src/ingest/. */
export interface StreamingConfig {
  /** Consume the stream sources of online stream views inside `fstore serve`. Default true. */
  ingestInServe: boolean;
  /** Most messages read and applied at once. */
  batchSize: number;
  /** Raw events are written to Parquet (then acknowledged) at least this often, in ms. */
  flushIntervalMs: number;
  /** ... or once this many are buffered. */
  flushRows: number;
  /** Absolute folder of the dead-letter files (`<source>.jsonl`). */
  deadLetterDir: string;
  /** NATS: how long the broker waits for an acknowledgement before redelivering. */
  ackWaitSeconds: number;
}

export interface MetricsConfig {
  enabled: boolean;
  host: string;
  port: number;
  /** When set, a scrape must send "Authorization: Bearer <token>". */
  token: string | null;
}

/** `openlineage:` (Feast's keys, plus `file_path` and `emit_on_historical`). */
export interface OpenLineageConfig {
  enabled: boolean;
  /** `http`: POST each event to transport_url + transport_endpoint; `file`: append JSON lines to file_path. */
  transportType: "http" | "file";
  transportUrl: string;
  /** Path under transport_url (Marquez's "api/v1/lineage" by default). */
  transportEndpoint: string;
  /** Sent as a bearer token when set. */
  apiKey: string;
  /** Absolute path of the JSON-lines file (file transport). */
  filePath: string;
  /** Job namespace; default: the project name. */
  namespace: string;
  /** The events' producer URI. */
  producer: string;
  /** Bound on one HTTP emission. */
  timeoutMs: number;
  emitOnApply: boolean;
  emitOnMaterialize: boolean;
  emitOnHistorical: boolean;
}

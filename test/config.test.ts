// biome-ignore-all lint/suspicious/noTemplateCurlyInString: YAML under test contains ${VAR} references.
/**
 * feature_store.yaml loading: defaults, Feast keys, ${VAR} substitution, and
 * errors that name the file, the key path and the expectation.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadRepoConfig } from "../src/config/index.js";
import { Code, type FstoreError } from "../src/errors/index.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function repoWith(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fstore-config-"));
  dirs.push(dir);
  writeFileSync(join(dir, "feature_store.yaml"), yaml);
  return dir;
}

/** Loads and returns the error, asserting it is an INVALID_ARGUMENT ConfigError naming the file. */
function errorOf(yaml: string, env: Record<string, string> = {}): ConfigError {
  const dir = repoWith(yaml);
  try {
    loadRepoConfig(dir, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const error = err as ConfigError;
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain(join(dir, "feature_store.yaml"));
    return error;
  }
  throw new Error("expected loadRepoConfig to fail");
}

describe("loadRepoConfig", () => {
  it("fills Feast's defaults and resolves paths against the repository", () => {
    const dir = repoWith("project: demo\n");
    const config = loadRepoConfig(dir, {});
    expect(config).toEqual({
      repoPath: dir,
      configPath: join(dir, "feature_store.yaml"),
      project: "demo",
      provider: "local",
      registry: { path: join(dir, "data/registry.db"), cacheTtlSeconds: 5 },
      onlineStore: { type: "sqlite", path: join(dir, "data/online_store.db") },
      offlineStore: {
        type: "file",
        outputDir: join(dir, "data/output"),
        logDir: join(dir, "data/feature_logs"),
      },
      materialization: { schedule: "0 0 * * *" },
      server: {
        host: "127.0.0.1",
        port: 6566,
        maxEntitiesPerRequest: 1000,
        maxValidateEntities: 10_000,
        maxPushRows: 1000,
        maxHistoricalEntityRows: 1_000_000,
        maxMessageBytes: 64 * 1024 * 1024,
        tls: null,
        auth: null,
        auditLog: null,
      },
      metrics: { enabled: false, host: "127.0.0.1", port: 9464, token: null },
      writeRules: { maxFutureSkewSeconds: 86_400 },
      featureLogging: { queueCapacity: 10_000, writeToDiskIntervalSecs: 60 },
      monitoring: { schedule: null, windowSeconds: 3600, leaseTtlSeconds: 30 },
      openLineage: {
        enabled: false,
        transportType: "http",
        transportUrl: "",
        transportEndpoint: "api/v1/lineage",
        apiKey: "",
        filePath: join(dir, "data/openlineage.jsonl"),
        namespace: "",
        producer: "urn:fstore:0.1.0",
        timeoutMs: 2000,
        emitOnApply: true,
        emitOnMaterialize: true,
        emitOnHistorical: true,
      },
      streaming: {
        ingestInServe: true,
        batchSize: 1000,
        flushIntervalMs: 1000,
        flushRows: 50_000,
        deadLetterDir: join(dir, "data/dead_letter"),
        ackWaitSeconds: 60,
      },
      entityKeySerializationVersion: 3,
    });
  });

  it("reads every key, with ${VAR} and ${VAR:-default} substituted", () => {
    const dir = repoWith(`
project: \${PROJECT}
provider: local
registry:
  path: /abs/registry.db
  cache_ttl_seconds: 0.5
online_store:
  type: redis
  connection_string: "\${REDIS_HOST:-localhost}:\${REDIS_PORT}"
  redis_type: redis_cluster
  key_ttl_seconds: \${KEY_TTL:-86400}
  layout: feast
  read_timeout_ms: 250
offline_store:
  type: file
  output_dir: out
entity_key_serialization_version: 3
materialization:
  schedule: "*/15 * * * *"
server:
  host: 0.0.0.0
  port: \${PORT:-7000}
  max_entities_per_request: 50
  max_push_rows: 500
  max_message_bytes: 1048576
  tls: { cert_path: certs/server.crt, key_path: certs/server.key }
  auth: { tokens: ["\${TOKEN}", other], max_failures_per_minute: 3 }
metrics: { enabled: true, port: 9100, token: "\${TOKEN}" }
write_rules: { max_future_skew_seconds: 60 }
`);
    const config = loadRepoConfig(dir, { PROJECT: "proj_1", REDIS_PORT: "6380", TOKEN: "s3cret" });
    expect(config.project).toBe("proj_1");
    expect(config.registry).toEqual({ path: "/abs/registry.db", cacheTtlSeconds: 0.5 });
    expect(config.onlineStore).toEqual({
      type: "redis",
      connectionString: "localhost:6380",
      redisType: "redis_cluster",
      keyTtlSeconds: 86400,
      layout: "feast",
      readTimeoutMs: 250,
    });
    expect(config.offlineStore.outputDir).toBe(join(dir, "out"));
    expect(config.materialization.schedule).toBe("*/15 * * * *");
    expect(config.server).toEqual({
      auditLog: null,
      host: "0.0.0.0",
      port: 7000,
      maxEntitiesPerRequest: 50,
      maxValidateEntities: 10_000,
      maxPushRows: 500,
      maxHistoricalEntityRows: 1_000_000,
      maxMessageBytes: 1_048_576,
      tls: {
        certPath: join(dir, "certs/server.crt"),
        keyPath: join(dir, "certs/server.key"),
        clientCaPath: null,
      },
      auth: {
        tokens: [
          { token: "s3cret", name: "token #1", roles: [] },
          { token: "other", name: "token #2", roles: [] },
        ],
        jwt: null,
        clientCertificates: [],
        maxFailuresPerMinute: 3,
      },
    });
    expect(config.metrics).toEqual({ enabled: true, host: "127.0.0.1", port: 9100, token: "s3cret" });
    expect(config.writeRules).toEqual({ maxFutureSkewSeconds: 60 });
  });

  it("accepts registry as a plain path and disables the schedule with off or null", () => {
    expect(
      loadRepoConfig(repoWith("project: p\nregistry: r/reg.db\nmaterialization: { schedule: off }\n"), {}),
    ).toMatchObject({ registry: { cacheTtlSeconds: 5 }, materialization: { schedule: null } });
    expect(
      loadRepoConfig(repoWith("project: p\nmaterialization:\n  schedule: null\n"), {}).materialization,
    ).toEqual({
      schedule: null,
    });
    expect(
      loadRepoConfig(repoWith("project: p\nmaterialization: null\n"), {}).materialization.schedule,
    ).toBeNull();
  });

  it("reads feature logging, the log folder and the monitoring schedule", () => {
    const dir = repoWith(
      "project: p\noffline_store: { log_dir: logs }\nfeature_logging: { queue_capacity: 50, write_to_disk_interval_secs: 5 }\nmonitoring: { schedule: '0 * * * *', window_seconds: 600 }\n",
    );
    const config = loadRepoConfig(dir, {});
    expect(config.offlineStore.logDir).toBe(join(dir, "logs"));
    expect(config.featureLogging).toEqual({ queueCapacity: 50, writeToDiskIntervalSecs: 5 });
    expect(config.monitoring).toEqual({ schedule: "0 * * * *", windowSeconds: 600, leaseTtlSeconds: 30 });
    expect(
      loadRepoConfig(
        repoWith("project: p\nmonitoring: { schedule: '0 * * * *', lease_ttl_seconds: 5 }\n"),
        {},
      ).monitoring.leaseTtlSeconds,
    ).toBe(5);
    expect(() =>
      loadRepoConfig(repoWith("project: p\nmonitoring: { schedule: 'every hour' }\n"), {}),
    ).toThrow(/monitoring\.schedule: expected a cron expression/);
    expect(() =>
      loadRepoConfig(repoWith("project: p\nfeature_logging: { queue_capacity: 0 }\n"), {}),
    ).toThrow(/feature_logging\.queue_capacity/);
  });

  it("reads the DuckDB keys of offline_store and the schedule's lease ttl", () => {
    const dir = repoWith(
      "project: p\noffline_store:\n  duckdb_memory_limit: 2GB\n  duckdb_temp_directory: spill\n  duckdb_threads: 2\n" +
        "materialization:\n  schedule: '0 * * * *'\n  lease_ttl_seconds: 10\n",
    );
    const config = loadRepoConfig(dir, {});
    expect(config.offlineStore.duckdb).toEqual({
      memoryLimit: "2GB",
      tempDirectory: join(dir, "spill"),
      threads: 2,
    });
    expect(config.materialization).toEqual({ schedule: "0 * * * *", leaseTtlSeconds: 10 });
    expect(loadRepoConfig(repoWith("project: p\n"), {}).offlineStore.duckdb).toBeUndefined();
    expect(errorOf("project: p\noffline_store: { duckdb_memory_limit: lots }\n").message).toMatch(
      /offline_store\.duckdb_memory_limit: expected a size such as "4GB"/,
    );
    expect(errorOf("project: p\nmaterialization: { lease_ttl_seconds: 0 }\n").message).toMatch(
      /materialization\.lease_ttl_seconds: expected a number >= 1/,
    );
  });

  it("loads the example repository's config", () => {
    const config = loadRepoConfig(join(import.meta.dirname, "..", "feature_repo"), {});
    expect(config.project).toBe("vehicle_rental");
    expect(config.onlineStore.type).toBe("sqlite");
    expect(config.registry.path).toMatch(/feature_repo\/data\/registry\.db$/);
    const large = loadRepoConfig(join(import.meta.dirname, "..", "feature_repo"), {
      FSTORE_DATA_DIR: "data/large",
    });
    expect(large.registry.path).toMatch(/feature_repo\/data\/large\/registry\.db$/);
  });

  const errors: [string, string, string, RegExp][] = [
    [
      "unknown top-level key",
      "project: p\nonline_stor: {}\n",
      "online_stor",
      /unknown key \(known keys here: .*online_store/,
    ],
    [
      "unknown nested key",
      "project: p\nonline_store: { type: sqlite, paht: x }\n",
      "online_store.paht",
      /unknown key/,
    ],
    [
      "redis key under sqlite",
      "project: p\nonline_store: { type: sqlite, redis_type: redis }\n",
      "online_store.redis_type",
      /unknown key/,
    ],
    ["wrong type", "project: p\nserver: { port: abc }\n", "server.port", /expected an integer, got "abc"/],
    ["wrong type (mapping)", "project: p\nserver: 7\n", "server", /expected a mapping, got number 7/],
    [
      "out of range",
      "project: p\nserver: { port: 70000 }\n",
      "server.port",
      /expected an integer between 0 and 65535/,
    ],
    [
      "bad enum",
      "project: p\nonline_store: { type: redis, redis_type: sentinel }\n",
      "online_store.redis_type",
      /expected one of "redis", "redis_cluster", got "sentinel"/,
    ],
    [
      "bad store type",
      "project: p\nonline_store: { type: dynamodb }\n",
      "online_store.type",
      /expected one of "sqlite", "redis"/,
    ],
    [
      "bad layout",
      "project: p\nonline_store: { type: redis, layout: wide }\n",
      "online_store.layout",
      /expected one of "packed", "feast"/,
    ],
    [
      "bad read timeout",
      "project: p\nonline_store: { type: redis, read_timeout_ms: 0 }\n",
      "online_store.read_timeout_ms",
      /expected an integer >= 1/,
    ],
    ["bad provider", "project: p\nprovider: gcp\n", "provider", /expected one of "local"/],
    ["missing project", "provider: local\n", "project", /is required/],
    ["bad project name", "project: my-proj\n", "project", /letters, digits and underscores/],
    [
      "bad cron",
      'project: p\nmaterialization: { schedule: "every day" }\n',
      "materialization.schedule",
      /valid cron expression.*got "every day"/,
    ],
    [
      "serialization version",
      "project: p\nentity_key_serialization_version: 2\n",
      "entity_key_serialization_version",
      /expected 3/,
    ],
    ["registry type", "project: p\nregistry: [a]\n", "registry", /expected a path or a mapping/],
    [
      "registry path missing",
      "project: p\nregistry: { cache_ttl_seconds: 1 }\n",
      "registry.path",
      /is required/,
    ],
    [
      "negative cache ttl",
      "project: p\nregistry: { path: r.db, cache_ttl_seconds: -1 }\n",
      "registry.cache_ttl_seconds",
      /expected a number >= 0/,
    ],
    [
      "empty tokens",
      "project: p\nserver: { auth: { tokens: [] } }\n",
      "server.auth.tokens",
      /non-empty list/,
    ],
    [
      "token without its token",
      "project: p\nserver: { auth: { tokens: [{ name: a, roles: [r] }] } }\n",
      "server.auth.tokens.0.token",
      /is required/,
    ],
    [
      "token with an unknown key",
      "project: p\nserver: { auth: { tokens: [{ token: t, role: [r] }] } }\n",
      "server.auth.tokens.0.role",
      /unknown key/,
    ],
    [
      "jwt with both key sources",
      "project: p\nserver: { auth: { jwt: { jwks_url: 'https://x/j', jwks_path: j.json, issuer: i, audience: a } } }\n",
      "server.auth.jwt.jwks_url",
      /exactly one of jwks_url and jwks_path/,
    ],
    [
      "jwt over plain http",
      "project: p\nserver: { auth: { jwt: { jwks_url: 'http://idp.example/j', issuer: i, audience: a } } }\n",
      "server.auth.jwt.jwks_url",
      /https/,
    ],
    [
      "jwt without audience",
      "project: p\nserver: { auth: { jwt: { jwks_path: j.json, issuer: i } } }\n",
      "server.auth.jwt.audience",
      /is required/,
    ],
    [
      "client certificates without a client CA",
      "project: p\nserver: { auth: { client_certificates: [{ subject: s, roles: [r] }] } }\n",
      "server.auth.client_certificates",
      /client_ca_path/,
    ],
    [
      "tls without key",
      "project: p\nserver: { tls: { cert_path: c } }\n",
      "server.tls.key_path",
      /is required/,
    ],
    [
      "bool expected",
      "project: p\nmetrics: { enabled: yes please }\n",
      "metrics.enabled",
      /expected true or false/,
    ],
    [
      "key ttl",
      "project: p\nonline_store: { type: redis, key_ttl_seconds: 0 }\n",
      "online_store.key_ttl_seconds",
      /expected an integer >= 1/,
    ],
  ];
  it.each(errors)("%s: names the key path and the expectation", (_name, yaml, keyPath, expectation) => {
    const error = errorOf(yaml);
    expect(error.keyPath).toBe(keyPath);
    expect(error.message).toContain(`: ${keyPath}: `);
    expect(error.message).toMatch(expectation);
  });

  it("reads identities: tokens with roles, a JWT section, client certificates", () => {
    const yaml = `project: p
server:
  audit_log: stdout
  tls: { cert_path: c.pem, key_path: k.pem, client_ca_path: ca.pem }
  auth:
    tokens: [plain, { token: "\${T}", name: ops, roles: [admin] }]
    jwt: { jwks_path: jwks.json, issuer: "https://idp", audience: fstore, roles_claim: realm_access.roles }
    client_certificates: [{ subject: billing, roles: [viewer] }]
`;
    const dir = repoWith(yaml);
    const server = loadRepoConfig(dir, { T: "s3cret" }).server;
    expect(server.auditLog).toBe("stdout");
    expect(server.tls?.clientCaPath).toBe(join(dir, "ca.pem"));
    expect(server.auth).toEqual({
      tokens: [
        { token: "plain", name: "token #1", roles: [] },
        { token: "s3cret", name: "ops", roles: ["admin"] },
      ],
      jwt: {
        jwks: { path: join(dir, "jwks.json") },
        issuer: "https://idp",
        audience: "fstore",
        rolesClaim: "realm_access.roles",
        nameClaim: "sub",
        clockToleranceSeconds: 30,
      },
      clientCertificates: [{ subject: "billing", roles: ["viewer"] }],
      maxFailuresPerMinute: 10,
    });
  });

  it("names an unset variable without default and the key that uses it", () => {
    const error = errorOf("project: p\nonline_store:\n  type: redis\n  connection_string: ${REDIS_URL}\n");
    expect(error.keyPath).toBe("online_store.connection_string");
    expect(error.message).toMatch(/environment variable REDIS_URL is not set/);
  });

  it("uses the default of an unset variable and the value of a set one", () => {
    const yaml = "project: p\nserver:\n  port: ${FSTORE_TEST_PORT:-6000}\n";
    expect(loadRepoConfig(repoWith(yaml), {}).server.port).toBe(6000);
    expect(loadRepoConfig(repoWith(yaml), { FSTORE_TEST_PORT: "6001" }).server.port).toBe(6001);
  });

  it("checks a substituted value like a literal one", () => {
    const error = errorOf("project: p\nserver:\n  port: ${PORT}\n", { PORT: "not-a-port" });
    expect(error.message).toMatch(/server\.port: expected an integer, got "not-a-port"/);
  });

  it("reports invalid YAML and a missing file", () => {
    const dir = repoWith("project: [unclosed\n");
    expect(() => loadRepoConfig(dir, {})).toThrow(/feature_store\.yaml: not valid YAML/);
    const empty = mkdtempSync(join(tmpdir(), "fstore-config-"));
    dirs.push(empty);
    try {
      loadRepoConfig(empty, {});
      expect.unreachable();
    } catch (err) {
      expect((err as FstoreError).code).toBe(Code.NotFound);
      expect((err as Error).message).toMatch(/feature_store\.yaml not found/);
    }
  });
});

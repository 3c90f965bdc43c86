/**
 * Small hand-made definitions for online tests: a `RepoConfig` for each store
 * and feature views built field by field (no repository loader needed).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { OnlineStoreConfig, RepoConfig } from "../../src/config/types.js";
import type { FeatureViewDef, FieldDef } from "../../src/registry/model.js";

export const field = (name: string, dtype: ValueType): FieldDef => ({
  name,
  dtype,
  description: "",
  tags: {},
});

export function featureView(
  name: string,
  entityColumns: FieldDef[],
  features: FieldDef[],
  ttlSeconds = 0,
  entities: string[] = entityColumns.map((c) => c.name.replace(/_id$/, "")),
): FeatureViewDef {
  return {
    name,
    entities,
    entityColumns,
    features,
    ttlSeconds,
    source: {
      kind: "file",
      name: `${name}_source`,
      path: `data/${name}.parquet`,
      timestampField: "event_timestamp",
      createdTimestampColumn: "",
      fieldMapping: {},
      description: "",
      tags: {},
      owner: "",
    },
    online: true,
    description: "",
    tags: {},
    owner: "",
  };
}

export function repoConfig(onlineStore: OnlineStoreConfig, project = "test_proj"): RepoConfig {
  const dir = mkdtempSync(join(tmpdir(), "fstore-online-"));
  return {
    repoPath: dir,
    configPath: join(dir, "feature_store.yaml"),
    project,
    provider: "local",
    registry: { path: join(dir, "registry.db"), cacheTtlSeconds: 0 },
    onlineStore,
    offlineStore: { type: "file", outputDir: join(dir, "out"), logDir: join(dir, "feature_logs") },
    materialization: { schedule: null },
    server: {
      host: "127.0.0.1",
      port: 0,
      maxEntitiesPerRequest: 1000,
      maxValidateEntities: 10_000,
      maxPushRows: 1000,
      maxHistoricalEntityRows: 1_000_000,
      maxMessageBytes: 64 * 1024 * 1024,
      tls: null,
      auth: null,
      auditLog: null,
    },
    metrics: { enabled: false, host: "127.0.0.1", port: 0, token: null },
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
      deadLetterDir: join(dir, "data", "dead_letter"),
      ackWaitSeconds: 60,
    },
    entityKeySerializationVersion: 3,
  };
}

export function sqliteStoreConfig(): OnlineStoreConfig {
  return { type: "sqlite", path: join(mkdtempSync(join(tmpdir(), "fstore-sqlite-")), "online.db") };
}

export function redisStoreConfig(
  connectionString: string,
  layout: "packed" | "feast",
  redisType: "redis" | "redis_cluster" = "redis",
  keyTtlSeconds: number | null = null,
): OnlineStoreConfig {
  return { type: "redis", connectionString, redisType, keyTtlSeconds, layout };
}

export { ValueType };

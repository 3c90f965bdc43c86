/**
 * A real fstore server for tests: started in-process on 127.0.0.1, port 0,
 * with a real TypeScript client connected to it.
 *
 *   const t = await startTestServer({ repoPath });          // repo's config + its SQLite registry
 *   const t = await startTestServer({ config, registry });  // any config, any Registry
 *   ...
 *   await t.shutdown();
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { createFstoreClient, type FstoreClient } from "../../clients/typescript/src/index.js";
import { generateExampleData } from "../../feature_repo/_generate_data.js";
import { loadRepoConfig, parseRepoConfig } from "../../src/config/index.js";
import type { RepoConfig } from "../../src/config/types.js";
import { abandonedRunRecords, applyRepo, decideLease, type LeaseRow } from "../../src/registry/index.js";
import type { RepoDefinitions } from "../../src/registry/model.js";
import type {
  MaterializationIntervalRecord,
  MaterializationRunRecord,
  Registry,
  RegistrySnapshot,
} from "../../src/registry/registry.js";
import { createLogger } from "../../src/server/logger.js";
import { type RunningServer, type StartServerOptions, startServer } from "../../src/server/server.js";
import type { CallObserver } from "../../src/server/service-adapter.js";
import { createTempRepo, PROJECT_ROOT, type TempRepo } from "./temp-repo.js";

export interface TestServerOptions {
  /** A feature repository: its feature_store.yaml is loaded (and its registry opened unless `registry`). */
  repoPath?: string;
  /** A config to use instead of loading one; see `testConfig`. */
  config?: RepoConfig;
  /** The registry to serve; otherwise the config's SQLite registry is opened (and closed at shutdown). */
  registry?: Registry;
  /** Sent as a bearer token by `client`. */
  token?: string;
  observers?: CallObserver[];
  /** Defaults to a silent logger (FSTORE_TEST_LOG_LEVEL=info shows the lines). */
  logger?: Logger;
  handlerDelayMs?: number;
  shutdownTimeoutMs?: number;
  /** The server's clock in ms (request times of aggregates). */
  clock?: () => number;
  /** More server options (e.g. the web console's `uiPort`). */
  start?: Partial<StartServerOptions>;
}

export interface TestServer {
  port: number;
  /** "127.0.0.1:PORT". */
  address: string;
  /** The ergonomic client, connected to this server. */
  client: FstoreClient;
  server: RunningServer;
  config: RepoConfig;
  /** Closes the client, then shuts the server down gracefully. */
  shutdown(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const config =
    options.config ??
    (options.repoPath !== undefined
      ? loadRepoConfig(options.repoPath)
      : testConfig(mkdtempSync(join(tmpdir(), "fstore-"))));
  const logger =
    options.logger ??
    createLogger({ level: (process.env.FSTORE_TEST_LOG_LEVEL as "info" | undefined) ?? "silent" });
  const startOptions: StartServerOptions = {
    config,
    logger,
    host: "127.0.0.1",
    port: 0,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.observers ? { observers: options.observers } : {}),
    ...(options.handlerDelayMs ? { handlerDelayMs: options.handlerDelayMs } : {}),
    ...(options.shutdownTimeoutMs ? { shutdownTimeoutMs: options.shutdownTimeoutMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.start,
  };
  const server = await startServer(startOptions);
  const client = createFstoreClient({
    address: server.address,
    ...(options.token !== undefined ? { token: options.token } : {}),
    timeoutMs: 30_000,
  });
  return {
    port: server.port,
    address: server.address,
    client,
    server,
    config,
    async shutdown() {
      client.close();
      await server.shutdown();
    },
  };
}

/**
 * A valid config for a repository at `repoPath` (which need not hold a
 * feature_store.yaml): SQLite registry and online store under `data/`.
 * `document` adds or overrides feature_store.yaml keys, e.g.
 * `{ server: { auth: { tokens: ["s3cret"] } } }`.
 */
export function testConfig(repoPath: string, document: Record<string, unknown> = {}): RepoConfig {
  return parseRepoConfig(
    { project: "test_project", provider: "local", registry: "data/registry.db", ...document },
    { repoPath, configPath: join(repoPath, "feature_store.yaml"), env: {} },
  );
}

/**
 * A Registry held in memory: serves `defs` (replace them with `setDefinitions`
 * to simulate an apply) and records materialization like the real one. For
 * server tests that do not need SQLite.
 */
export interface MemoryRegistry extends Registry {
  setDefinitions(defs: RepoDefinitions): void;
}

export function createMemoryRegistry(
  project: string,
  defs: RepoDefinitions,
  now = new Date(),
): MemoryRegistry {
  let snap: RegistrySnapshot;
  let version = 0;
  const intervals: MaterializationIntervalRecord[] = [];
  const runs: MaterializationRunRecord[] = [];
  const leases = new Map<string, LeaseRow>();
  const setDefinitions = (d: RepoDefinitions) => {
    const meta = new Map<string, { created: Date; updated: Date }>();
    const index = <T extends { name: string }>(kind: string, list: T[]) =>
      new Map(
        list.map((o) => {
          meta.set(`${kind}/${o.name}`, { created: now, updated: now });
          return [o.name, o] as const;
        }),
      );
    version++;
    snap = {
      project,
      version,
      entities: index("entity", d.entities),
      dataSources: index("data_source", d.dataSources),
      featureViews: index("feature_view", d.featureViews),
      featureServices: index("feature_service", d.featureServices),
      onDemandFeatureViews: index("on_demand_feature_view", d.onDemandFeatureViews),
      permissions: index("permission", d.permissions ?? []),
      meta,
    };
  };
  setDefinitions(defs);
  return {
    setDefinitions,
    snapshot: () => snap,
    plan: async () => [],
    apply: async (d) => {
      setDefinitions(d);
      return [];
    },
    materializationIntervals: async (view) => intervals.filter((i) => i.featureView === view),
    recordMaterializationInterval: async (featureView, start, end) => {
      intervals.push({ featureView, start, end, recorded: new Date() });
    },
    recordMaterializationRun: async (run) => {
      runs.push(run);
    },
    lastMaterializationRun: async (view) => runs.filter((r) => r.featureView === view).at(-1),
    otherOnlineStores: async () => [],
    acquireLease: async (req) => {
      const d = decideLease(leases.get(req.name), req, Date.now());
      if (d.kind !== "grant") return d;
      leases.set(req.name, d.row);
      const abandonedRuns = d.abandoned
        ? abandonedRunRecords(
            d.abandoned,
            req.holder,
            [...snap.featureViews.values()]
              .filter((v) => v.online)
              .map((v) => ({ name: v.name, lastFinishedMs: undefined })),
          )
        : [];
      runs.push(...abandonedRuns);
      return { kind: "grant" as const, abandonedRuns };
    },
    renewLease: async (name, holder, ttlMs) => {
      const l = leases.get(name);
      if (!l || l.holder !== holder || l.releasedMs !== null) return false;
      l.expiresMs = Date.now() + ttlMs;
      return true;
    },
    releaseLease: async (name, holder, finished) => {
      const l = leases.get(name);
      if (!l || l.holder !== holder || l.releasedMs !== null) return;
      l.releasedMs = Date.now();
      if (!finished) l.slotMs -= 1;
    },
    close: async () => {},
  };
}

/**
 * A copy of the example repository (feature_repo/) in a temp folder, with the
 * small data set generated into it and applied to its own SQLite registry.
 * `end` pins the data's newest hour (default: the generator's fixed date).
 */
export async function createExampleRepo(options: { end?: Date; apply?: boolean } = {}): Promise<TempRepo> {
  const source = join(PROJECT_ROOT, "feature_repo");
  const files: Record<string, string> = {};
  // The data generator stays behind: it is imported from the checkout below.
  for (const f of readdirSync(source)) {
    if (f.endsWith(".ts") && !f.startsWith("_")) files[f] = readFileSync(join(source, f), "utf8");
  }
  const repo = createTempRepo({ config: readFileSync(join(source, "feature_store.yaml"), "utf8"), files });
  await generateExampleData({
    repoPath: repo.path,
    preset: "small",
    ...(options.end ? { end: options.end } : {}),
  });
  if (options.apply ?? true) await applyRepo(repo.path, { ...process.env, FSTORE_DATA_DIR: "data" });
  return repo;
}

/**
 * The fstore gRPC server: FeatureService (through the service adapter),
 * reflection, health checking, optional TLS and bearer-token auth, one log
 * line per call, and a graceful shutdown that ends open-ended streams (health
 * Watch, reflection) at once and lets in-flight calls finish.
 */
import { Server } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { FeatureService, file_fstore_v1_feature_service } from "../../gen/fstore/v1/feature_service_pb.js";
import type { RepoConfig } from "../config/types.js";
import { startConsole } from "../console/index.js";
import { FstoreError, failedPrecondition } from "../errors/index.js";
import { startIngestion } from "../ingest/index.js";
import { startSchedule } from "../materialize/index.js";
import { startServerMetrics } from "../metrics/index.js";
import { sharedDuckDb } from "../offline/index.js";
import { sharedOnlineStore } from "../online/index.js";
import { sharedPushCompactor } from "../push/index.js";
import { openRegistry, redactedUrl } from "../registry/index.js";
import type { Registry } from "../registry/registry.js";
import { withAccessControl } from "./access-control.js";
import { createAuditLog } from "./audit-log.js";
import { createAuthInterceptor } from "./auth.js";
import { composeObservers, createLoggingObserver } from "./call-observers.js";
import { Resources, type ServerDeps } from "./deps.js";
import { createFeatureServiceImpl } from "./feature-service.js";
import { withHandlerDelay } from "./handler-delay.js";
import { serverFeatureLogger } from "./handlers/online.js";
import { addHealth } from "./health.js";
import { createLogger } from "./logger.js";
import { exposureWarnings } from "./loopback.js";
import { type MonitoringFire, startMonitoringSchedule } from "./monitoring-schedule.js";
import { trackOpenStreams } from "./open-streams.js";
import { addReflection } from "./reflection.js";
import { serverCredentials } from "./server-credentials.js";
import { type CallObserver, grpcServiceDefinition, grpcServiceImplementation } from "./service-adapter.js";

export interface StartServerOptions {
  config: RepoConfig;
  /** The registry to serve; opened from `config.registry` (and closed at shutdown) when omitted. */
  registry?: Registry;
  /** Defaults to a JSON logger on stdout. */
  logger?: Logger;
  /** Defaults to `config.server.port`; 0 picks a free port. */
  port?: number;
  /** Defaults to `config.server.host`. */
  host?: string;
  /** Extra call observers (e.g. metrics), run after the logging observer. */
  observers?: CallObserver[];
  /** Serve Prometheus metrics on this port (0 picks a free one) even when `metrics.enabled` is off. */
  metricsPort?: number;
  /** How long shutdown waits for in-flight calls before cancelling them. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Test only: the clock (ms since the epoch) request times are taken from (aggregates as of now). */
  clock?: () => number;
  /** Test only: delay every FeatureService handler, so a call is surely in flight. */
  handlerDelayMs?: number;
  /** Serve the web console (src/console) on this port (0 picks a free one), on the same host. */
  uiPort?: number;
  /** Seconds between the console's samples of the serving counters (default 5). */
  uiSampleSeconds?: number;
  /** Test only: told what each fire of the monitoring schedule did on this server. */
  onMonitoringFire?: (fire: MonitoringFire) => void;
}

export interface RunningServer {
  /** The port actually bound. */
  port: number;
  /** "host:port", ready for a client. */
  address: string;
  deps: ServerDeps;
  /** The web console's URL, when `uiPort` was given. */
  consoleUrl?: string;
  /**
   * Graceful stop: health turns NOT_SERVING, open health Watch and reflection
   * streams end, new calls are refused, in-flight calls finish (cancelled
   * after the timeout), then shared resources close. Safe to call more than once.
   */
  shutdown(): Promise<void>;
}

/** Starts serving `config`'s repository and resolves once the port is bound. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger();
  const ownsRegistry = options.registry === undefined;
  const registry = options.registry ?? (await openRegistry(config));
  const deps: ServerDeps = {
    config,
    registry,
    logger,
    resources: new Resources(),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  // Prometheus metrics (metrics.enabled or --metrics-port), recorded through a call observer.
  let metricsObserver: CallObserver | undefined;
  try {
    // The console's serving page reads the call counters in process, with or without the HTTP endpoint.
    metricsObserver = await startServerMetrics(deps, options.metricsPort, {
      inProcess: options.uiPort !== undefined,
    });
  } catch (err) {
    if (ownsRegistry) await registry.close();
    throw err;
  }

  const auth = config.server.auth;
  const audit = config.server.auditLog
    ? deps.resources.get(
        "audit log",
        () => createAuditLog(config.server.auditLog as string),
        (log) => log.close(),
      )
    : undefined;
  const openStreams = trackOpenStreams();
  const server = new Server({
    // server.max_message_bytes: GetOnlineFeatures and Push carry columnar batches larger than
    // grpc-js's 4 MB default; a larger message is RESOURCE_EXHAUSTED before it is decoded.
    "grpc.max_receive_message_length": config.server.maxMessageBytes,
    "grpc.max_send_message_length": config.server.maxMessageBytes,
    interceptors: [openStreams.interceptor, ...(auth ? [createAuthInterceptor(auth, logger, audit)] : [])],
  });

  let impl = withAccessControl(createFeatureServiceImpl(deps), deps, audit);
  // The feature logger's counts, as counters at scrape time.
  if (deps.metrics) deps.metrics.featureLogCounts = () => serverFeatureLogger(deps).counts();
  if (options.handlerDelayMs) impl = withHandlerDelay(FeatureService, impl, options.handlerDelayMs);
  const observer = composeObservers(
    createLoggingObserver(logger),
    metricsObserver,
    ...(options.observers ?? []),
  );
  server.addService(
    grpcServiceDefinition(FeatureService),
    grpcServiceImplementation(FeatureService, impl, observer),
  );
  const health = addHealth(server);
  addReflection(server, [file_fstore_v1_feature_service]);

  const host = options.host ?? config.server.host;
  const hostPort = `${host.includes(":") ? `[${host}]` : host}:${options.port ?? config.server.port}`;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(hostPort, serverCredentials(config.server.tls), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
  } catch (err) {
    server.forceShutdown();
    await deps.resources.closeAll();
    if (ownsRegistry) await registry.close();
    if (err instanceof FstoreError) throw err;
    throw failedPrecondition(`cannot listen on ${hostPort}: ${(err as Error).message}`, err);
  }
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  logger.info(
    {
      address,
      project: config.project,
      onlineStore: config.onlineStore.type,
      registry: redactedUrl(config.registry.path),
      tls: config.server.tls !== null,
      auth: auth !== null,
    },
    "fstore serving",
  );

  for (const warning of exposureWarnings(config, host, deps.metrics?.httpAddress !== undefined)) {
    logger.warn({ address }, warning);
  }

  let consoleUrl: string | undefined;
  if (options.uiPort !== undefined) {
    try {
      const ui = await startConsole({
        config,
        // deps.registry, read on each request: metrics may wrap it.
        registry: () => deps.registry,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        logger,
        ...(audit ? { audit } : {}),
        host,
        port: options.uiPort,
        ...(options.uiSampleSeconds !== undefined ? { servingIntervalSeconds: options.uiSampleSeconds } : {}),
      });
      deps.resources.get(
        "web console",
        () => ui,
        (c) => c.close(),
      );
      consoleUrl = ui.url;
    } catch (err) {
      server.forceShutdown();
      await deps.resources.closeAll();
      if (ownsRegistry) registry.close();
      throw err;
    }
  }

  // Scheduled incremental materialization (materialization.schedule; off when null).
  const stopSchedule = startSchedule(deps);
  // Scheduled drift checks of serving logs (monitoring.schedule; off when null).
  const stopMonitoring = startMonitoringSchedule(
    deps,
    options.onMonitoringFire ? { onFire: options.onMonitoringFire } : {},
  );
  // Stream consumers for the online stream views (streaming.ingest_in_serve).
  const ingestion = config.streaming.ingestInServe
    ? startIngestion({
        config,
        registry,
        store: () => sharedOnlineStore(deps),
        db: () => sharedDuckDb(deps.resources),
        logger,
        observer: deps.metrics,
        afterAppend: (folder) =>
          sharedPushCompactor(deps.resources, () => sharedDuckDb(deps.resources), logger).afterPush(folder),
      })
    : undefined;

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      health.setServing(false);
      await stopSchedule();
      await stopMonitoring();
      await ingestion?.stop();
      logger.info({ address }, "shutting down: refusing new calls, finishing in-flight ones");
      // Health watchers have seen NOT_SERVING; nothing else would end their streams.
      const ended = openStreams.endAll();
      if (ended > 0) logger.info({ streams: ended }, "ended open health watch and reflection streams");
      const drained = await tryShutdown(server, options.shutdownTimeoutMs ?? 10_000);
      if (!drained) logger.warn("in-flight calls did not finish in time: cancelled them");
      try {
        await deps.resources.closeAll();
      } finally {
        if (ownsRegistry) await registry.close();
      }
      logger.info({ address }, "stopped");
    })();
    return stopping;
  };

  return { port, address, deps, ...(consoleUrl ? { consoleUrl } : {}), shutdown };
}

/** `server.tryShutdown`, forced after `timeoutMs`. Resolves true when every call finished on its own. */
function tryShutdown(server: Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve(false);
    }, timeoutMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

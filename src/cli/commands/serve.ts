import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import type { Logger } from "pino";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError } from "../../errors/index.js";
import { ensureRepoData } from "../../init/index.js";
import { materialize, materializeContextOf } from "../../materialize/index.js";
import { applyRepo } from "../../registry/index.js";
import type { RunningServer } from "../../server/index.js";
import { createLogger, startServer, stopOnSignals } from "../../server/index.js";

export interface ServeOptions {
  repo: string;
  port?: number;
  host?: string;
  /** Generate the example data if missing and apply the repository first. */
  init?: boolean;
  /** Serve Prometheus metrics on this port (turns metrics on even when metrics.enabled is off). */
  metricsPort?: number;
  /** Serve the web console on this port. */
  uiPort?: number;
}

/** Test only: delays every FeatureService handler (see server/handler-delay.ts). */
const HANDLER_DELAY_ENV = "FSTORE_TEST_HANDLER_DELAY_MS";

export function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError("expected a port number between 0 and 65535");
  }
  return n;
}

/**
 * `--init`: if the repository has a data generator (`_generate_data.ts`
 * exporting `ensureExampleData(repoPath)`), make sure its data exists; then
 * apply the repository so the registry matches its definitions.
 */
async function initRepo(repoPath: string, logger: Logger): Promise<void> {
  const data = await ensureRepoData(repoPath);
  if (data.generator) logger.info({ repo: repoPath, generated: data.generated }, "example data ready");
  const plan = await applyRepo(repoPath);
  logger.info({ repo: repoPath, version: plan.version, changes: plan.changes.length }, "repository applied");
}

/**
 * `--init`, after the server is up: when no online view was ever
 * materialized (a fresh checkout), materialize incrementally up to now so the
 * first GetOnlineFeatures finds values. Later starts leave the store alone.
 */
async function materializeIfNeverMaterialized(
  running: RunningServer,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const { registry } = running.deps;
  const views = [...registry.snapshot().featureViews.values()].filter((v) => v.online);
  if (views.length === 0) return;
  for (const v of views) if ((await registry.materializationIntervals(v.name)).length > 0) return;
  logger.info({ views: views.map((v) => v.name) }, "first start: materializing up to now");
  try {
    for await (const event of materialize(materializeContextOf(running.deps), {
      end: new Date(),
      incremental: true,
      signal,
    })) {
      if (event.kind === "summary") {
        logger.info(
          {
            elapsedMs: event.elapsedMs,
            views: event.views.map((v) => ({ view: v.featureView, entities: v.entitiesWritten })),
          },
          "first start: materialized",
        );
      }
    }
  } catch (err) {
    if (signal.aborted) return logger.info("first start: materialization stopped by the shutdown");
    // Serving goes on; the user can materialize by hand.
    const e = FstoreError.from(err);
    logger.error({ code: e.code, error: e.message }, "first start: materialization failed");
  }
}

/** Runs `fstore serve` until SIGTERM/SIGINT, which stop it gracefully (exit 0). */
export async function runServe(options: ServeOptions): Promise<void> {
  const logger = createLogger();
  const repoPath = resolve(options.repo);
  try {
    if (options.init) await initRepo(repoPath, logger);
    const config = loadRepoConfig(repoPath);
    const delay = Number(process.env[HANDLER_DELAY_ENV] ?? 0);
    const running = await startServer({
      config,
      logger,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
      ...(options.uiPort !== undefined ? { uiPort: options.uiPort } : {}),
      ...(delay > 0 ? { handlerDelayMs: delay } : {}),
    });
    // A shutdown stops the first start's materialization and waits for it before the server closes
    // its stores (closing DuckDB under a running query could crash the process).
    const firstRun = new AbortController();
    let materializing: Promise<void> = Promise.resolve();
    stopOnSignals(
      {
        shutdown: async () => {
          firstRun.abort();
          await materializing;
          await running.shutdown();
        },
      },
      logger,
    );
    if (options.init) {
      materializing = materializeIfNeverMaterialized(running, logger, firstRun.signal);
      await materializing;
    }
  } catch (err) {
    const e = FstoreError.from(err);
    logger.error({ code: e.code, error: e.message }, "fstore serve failed to start");
    console.error(`fstore serve: ${e.code}: ${e.message}`);
    process.exitCode = 1;
  }
}

/** Registers `fstore serve`. */
export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("serve the feature repository over gRPC (reflection and grpc.health.v1 included)")
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--port <n>", "port to listen on (default: server.port, 6566)", portNumber)
    .option("--host <host>", "address to listen on (default: server.host, 127.0.0.1)")
    .option("--init", "generate the example data if missing and apply the repository before serving")
    .option(
      "--metrics-port <n>",
      "serve Prometheus metrics on this port (or set metrics.enabled)",
      portNumber,
    )
    .option(
      "--ui-port <n>",
      "serve the read-only web console on this port (same host, auth and TLS)",
      portNumber,
    )
    .action(async (options: ServeOptions) => {
      await runServe(options);
    });
}

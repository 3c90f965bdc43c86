/**
 * `fstore ui`: the web console on its own, over the repository's registry and
 * profile store (read only), behind the same authentication and permissions
 * as the server (`server.auth`, `server.tls`). Serving metrics need the
 * console inside a server: `fstore serve --ui-port N`.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadRepoConfig } from "../../config/index.js";
import { startConsole } from "../../console/index.js";
import { FstoreError } from "../../errors/index.js";
import { openRegistry } from "../../registry/index.js";
import { createAuditLog, createLogger, stopOnSignals } from "../../server/index.js";
import { portNumber } from "./serve.js";

export interface UiOptions {
  repo: string;
  port: number;
  host?: string;
}

export const DEFAULT_UI_PORT = 8888;

/** Runs `fstore ui` until SIGTERM/SIGINT. */
export async function runUi(options: UiOptions): Promise<void> {
  const logger = createLogger();
  try {
    const config = loadRepoConfig(resolve(options.repo));
    const registry = await openRegistry(config);
    const audit = config.server.auditLog ? createAuditLog(config.server.auditLog) : undefined;
    let ui: Awaited<ReturnType<typeof startConsole>>;
    try {
      ui = await startConsole({
        config,
        registry,
        logger,
        ...(audit ? { audit } : {}),
        port: options.port,
        ...(options.host !== undefined ? { host: options.host } : {}),
      });
    } catch (err) {
      await registry.close();
      await audit?.close();
      throw err;
    }
    process.stdout.write(`fstore console: ${ui.url}\n`);
    stopOnSignals(
      {
        shutdown: async () => {
          await ui.close();
          await registry.close();
          await audit?.close();
        },
      },
      logger,
    );
  } catch (err) {
    const e = FstoreError.from(err);
    console.error(`fstore ui: ${e.code}: ${e.message}`);
    process.exitCode = 1;
  }
}

export function registerUiCommand(program: Command): void {
  program
    .command("ui")
    .description("serve the read-only web console of the repository (registry, freshness, monitoring)")
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--port <n>", `port to listen on (0 picks a free one)`, portNumber, DEFAULT_UI_PORT)
    .option("--host <host>", "address to listen on (default: server.host, 127.0.0.1)")
    .action(async (options: UiOptions) => {
      await runUi(options);
    });
}

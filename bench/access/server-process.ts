/**
 * The access benchmark's server, in its own process: the real fstore server
 * over the online benchmark's synthetic definitions (an in-memory registry),
 * with the benchmark's permissions when asked. Usage:
 *   node bin/run-ts.js bench/access/server-process.ts CONFIG_JSON_FILE [with-permissions]
 * Prints "LISTENING <port>" when ready; stops on SIGTERM.
 */
import { readFileSync } from "node:fs";
import type { RepoConfig } from "../../src/config/types.js";
import { createLogger, startServer } from "../../src/server/index.js";
import { createMemoryRegistry } from "../../test/support/server.js";
import { benchDefinitions } from "../online/synthetic-repo.js";
import { benchPermissions } from "./permissions.js";

const config = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as RepoConfig;
const withPermissions = process.argv[3] === "with-permissions";
const running = await startServer({
  config,
  logger: createLogger({ level: "warn" }),
  registry: createMemoryRegistry(config.project, {
    ...benchDefinitions(),
    ...(withPermissions ? { permissions: benchPermissions } : {}),
  }),
  host: "127.0.0.1",
  port: 0,
});
console.log(`LISTENING ${running.port}`);
process.on("SIGTERM", () => {
  void running.shutdown().then(() => process.exit(0));
});

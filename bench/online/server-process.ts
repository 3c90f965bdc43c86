/**
 * The benchmark's server, in its own process: the real fstore server over
 * the synthetic definitions (held by an in-memory registry). Usage:
 *   node bin/run-ts.js bench/online/server-process.ts CONFIG_JSON_FILE
 * Prints "LISTENING <port>" when ready; stops on SIGTERM.
 */
import { readFileSync } from "node:fs";
import type { RepoConfig } from "../../src/config/types.js";
import { createLogger, startServer } from "../../src/server/index.js";
import { createMemoryRegistry } from "../../test/support/server.js";
import { benchDefinitions } from "./synthetic-repo.js";

const config = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as RepoConfig;
const running = await startServer({
  config,
  logger: createLogger({ level: "warn" }),
  registry: createMemoryRegistry(config.project, benchDefinitions()),
  host: "127.0.0.1",
  port: 0,
});
console.log(`LISTENING ${running.port}`);
process.on("SIGTERM", () => {
  void running.shutdown().then(() => process.exit(0));
});

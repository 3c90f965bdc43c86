/**
 * The fuzzed server, in its own process so a crash shows as an exit and its
 * memory as its own RSS. Usage:
 *   node bin/run-ts.js src/fuzz/server-process.ts REPO_PATH
 * Serves the repository on 127.0.0.1 (a free port), prints "LISTENING <port>"
 * when ready, and stops on SIGTERM.
 */
import { loadRepoConfig } from "../config/index.js";
import { createLogger } from "../server/logger.js";
import { startServer } from "../server/server.js";

const config = loadRepoConfig(process.argv[2] as string);
const running = await startServer({
  config,
  // Warnings would be one line per rejected request: only errors (INTERNAL) are worth reading.
  logger: createLogger({ level: "error" }),
  host: "127.0.0.1",
  port: 0,
});
console.log(`LISTENING ${running.port}`);
process.on("SIGTERM", () => {
  void running.shutdown().then(() => process.exit(0));
});

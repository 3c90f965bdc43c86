/**
 * The fuzzed server, in its own process so a crash shows as an exit and its
 * memory as its own RSS. Usage:
 *   node bin/run-ts.js src/fuzz/server-process.ts REPO_PATH
 * Serves the repository on 127.0.0.1 (a free port), prints "LISTENING <port>"
 * when ready, and stops on SIGTERM. With FSTORE_LOOP_DELAY=1 it also watches
 * its event loop's delay (perf_hooks, 1 ms resolution): each SIGUSR2 prints
 * "LOOP_DELAY {max, p99, mean}" in ms since the last one and starts afresh,
 * so the isolation benchmark can show how long the loop was blocked.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
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
if (process.env.FSTORE_LOOP_DELAY === "1") {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  process.on("SIGUSR2", () => {
    console.log(
      `LOOP_DELAY ${JSON.stringify({ max: ms(delay.max), p99: ms(delay.percentile(99)), mean: ms(delay.mean) })}`,
    );
    delay.reset();
  });
}
console.log(`LISTENING ${running.port}`);
process.on("SIGTERM", () => {
  void running.shutdown().then(() => process.exit(0));
});

/**
 * The logging benchmark's server, in its own process: the real fstore server
 * over the online benchmark's synthetic view fv50 and two feature services
 * over it, `fv50_logged` (logging, sample rate 1.0) and `fv50_plain` (none).
 *   node bin/run-ts.js bench/logging/server-process.ts CONFIG_JSON_FILE
 * Prints "LISTENING <port>"; then answers lines on stdin:
 *   "cpu"    -> "CPU <user+system µs of the whole process, every thread>"
 *   "rotate" -> writes what was logged to Parquet first, then "ROTATED <files> <logged> <dropped>"
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { RepoConfig } from "../../src/config/types.js";
import { serverFeatureLogger } from "../../src/server/handlers/online.js";
import { createLogger, startServer } from "../../src/server/index.js";
import { createMemoryRegistry } from "../../test/support/server.js";
import { benchDefinitions } from "../online/synthetic-repo.js";

const described = { description: "", tags: {}, owner: "" };
const config = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as RepoConfig;
const defs = benchDefinitions();
defs.featureServices = [
  {
    ...described,
    name: "fv50_logged",
    projections: [{ featureView: "fv50", features: [] }],
    logging: { sampleRate: 1, destination: { path: "fv50_logged" } },
  },
  { ...described, name: "fv50_plain", projections: [{ featureView: "fv50", features: [] }] },
];
const running = await startServer({
  config,
  logger: createLogger({ level: "warn" }),
  registry: createMemoryRegistry(config.project, defs),
  host: "127.0.0.1",
  port: 0,
});
console.log(`LISTENING ${running.port}`);
const logger = serverFeatureLogger(running.deps);
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "cpu") {
    const u = process.cpuUsage();
    console.log(`CPU ${u.user + u.system}`);
  } else if (line === "rotate") {
    void logger.rotate().then((files) => {
      const c = logger.counts().find((x) => x.featureService === "fv50_logged");
      console.log(`ROTATED ${files.length} ${c?.logged ?? 0} ${c?.dropped ?? 0}`);
    });
  }
});
process.on("SIGTERM", () => {
  void running.shutdown().then(() => process.exit(0));
});

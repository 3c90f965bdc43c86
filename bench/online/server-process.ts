/**
 * The benchmark's server, in its own process: the real fstore server over
 * the synthetic definitions (held by an in-memory registry). Usage:
 *   node bin/run-ts.js bench/online/server-process.ts CONFIG_JSON_FILE
 * Prints "LISTENING <port>" when ready; stops on SIGTERM. With PROBE_HEAP_MS set,
 * prints the heap (used, old space, new space, in MB) and GC counts every that
 * many milliseconds (what survives per request shows as old-space growth). PROBE_HEAP_PROFILE: see
 * below; with PROBE_HEAP_PROFILE_GARBAGE=1 the profile also keeps what a mark-compact collected
 * during the window (objects that were promoted to old space and died there).
 */
import { readFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";
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

const heapMs = Number(process.env.PROBE_HEAP_MS ?? 0);
if (heapMs > 0) {
  const gc = { minor: 0, major: 0, majorMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === 1) gc.minor++;
      else {
        gc.major++;
        gc.majorMs += e.duration;
      }
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ["gc"] });
  const mb = (n: number) => (n / 1048576).toFixed(1);
  setInterval(() => {
    const h = getHeapStatistics();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
    console.log(
      `HEAP used ${mb(h.used_heap_size)} old ${mb(spaces.old_space ?? 0)} new ${mb(spaces.new_space ?? 0)} ` +
        `scavenges ${gc.minor} major ${gc.major} (${gc.majorMs.toFixed(0)} ms) max pause ${gc.maxMs.toFixed(1)} ms`,
    );
    gc.maxMs = 0;
  }, heapMs).unref();
}

// PROBE_HEAP_PROFILE=FILE: SIGUSR2 starts V8's sampling heap profiler, the next SIGUSR2 writes what
// it sampled that is still in the heap (objects that outlived several scavenges) to FILE.
const heapProfile = process.env.PROBE_HEAP_PROFILE;
if (heapProfile) {
  const { Session } = await import("node:inspector/promises");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  let on = false;
  process.on("SIGUSR2", () => {
    on = !on;
    if (on)
      void session.post("HeapProfiler.startSampling", {
        samplingInterval: 1024,
        // PROBE_HEAP_PROFILE_GARBAGE=1: also keep the samples of objects a major GC collected (not
        // those a scavenge collected): what got promoted to old space and died there.
        ...(process.env.PROBE_HEAP_PROFILE_GARBAGE
          ? { includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false }
          : {}),
      });
    else
      void session.post("HeapProfiler.stopSampling").then((r) => {
        writeFileSync(heapProfile, JSON.stringify(r.profile));
        console.log(`HEAP PROFILE ${heapProfile}`);
      });
  });
}

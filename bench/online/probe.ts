/**
 * A quick look at one store under the real load generator (a subset of
 * `npm run bench -- online`, for investigating): fills a redis-server it
 * starts itself, starts the bench server process (NODE_OPTIONS passes through,
 * e.g. --cpu-prof), and measures the no-op RPC and GetOnlineFeatures for the
 * chosen scenarios at 500 req/s.
 *   node bin/run-ts.js bench/online/probe.ts [packed|feast|sqlite] [seconds] [scenario indices, e.g. 0,1] [max]
 * The server gets the flags `npm start` serves with (SERVING_NODE_FLAGS; PROBE_NODE_ARGS="--memory-reducer"
 * turns the memory reducer back on). Environment: PROBE_PROF_DIR (server CPU profile), PROBE_NODE_ARGS (e.g. "--trace-gc"; with
 * "--trace-gc-nvp" each run also shows what the server promoted to old space and its mark-compacts),
 * PROBE_HEAP_MS (the server prints heap and GC figures that often), PROBE_HEAP_PROFILE=FILE (SIGUSR2
 * to the server starts the sampling heap profiler, the next SIGUSR2 writes what is still live to FILE),
 * PROBE_WARMUP (seconds of warm-up before each measurement, default 1), PROBE_RATE (GetOnlineFeatures
 * requests per second, default 500) and LOADGEN_TRACE=FILE (the generator writes every call's send
 * time and latency there: a backlog shows as a run of latencies falling by the send interval).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createOnlineStore } from "../../src/online/index.js";
import { SERVING_NODE_FLAGS } from "../../src/server/node-flags.js";
import { redisStoreConfig, repoConfig } from "../../test/support/online-fixtures.js";
import { startRedis } from "../../test/support/redis.js";
import { runLoadgen } from "./run-loadgen.js";
import { scenarioRequests, scenarios, writeBenchRows } from "./synthetic-repo.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const layout = process.argv[2] ?? "packed";
const seconds = process.argv[3] ?? "4";
const which = (process.argv[4] ?? "0,1").split(",").map(Number);
const withMax = process.argv[5] === "max";
const warmup = process.env.PROBE_WARMUP ?? "1";
const rate = process.env.PROBE_RATE ?? "500";

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}
/** Runs the load generator and adds the server's and redis-server's CPU µs per request to its result. */
async function measured(
  pids: (number | undefined)[],
  args: string[],
  requests: number,
): Promise<Record<string, unknown>> {
  const before = pids.map(cpuSeconds);
  gc.reset();
  const start = performance.now();
  const r = await runLoadgen(args);
  r.gc = gc.summary((performance.now() - start) / 1000);
  const used = pids.map((p, i) => cpuSeconds(p) - (before[i] as number));
  r.cpu = used.map((u) => ((u * 1e6) / requests).toFixed(0)).join("+");
  return r;
}

/**
 * The server's garbage collections during one measured run, from its `--trace-gc-nvp` lines
 * (PROBE_NODE_ARGS="--trace-gc-nvp"): bytes promoted to old space per second, bytes surviving each
 * scavenge, and the mark-compacts with their pauses. Per isolate; the busiest one is the server's
 * (the loader's worker thread has its own).
 */
interface GcCounts {
  scavenges: number;
  scavengeMs: number;
  maxScavengeMs: number;
  promoted: number;
  survived: number;
  /** Of the scavenges' pauses: sweeping the young ArrayBuffers (each typed array that owns one). */
  sweepMs: number;
  compacts: number[];
}
class GcTally {
  #byIsolate = new Map<string, GcCounts>();
  reset(): void {
    this.#byIsolate.clear();
  }
  /** Adds a --trace-gc-nvp line; false for any other line. */
  add(line: string): boolean {
    const m = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: pause=([\d.]+) .*?gc=(\w+)/.exec(line);
    if (!m) return false;
    const isolate = m[1] as string;
    let t = this.#byIsolate.get(isolate);
    if (!t) {
      t = {
        scavenges: 0,
        scavengeMs: 0,
        maxScavengeMs: 0,
        promoted: 0,
        survived: 0,
        sweepMs: 0,
        compacts: [],
      };
      this.#byIsolate.set(isolate, t);
    }
    if (m[3] === "s") {
      t.scavenges++;
      t.scavengeMs += Number(m[2]);
      t.maxScavengeMs = Math.max(t.maxScavengeMs, Number(m[2]));
      t.promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
      t.survived += Number(/ new_space_survived=(\d+)/.exec(line)?.[1] ?? 0);
      t.sweepMs += Number(/ scavenge\.sweep_array_buffers=([\d.]+)/.exec(line)?.[1] ?? 0);
    } else if (m[3] === "mc") t.compacts.push(Number(m[2]));
    return true;
  }
  summary(seconds: number): string | undefined {
    const t = [...this.#byIsolate.values()].sort((a, b) => b.scavenges - a.scavenges)[0];
    if (!t) return undefined;
    const kb = (n: number) => (n / 1024).toFixed(0);
    return (
      `gc: ${t.scavenges} scavenges (${t.scavengeMs.toFixed(0)} ms, max ${t.maxScavengeMs.toFixed(1)}, ` +
      `${t.sweepMs.toFixed(0)} ms sweeping array buffers), ` +
      `promoted ${kb(t.promoted / seconds)} KB/s, ${kb(t.survived / Math.max(1, t.scavenges))} KB survive a scavenge, ` +
      `${t.compacts.length} mark-compacts${t.compacts.length ? ` (${t.compacts.map((p) => p.toFixed(0)).join(", ")} ms)` : ""}`
    );
  }
}
const gc = new GcTally();
const show = (r: Record<string, unknown>) =>
  ["p50", "p99", "p999"].map((k) => (r[k] as number)?.toFixed(3)).join(" / ") +
  (r.errors ? ` errors ${r.errors}` : "") +
  (r.cpu ? ` cpu µs/req ${r.cpu}` : "") +
  (r.gc ? ` [${r.gc}]` : "");

const dir = mkdtempSync(join(tmpdir(), "fstore-probe-"));
const redis = layout === "sqlite" ? undefined : await startRedis();
try {
  const config =
    layout === "sqlite"
      ? repoConfig({ type: "sqlite", path: join(dir, "online.db") }, "probe")
      : repoConfig(
          redisStoreConfig(
            (redis as { connectionString: string }).connectionString,
            layout as "packed" | "feast",
          ),
          "probe",
        );
  config.server.maxEntitiesPerRequest = 1000;
  const store = createOnlineStore(config);
  const ts = new Date();
  await writeBenchRows(store, ts);
  await store.close();
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(config));
  // PROBE_PROF_DIR: profile the server process (node --cpu-prof) into that folder.
  const prof = process.env.PROBE_PROF_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PROBE_PROF_DIR}`]
    : [];
  // PROBE_NODE_ARGS: more node flags for the server (e.g. --trace-gc); its output is passed through.
  const nodeArgs = process.env.PROBE_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  prof.push(...nodeArgs);
  // V8's GC traces go through C stdio, block-buffered on a pipe and partly lost when the server
  // exits: with node flags, run it line-buffered (stdbuf) so the trace arrives whole and in order.
  const serverArgs = [
    ...SERVING_NODE_FLAGS,
    ...prof,
    join(root, "bin/run-ts.js"),
    join(root, "bench/online/server-process.ts"),
    file,
  ];
  const lineBuffered = nodeArgs.length > 0 && existsSync("/usr/bin/stdbuf");
  const proc = spawn(
    lineBuffered ? "/usr/bin/stdbuf" : process.execPath,
    lineBuffered ? ["-oL", process.execPath, ...serverArgs] : serverArgs,
    {
      cwd: dir,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve) => {
    let out = "";
    let listening = false;
    const echo = nodeArgs.length > 0 || process.env.PROBE_HEAP_MS;
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n");
      out = lines.pop() as string;
      for (const line of lines) {
        // --trace-gc-nvp lines are summed per run instead of shown.
        if (!gc.add(line) && echo) console.log(line);
        const m = listening ? null : /^LISTENING (\d+)/.exec(line);
        if (m) {
          listening = true;
          resolve(Number(m[1]));
        }
      }
    });
  });
  const address = `127.0.0.1:${port}`;
  try {
    for (const k of which) {
      const s = scenarios[k];
      if (!s) continue;
      const { bytes } = scenarioRequests(s, 256);
      const parts: Buffer[] = [Buffer.from(new Uint32Array([bytes.length]).buffer)];
      for (const b of bytes) parts.push(Buffer.from(new Uint32Array([b.length]).buffer), Buffer.from(b));
      const reqFile = join(dir, `req${k}.bin`);
      writeFileSync(reqFile, Buffer.concat(parts));
      const pids = [proc.pid, redis?.pid];
      const noopTotal = 500 * (Number(seconds) + Number(warmup));
      const getTotal = Number(rate) * (Number(seconds) + Number(warmup));
      const tracing = nodeArgs.length > 0 || process.env.PROBE_HEAP_MS;
      if (tracing) console.log(`PHASE ${s.name} noop`);
      const noop = await measured(
        pids,
        ["open", address, "/grpc.health.v1.Health/Check", "-", "500", seconds, warmup],
        noopTotal,
      );
      if (tracing) console.log(`PHASE ${s.name} get`);
      const get = await measured(
        pids,
        ["open", address, "/fstore.v1.FeatureService/GetOnlineFeatures", reqFile, rate, seconds, warmup],
        getTotal,
      );
      console.log(
        `${s.name}: get ${show(get)}   noop ${show(noop)}   p50 diff ${((get.p50 as number) - (noop.p50 as number)).toFixed(3)}`,
      );
      if (withMax && k === 0) {
        const mn = await runLoadgen(["max", address, "/grpc.health.v1.Health/Check", "-", "16", seconds]);
        const mg = await runLoadgen([
          "max",
          address,
          "/fstore.v1.FeatureService/GetOnlineFeatures",
          reqFile,
          "16",
          seconds,
        ]);
        console.log(
          `  max: get ${mg.throughput} noop ${mn.throughput} ratio ${((mg.throughput as number) / (mn.throughput as number)).toFixed(2)}`,
        );
      }
    }
  } finally {
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await exited;
  }
} finally {
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
}

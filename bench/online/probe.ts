/**
 * A quick look at one store under the real load generator (a subset of
 * `npm run bench -- online`, for investigating): fills a redis-server it
 * starts itself, starts the bench server process (NODE_OPTIONS passes through,
 * e.g. --cpu-prof), and measures the no-op RPC and GetOnlineFeatures for the
 * chosen scenarios at 500 req/s.
 *   node bin/run-ts.js bench/online/probe.ts [packed|feast|sqlite] [seconds] [scenario indices, e.g. 0,1] [max]
 * Environment: PROBE_PROF_DIR (server CPU profile), PROBE_NODE_ARGS (e.g. "--trace-gc"),
 * PROBE_HEAP_MS (the server prints heap and GC figures that often), PROBE_HEAP_PROFILE=FILE (SIGUSR2
 * to the server starts the sampling heap profiler, the next SIGUSR2 writes what is still live to FILE).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createOnlineStore } from "../../src/online/index.js";
import { repoConfig } from "../../test/support/online-fixtures.js";
import { startRedis } from "../../test/support/redis.js";
import { benchRows, ENTITIES, fv50, fv250, scenarioRequests, scenarios } from "./synthetic-repo.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const layout = process.argv[2] ?? "packed";
const seconds = process.argv[3] ?? "4";
const which = (process.argv[4] ?? "0,1").split(",").map(Number);
const withMax = process.argv[5] === "max";

function loadgen(args: string[]): Record<string, unknown> {
  const res = spawnSync("/usr/bin/python3", [join(root, "bench/online/loadgen.py"), ...args], {
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout.trim().split("\n").at(-1) as string);
}
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
function measured(pids: (number | undefined)[], args: string[], requests: number): Record<string, unknown> {
  const before = pids.map(cpuSeconds);
  const r = loadgen(args);
  const used = pids.map((p, i) => cpuSeconds(p) - (before[i] as number));
  r.cpu = used.map((u) => ((u * 1e6) / requests).toFixed(0)).join("+");
  return r;
}
const show = (r: Record<string, unknown>) =>
  ["p50", "p99", "p999"].map((k) => (r[k] as number)?.toFixed(3)).join(" / ") +
  (r.errors ? ` errors ${r.errors}` : "") +
  (r.cpu ? ` cpu µs/req ${r.cpu}` : "");

const dir = mkdtempSync(join(tmpdir(), "fstore-probe-"));
const redis = layout === "sqlite" ? undefined : await startRedis();
try {
  const config =
    layout === "sqlite"
      ? repoConfig({ type: "sqlite", path: join(dir, "online.db") }, "probe")
      : repoConfig(
          {
            type: "redis",
            connectionString: (redis as { connectionString: string }).connectionString,
            redisType: "redis",
            keyTtlSeconds: null,
            layout: layout as "packed" | "feast",
          },
          "probe",
        );
  config.server.maxEntitiesPerRequest = 1000;
  const store = createOnlineStore(config);
  const ts = new Date();
  for (const v of [fv50, fv250]) {
    for (let from = 0; from < ENTITIES; from += 500)
      await store.writeBatch(v, benchRows(v, from, from + 500, ts));
  }
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
  const proc = spawn(
    process.execPath,
    [...prof, join(root, "bin/run-ts.js"), join(root, "bench/online/server-process.ts"), file],
    {
      cwd: dir,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      if (nodeArgs.length > 0 || process.env.PROBE_HEAP_MS) process.stdout.write(d);
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
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
      const total = 500 * (Number(seconds) + 1);
      const noop = measured(
        pids,
        ["open", address, "/grpc.health.v1.Health/Check", "-", "500", seconds, "1"],
        total,
      );
      const get = measured(
        pids,
        ["open", address, "/fstore.v1.FeatureService/GetOnlineFeatures", reqFile, "500", seconds, "1"],
        total,
      );
      console.log(
        `${s.name}: get ${show(get)}   noop ${show(noop)}   p50 diff ${((get.p50 as number) - (noop.p50 as number)).toFixed(3)}`,
      );
      if (withMax && k === 0) {
        const mn = loadgen(["max", address, "/grpc.health.v1.Health/Check", "-", "16", seconds]);
        const mg = loadgen([
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

/**
 * Isolation benchmark (`npm run bench -- isolation`): does one client sending
 * the worst requests the default limits allow slow everyone else down?
 *
 * A real server in its own process (src/fuzz/server-process.ts) over a
 * repository with a 1M-row source, on SQLite. Small GetOnlineFeatures calls
 * (1 entity, 2 features) are sent at 200 req/s, open loop, for
 * FSTORE_BENCH_SECONDS (default 15) after a warm-up, first alone, then while
 * another process (bench/isolation/heavy-client.ts) sends, one at a time:
 * GetOnlineFeatures of 1,000 entities x 14 features, a 1,000-row Push (online
 * and offline), and a 1M-row GetHistoricalFeatures written as Parquet at the
 * deepest allowed path. Target: p99 under load <= 2 x p99 alone.
 *
 * First each heavy request is sent alone, FSTORE_BENCH_EACH (default 3) times
 * in a row, with no other traffic: the server's CPU per call and the longest
 * event-loop block it caused show which request stalls the others and by how
 * much, independently of the machine's load.
 *
 * Beside the latencies it prints, per scenario, the server's event-loop delay
 * (max and p99, from perf_hooks in the server process: how long the loop was
 * blocked by synchronous work) and the server's CPU seconds, which stay
 * meaningful on a loaded machine where wall-time percentiles do not.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { GetOnlineFeaturesRequestSchema } from "../gen/fstore/v1/feature_service_pb.js";
import { createFuzzRepo, createRawClient, type RawClient, startServerProcess } from "../src/fuzz/index.js";
import { heavyRequests } from "./isolation/heavy-requests.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const RATE = 200;
const SECONDS = Number(process.env.FSTORE_BENCH_SECONDS ?? 15);
const WARMUP = Number(process.env.FSTORE_BENCH_WARMUP ?? 5);
const EACH = Number(process.env.FSTORE_BENCH_EACH ?? 3);

const small = toBinary(
  GetOnlineFeaturesRequestSchema,
  create(GetOnlineFeaturesRequestSchema, {
    selection: { features: ["driver_stats:conv_rate", "driver_stats:trips"] },
    entities: { driver_id: { val: [{ val: { case: "int64Val", value: 1042n } }] } },
  }),
);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** Sends the small call at RATE per second for `seconds` (open loop); latencies in ms, failures counted. */
async function measure(
  client: RawClient,
  seconds: number,
): Promise<{ p50: number; p99: number; failed: number; n: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = RATE * seconds;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Latency from when the call was due, so a stalled sender counts too (no coordinated omission).
    pending.push(
      client.call("GetOnlineFeatures", small, { deadlineMs: 10_000 }).then((r) => {
        if (r.code !== 0) failed++;
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), failed, n: latencies.length };
}

/**
 * User + system CPU seconds so far (Linux /proc), or NaN: of the whole process,
 * or with `mainThread` of its main thread alone (the event loop's own work).
 */
function cpuSeconds(pid: number | undefined, mainThread = false): number {
  try {
    const file = mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
    const fields = readFileSync(file, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

interface LoopDelay {
  max: number;
  p99: number;
  mean: number;
}

const config = await createFuzzRepo({}, 1_000_000);
// The server process reports its event-loop delay on SIGUSR2 (src/fuzz/server-process.ts).
process.env.FSTORE_LOOP_DELAY = "1";
const server = await startServerProcess(config.repoPath);
const address = `127.0.0.1:${server.port}`;
const client = createRawClient(address);
let serverOut = "";
server.proc.stdout?.on("data", (d: Buffer) => {
  serverOut += String(d);
});
/** The server's loop delay since the last call (and resets it). */
async function loopDelay(): Promise<LoopDelay> {
  const before = serverOut.length;
  server.proc.kill("SIGUSR2");
  for (let i = 0; i < 200; i++) {
    const m = /LOOP_DELAY (\{.*\})/.exec(serverOut.slice(before));
    if (m) return JSON.parse(m[1] as string) as LoopDelay;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { max: Number.NaN, p99: Number.NaN, mean: Number.NaN };
}
try {
  // Values online for the small calls to find.
  const { MaterializeRequestSchema } = await import("../gen/fstore/v1/feature_service_pb.js");
  await client.call(
    "Materialize",
    toBinary(MaterializeRequestSchema, create(MaterializeRequestSchema, { incremental: true })),
    {
      deadlineMs: 300_000,
    },
  );
  // Each heavy request alone: server CPU per call and the longest loop block (after one warm-up call).
  const fmt = (n: number) => n.toFixed(2);
  console.log(
    `each heavy request alone, ${EACH} calls after one warm-up: server CPU (all threads, and the event loop's own), longest loop block`,
  );
  console.log("request                  server CPU ms/call   loop CPU ms/call   loop max ms   wall ms/call");
  for (const [method, bytes] of heavyRequests()) {
    await client.call(method, bytes, { deadlineMs: 300_000 });
    await loopDelay();
    const c0 = cpuSeconds(server.proc.pid);
    const m0 = cpuSeconds(server.proc.pid, true);
    const t0 = performance.now();
    for (let i = 0; i < EACH; i++) {
      const r = await client.call(method, bytes, { deadlineMs: 300_000 });
      if (r.code !== 0) console.log(`${method} failed: ${r.code} ${r.details.slice(0, 200)}`);
    }
    const wall = (performance.now() - t0) / EACH;
    const cpu = ((cpuSeconds(server.proc.pid) - c0) * 1000) / EACH;
    const loopCpu = ((cpuSeconds(server.proc.pid, true) - m0) * 1000) / EACH;
    const d = await loopDelay();
    console.log(
      `${method.padEnd(24)} ${cpu.toFixed(0).padStart(18)} ${loopCpu.toFixed(0).padStart(18)} ${fmt(d.max).padStart(13)} ${wall.toFixed(0).padStart(14)}`,
    );
  }
  console.log("");

  await measure(client, WARMUP);
  await loopDelay();
  let cpu0 = cpuSeconds(server.proc.pid);
  const alone = await measure(client, SECONDS);
  const aloneDelay = await loopDelay();
  const aloneCpu = cpuSeconds(server.proc.pid) - cpu0;
  const heavy = spawn(
    process.execPath,
    [join(root, "bin/run-ts.js"), join(root, "bench/isolation/heavy-client.ts"), address],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let heavyOut = "";
  heavy.stdout?.on("data", (d: Buffer) => {
    heavyOut += String(d);
  });
  // Let the heavy client get going (its first request is the largest batch).
  await new Promise((r) => setTimeout(r, 2000));
  await loopDelay();
  cpu0 = cpuSeconds(server.proc.pid);
  const loaded = await measure(client, SECONDS);
  const loadedDelay = await loopDelay();
  const loadedCpu = cpuSeconds(server.proc.pid) - cpu0;
  heavy.kill("SIGTERM");
  await new Promise((r) => heavy.once("exit", r));
  const ratio = loaded.p99 / alone.p99;
  console.log(`small GetOnlineFeatures (1 x 2) at ${RATE} req/s, open loop, ${SECONDS} s; latency in ms`);
  console.log(
    "event loop: the server's loop delay (max / p99 ms); server CPU: its CPU seconds in the scenario",
  );
  console.log("scenario                    p50     p99   failed   loop max   loop p99   server CPU s");
  const row = (name: string, r: typeof alone, d: LoopDelay, cpu: number) =>
    console.log(
      `${name.padEnd(23)} ${fmt(r.p50).padStart(7)} ${fmt(r.p99).padStart(7)} ${String(r.failed).padStart(8)} ${fmt(d.max).padStart(10)} ${fmt(d.p99).padStart(10)} ${fmt(cpu).padStart(14)}`,
    );
  row("alone", alone, aloneDelay, aloneCpu);
  row("beside the worst client", loaded, loadedDelay, loadedCpu);
  console.log(`p99 ratio ${ratio.toFixed(2)} (target <= 2): ${ratio <= 2 ? "met" : "NOT met"}`);
  console.log(`heavy client completed: ${heavyOut.trim().replace(/^HEAVY /, "")}`);
} finally {
  client.close();
  await server.stop();
}

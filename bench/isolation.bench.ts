/**
 * Isolation benchmark (`npm run bench -- isolation`): does one client sending
 * the worst requests the default limits allow slow everyone else down?
 *
 * A real server in its own process (src/fuzz/server-process.ts) over a
 * repository with a 1M-row source, on SQLite. Small GetOnlineFeatures calls
 * (1 entity, 2 features) are sent at 200 req/s, open loop, for
 * FSTORE_BENCH_SECONDS (default 10) after a warm-up, alone and while
 * another process (bench/isolation/heavy-client.ts) sends, one at a time:
 * GetOnlineFeatures of 1,000 entities x 14 features, a 1,000-row Push (online
 * and offline), and a 1M-row GetHistoricalFeatures written as Parquet at the
 * deepest allowed path, in FSTORE_BENCH_ROUNDS (default 5) rounds of both.
 * Target: p99 under load <= 2 x p99 alone (the median of the rounds' ratios).
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
const SECONDS = Number(process.env.FSTORE_BENCH_SECONDS ?? 10);
/**
 * Rounds of (alone, beside the heavy client), in alternating order; the ratio is the median of the
 * rounds' p99 ratios. A single 15 s pair gave 1.90 on a quiet machine and 7.33 and 17.6 beside
 * another process's benchmark (2 cores); the two scenarios of a round share the machine's moment.
 */
const ROUNDS = Number(process.env.FSTORE_BENCH_ROUNDS ?? 5);
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
  type Measured = Awaited<ReturnType<typeof measure>> & { delay: LoopDelay; cpu: number };
  const scenario = async (): Promise<Measured> => {
    await loopDelay();
    const cpu0 = cpuSeconds(server.proc.pid);
    const r = await measure(client, SECONDS);
    return { ...r, delay: await loopDelay(), cpu: cpuSeconds(server.proc.pid) - cpu0 };
  };
  let heavyOut = "";
  const beside = async (): Promise<Measured> => {
    const heavy = spawn(
      process.execPath,
      [join(root, "bin/run-ts.js"), join(root, "bench/isolation/heavy-client.ts"), address],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    heavy.stdout?.on("data", (d: Buffer) => {
      out += String(d);
    });
    // Let the heavy client get going (its first request is the largest batch).
    await new Promise((r) => setTimeout(r, 2000));
    const m = await scenario();
    heavy.kill("SIGTERM");
    await new Promise((r) => heavy.once("exit", r));
    heavyOut = out;
    // Let the server finish the heavy client's last request before the next measurement.
    await new Promise((r) => setTimeout(r, 3000));
    return m;
  };
  const rounds: { alone: Measured; loaded: Measured; ratio: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternating order: neither scenario always gets the first (or the quieter) minute.
    const [alone, loaded] = r % 2 === 0 ? [await scenario(), await beside()] : await besideFirst();
    rounds.push({ alone, loaded, ratio: loaded.p99 / alone.p99 });
  }
  async function besideFirst(): Promise<[Measured, Measured]> {
    const loaded = await beside();
    return [await scenario(), loaded];
  }
  const ratios = rounds.map((x) => x.ratio);
  const ratio = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] as number;
  console.log(
    `small GetOnlineFeatures (1 x 2) at ${RATE} req/s, open loop, ${ROUNDS} rounds of ${SECONDS} s alone and ${SECONDS} s beside the worst client (order alternating); latency in ms`,
  );
  console.log(
    "event loop: the server's loop delay (max / p99 ms); server CPU: its CPU seconds in the scenario",
  );
  console.log(
    "round  scenario                    p50     p99   failed   loop max   loop p99   server CPU s   p99 ratio",
  );
  const row = (round: number, name: string, m: Measured, ratioText = "") =>
    console.log(
      `${String(round).padStart(5)}  ${name.padEnd(23)} ${fmt(m.p50).padStart(7)} ${fmt(m.p99).padStart(7)} ${String(m.failed).padStart(8)} ${fmt(m.delay.max).padStart(10)} ${fmt(m.delay.p99).padStart(10)} ${fmt(m.cpu).padStart(14)} ${ratioText.padStart(11)}`,
    );
  rounds.forEach((x, i) => {
    row(i + 1, "alone", x.alone);
    row(i + 1, "beside the worst client", x.loaded, x.ratio.toFixed(2));
  });
  console.log(
    `p99 ratio, median of the rounds: ${ratio.toFixed(2)} (rounds ${ratios.map((x) => x.toFixed(2)).join(", ")}; target <= 2): ${ratio <= 2 ? "met" : "NOT met"}`,
  );
  console.log(`heavy client completed (last round): ${heavyOut.trim().replace(/^HEAVY /, "")}`);
} finally {
  client.close();
  await server.stop();
}

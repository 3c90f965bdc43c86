/**
 * Feature logging's cost to the server: the server's CPU per request
 * (process.cpuUsage of the server process: every thread, so the logging
 * worker's decoding and Parquet writing count) for 1 x 50 GetOnlineFeatures
 * on Redis (packed layout), through a feature service that logs every
 * request (sample rate 1.0) and through the same features in a service
 * without logging, in pairs of adjacent rounds of one run (the order
 * alternating per pair). Each round ends by writing its logged rows to
 * Parquet, so the file writing is inside the round. The ratio is the median
 * of the pairs' ratios logged / plain (a pair's rounds share the machine's
 * load of the moment); every round is printed, with the main thread's share.
 * Target: logged / plain <= 1.10.
 *   FSTORE_BENCH_REQUESTS (default 15000 per round), FSTORE_BENCH_PAIRS (default 16)
 *   FSTORE_BENCH_SERVER_NODE_ARGS: node options for the server, e.g. "--cpu-prof --cpu-prof-dir=DIR"
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { Client, credentials } from "@grpc/grpc-js";
import { GetOnlineFeaturesRequestSchema } from "../gen/fstore/v1/feature_service_pb.js";
import { createOnlineStore, writeOnlineRows } from "../src/online/index.js";
import { repoConfig } from "../test/support/online-fixtures.js";
import { startRedis } from "../test/support/redis.js";
import { benchRows, ENTITIES, fv50 } from "./online/synthetic-repo.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const REQUESTS = Number(process.env.FSTORE_BENCH_REQUESTS ?? 15_000);
const PAIRS = Number(process.env.FSTORE_BENCH_PAIRS ?? 16);
const IN_FLIGHT = 16;
/** Extra node options for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where its CPU goes. */
const nodeArgs = (process.env.FSTORE_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
const METHOD = "/fstore.v1.FeatureService/GetOnlineFeatures";

/** One request per entity for `service`, serialized once. */
function requests(service: string): Buffer[] {
  return Array.from({ length: ENTITIES }, (_, e) =>
    Buffer.from(
      toBinary(
        GetOnlineFeaturesRequestSchema,
        create(GetOnlineFeaturesRequestSchema, {
          selection: { featureServices: [service] },
          entities: {
            item_id: { val: [{ val: { case: "int64Val" as const, value: BigInt((e * 7919) % ENTITIES) } }] },
          },
        }),
      ),
    ),
  );
}

class ServerProcess {
  #lines: string[] = [];
  #waiters: ((line: string) => void)[] = [];
  constructor(readonly proc: ChildProcess) {
    let buffered = "";
    proc.stdout?.on("data", (d: Buffer) => {
      buffered += d.toString();
      let i = buffered.indexOf("\n");
      while (i >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        const w = this.#waiters.shift();
        if (w) w(line);
        else this.#lines.push(line);
        i = buffered.indexOf("\n");
      }
    });
  }
  next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  /** Sends `command` and returns the answer: the next line starting with `prefix` (log lines are skipped). */
  async ask(command: string, prefix: string): Promise<string> {
    this.proc.stdin?.write(`${command}\n`);
    for (;;) {
      const line = await this.next();
      if (line.startsWith(prefix)) return line;
    }
  }
}

async function load(client: Client, reqs: Buffer[], n: number): Promise<number> {
  let sent = 0;
  let errors = 0;
  const identity = (b: Buffer) => b;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const i = sent++;
      client.makeUnaryRequest(METHOD, identity, identity, reqs[i % reqs.length] as Buffer, (err) => {
        if (err) {
          errors++;
          firstError ??= `${err.code} ${err.details}`;
        }
        resolve();
      });
    });
  const worker = async () => {
    while (sent < n) await one();
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return errors;
}

/** µs per clock tick of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICK_US = 10_000;

/** Each thread's CPU time (user + system) in clock ticks, from /proc (empty where there is none). */
function threadTicks(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {}
  for (const tid of tids) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
      out.set(Number(tid), Number(rest[11]) + Number(rest[12]));
    } catch {} // the thread ended
  }
  return out;
}

let firstError: string | undefined;
/** The median (the mean of the middle two for an even count). */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const redis = await startRedis();
const dir = mkdtempSync(join(tmpdir(), "fstore-bench-logging-"));
let server: ServerProcess | undefined;
try {
  const config = repoConfig(
    {
      type: "redis",
      connectionString: redis.connectionString,
      redisType: "redis",
      keyTtlSeconds: null,
      layout: "packed",
    },
    "bench_logging",
  );
  config.offlineStore.logDir = join(dir, "feature_logs");
  // Rotation is driven by the rounds (below), not by the clock.
  config.featureLogging = { queueCapacity: 10_000, writeToDiskIntervalSecs: 3600 };
  const store = createOnlineStore(config);
  const ts = new Date();
  for (let from = 0; from < ENTITIES; from += 500) {
    await writeOnlineRows(store, fv50, benchRows(fv50, from, Math.min(ENTITIES, from + 500), ts));
  }
  await store.close();
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(config));
  const proc = spawn(
    process.execPath,
    [...nodeArgs, join(root, "bin/run-ts.js"), join(root, "bench/logging/server-process.ts"), file],
    {
      cwd: root,
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  server = new ServerProcess(proc);
  const listening = await server.next();
  const port = Number(/LISTENING (\d+)/.exec(listening)?.[1]);
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const cases = { plain: requests("fv50_plain"), logged: requests("fv50_logged") };
  const cpu = async () => Number((await (server as ServerProcess).ask("cpu", "CPU ")).split(" ")[1]);

  // Warm-up, a round of each: both paths compiled, the logging worker started and its staging
  // grown to a round's rows. The threads started by the first
  // logged requests (the logging worker, its module loader, libuv's pool for the files) are
  // told apart in the table.
  const pid = proc.pid as number;
  await load(client, cases.plain, REQUESTS);
  const serverThreads = new Set(threadTicks(pid).keys());
  await load(client, cases.logged, REQUESTS);
  await server.ask("rotate", "ROTATED ");

  type Case = "plain" | "logged";
  /**
   * Per round: server CPU µs per request, all threads; the main (serving) thread; the threads
   * started by logging; the others (V8's GC and compiler helpers, libuv's pool, the loader).
   */
  const rounds: Record<Case, Record<"all" | "main" | "logging" | "other", number[]>> = {
    plain: { all: [], main: [], logging: [], other: [] },
    logged: { all: [], main: [], logging: [], other: [] },
  };
  let errors = 0;
  let lastRotate = "";
  /** Ticks of the main thread, the threads started by logging and the others. */
  const split = () => {
    let main = 0;
    let logging = 0;
    let other = 0;
    for (const [tid, ticks] of threadTicks(pid)) {
      if (tid === pid) main += ticks;
      else if (serverThreads.has(tid)) other += ticks;
      else logging += ticks;
    }
    return { main, logging, other };
  };
  const round = async (name: Case) => {
    const before = await cpu();
    const threadsBefore = split();
    errors += await load(client, cases[name], REQUESTS);
    const rotated = await (server as ServerProcess).ask("rotate", "ROTATED "); // the logged rows written to Parquet inside the round
    if (name === "logged") lastRotate = rotated;
    const all = (await cpu()) - before;
    const threads = split();
    const r = rounds[name];
    r.all.push(all / REQUESTS);
    r.main.push(((threads.main - threadsBefore.main) * TICK_US) / REQUESTS);
    r.logging.push(((threads.logging - threadsBefore.logging) * TICK_US) / REQUESTS);
    r.other.push(((threads.other - threadsBefore.other) * TICK_US) / REQUESTS);
  };
  // Pairs of adjacent rounds, the order alternating (plain first, then logged first, ...), so
  // that a drift in the machine's load or clock weighs on both cases alike.
  const pairRatios: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const order: Case[] = pair % 2 === 0 ? ["plain", "logged"] : ["logged", "plain"];
    for (const name of order) await round(name);
    pairRatios.push((rounds.logged.all[pair] as number) / (rounds.plain.all[pair] as number));
  }
  client.close();
  const [, files, logged, dropped] = lastRotate.split(" ");
  const ratio = median(pairRatios);
  const fmt = (xs: number[], digits = 1) => xs.map((x) => x.toFixed(digits)).join(" ");
  console.log(
    `Feature logging: server CPU per 1 x 50 GetOnlineFeatures (Redis packed), ${PAIRS} pairs of adjacent rounds (order alternating) of ${REQUESTS} requests, ${IN_FLIGHT} in flight`,
  );
  console.log(
    "  case                      median µs/request  (main thread  logging threads  other threads)   rounds (µs/request, all threads)",
  );
  const row = (label: string, name: Case) => {
    const r = rounds[name];
    console.log(
      `  ${label.padEnd(26)}${median(r.all).toFixed(1).padStart(17)}${median(r.main).toFixed(1).padStart(15)}${median(r.logging).toFixed(1).padStart(17)}${median(r.other).toFixed(1).padStart(15)}    ${fmt(r.all)}`,
    );
  };
  row("logging off (fv50_plain)", "plain");
  row("logging, sample rate 1.0", "logged");
  console.log(`  ratio logged / off per pair: ${fmt(pairRatios, 3)}`);
  console.log(
    `  ratio of the medians: ${(median(rounds.logged.all) / median(rounds.plain.all)).toFixed(3)}; median of the pair ratios: ${ratio.toFixed(3)} (target <= 1.10: ${ratio <= 1.1 ? "met" : "NOT met"})`,
  );
  console.log(
    `  logged requests ${logged}, dropped ${dropped} (queue_capacity 10000), last logged round's files ${files}, errors ${errors}${firstError ? ` (first: ${firstError})` : ""}`,
  );
  console.log(
    "  (per thread: medians of /proc's CPU times in 10 ms ticks; logging threads: started by the first logged requests (the logging worker, its loader, libuv's pool); other: V8's GC helpers and the rest)",
  );
} finally {
  if (server) {
    const exited = new Promise((r) => server?.proc.once("exit", r));
    server.proc.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (server.proc.exitCode === null) server.proc.kill("SIGKILL");
  }
  await redis.close();
}

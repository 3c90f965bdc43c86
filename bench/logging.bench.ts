/**
 * Feature logging's cost to the server: the server's CPU per request
 * (process.cpuUsage of the server process: every thread, so the logging
 * worker's decoding and Parquet writing count) for 1 x 50 GetOnlineFeatures
 * on Redis (packed layout), through a feature service that logs every
 * request (sample rate 1.0) and through the same features in a service
 * without logging, in alternating rounds of one run. Each logged round ends
 * by writing its rows to Parquet, so the file writing is inside the round.
 * Target: logged / plain <= 1.10.
 *   FSTORE_BENCH_REQUESTS (default 20000 per round), FSTORE_BENCH_ROUNDS (default 3)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
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
const REQUESTS = Number(process.env.FSTORE_BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.FSTORE_BENCH_ROUNDS ?? 3);
const IN_FLIGHT = 16;
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

let firstError: string | undefined;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

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
    [join(root, "bin/run-ts.js"), join(root, "bench/logging/server-process.ts"), file],
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

  // Warm-up: both paths compiled, the logging worker started and its DuckDB open.
  for (const reqs of [cases.plain, cases.logged]) await load(client, reqs, Math.min(REQUESTS, 5000));
  await server.ask("rotate", "ROTATED ");

  const perRequest: Record<"plain" | "logged", number[]> = { plain: [], logged: [] };
  let errors = 0;
  let lastRotate = "";
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ["plain", "logged"] as const) {
      const before = await cpu();
      errors += await load(client, cases[name], REQUESTS);
      lastRotate = await server.ask("rotate", "ROTATED "); // the logged rows written to Parquet inside the round
      perRequest[name].push((await cpu()) - before);
    }
  }
  client.close();
  const [, files, logged, dropped] = lastRotate.split(" ");
  const us = (name: "plain" | "logged") => median(perRequest[name]) / REQUESTS;
  const ratio = us("logged") / us("plain");
  console.log(
    `Feature logging: server CPU per 1 x 50 GetOnlineFeatures (Redis packed), ${ROUNDS} alternating rounds of ${REQUESTS} requests, ${IN_FLIGHT} in flight; median round`,
  );
  console.log("  case                               server CPU µs/request   rounds (µs/request)");
  const row = (label: string, name: "plain" | "logged") =>
    console.log(
      `  ${label.padEnd(35)}${us(name).toFixed(1).padStart(21)}   ${perRequest[name].map((x) => (x / REQUESTS).toFixed(1)).join(", ")}`,
    );
  row("logging off (fv50_plain)", "plain");
  row("logging, sample rate 1.0", "logged");
  console.log(
    `  ratio logged / off: ${ratio.toFixed(3)} (target <= 1.10: ${ratio <= 1.1 ? "met" : "NOT met"})`,
  );
  console.log(
    `  logged requests ${logged}, dropped ${dropped} (queue_capacity 10000), last round's files ${files}, errors ${errors}${firstError ? ` (first: ${firstError})` : ""}`,
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

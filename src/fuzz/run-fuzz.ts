/**
 * The fuzzer: against a real fstore server (its own process, on loopback)
 * over the fuzz repository, on SQLite and on a real redis-server, it sends
 * `count` seeded requests per store, spread over every FeatureService method
 * and the four mutations of requests.ts, a few at a time, each with a
 * deadline. It reports the statuses per method, every INTERNAL or UNKNOWN
 * with a reproducer (method and base64 request bytes), whether the server
 * crashed, its health after (a health check and a valid call) and its RSS.
 * Bounded by count and by time.
 */
import { Client, credentials, Metadata, status } from "@grpc/grpc-js";
import { createFuzzRepo } from "./fuzz-repo.js";
import { rssMb, startRedisServer, startServerProcess } from "./processes.js";
import { createRawClient, FEATURE_SERVICE_METHODS, type RawOutcome } from "./raw-client.js";
import { fuzzRequest, type Mutation, validRequest } from "./requests.js";
import { createRng } from "./rng.js";

export type FuzzStore = "sqlite" | "redis";

export interface FuzzOptions {
  seed: number;
  /** Requests per store. */
  count: number;
  stores: readonly FuzzStore[];
  /** Stop sending after this long per store, whatever the count. */
  timeLimitMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Deadline of each request. */
  deadlineMs: number;
  /** Called every 500 requests. */
  onProgress?: (store: FuzzStore, sent: number) => void;
}

export interface FuzzFault {
  method: string;
  mutation: Mutation;
  code: string;
  details: string;
  /** The request, base64: replay with `npm run fuzz -- --replay METHOD BASE64`. */
  request: string;
}

export interface FuzzReport {
  store: FuzzStore;
  seed: number;
  sent: number;
  elapsedMs: number;
  /** method -> status name -> count. */
  statuses: Map<string, Map<string, number>>;
  /** INTERNAL and UNKNOWN answers (a bug each), at most 50 kept. */
  faults: FuzzFault[];
  faultCount: number;
  /** Requests that took longer than 5 s or hit their deadline (a possible stall), at most 20 kept. */
  slow: (FuzzFault & { ms: number })[];
  /** Set when the server process exited during the run. */
  crashed: string | undefined;
  /** Health check SERVING and a valid ListEntities OK after the run. */
  healthy: boolean;
  rssBeforeMb: number;
  rssAfterMb: number;
}

export const DEFAULT_FUZZ_OPTIONS: FuzzOptions = {
  seed: 1,
  count: 10_000,
  stores: ["sqlite", "redis"],
  timeLimitMs: 10 * 60_000,
  concurrency: 4,
  deadlineMs: 20_000,
};

const codeName = (code: number) => (status as unknown as Record<number, string>)[code] ?? `CODE_${code}`;

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport[]> {
  const reports: FuzzReport[] = [];
  for (const store of options.stores) reports.push(await fuzzOneStore(store, options));
  return reports;
}

async function fuzzOneStore(store: FuzzStore, o: FuzzOptions): Promise<FuzzReport> {
  const redis = store === "redis" ? await startRedisServer() : undefined;
  try {
    const config = await createFuzzRepo(redis ? { redis: redis.connectionString } : {});
    const server = await startServerProcess(config.repoPath);
    const address = `127.0.0.1:${server.port}`;
    const client = createRawClient(address);
    let crashed: string | undefined;
    void server.exited.then((code) => {
      crashed = `exited with ${code}: ${server.stderr().slice(-2000)}`;
    });
    const report: FuzzReport = {
      store,
      seed: o.seed,
      sent: 0,
      elapsedMs: 0,
      statuses: new Map([...FEATURE_SERVICE_METHODS.keys()].map((m) => [m, new Map()])),
      faults: [],
      faultCount: 0,
      slow: [],
      crashed: undefined,
      healthy: false,
      rssBeforeMb: rssMb(server.proc.pid),
      rssAfterMb: Number.NaN,
    };
    try {
      const rng = createRng(o.seed);
      const methods = [...FEATURE_SERVICE_METHODS.keys()];
      const started = Date.now();
      let next = 0;
      const worker = async () => {
        while (next < o.count && crashed === undefined && Date.now() - started < o.timeLimitMs) {
          const i = next++;
          const req = fuzzRequest(methods[i % methods.length] as string, rng);
          const t0 = Date.now();
          const outcome: RawOutcome = await client.call(req.method, req.bytes, { deadlineMs: o.deadlineMs });
          const ms = Date.now() - t0;
          report.sent++;
          if (report.sent % 500 === 0) o.onProgress?.(store, report.sent);
          const name = codeName(outcome.code);
          const counts = report.statuses.get(req.method) as Map<string, number>;
          counts.set(name, (counts.get(name) ?? 0) + 1);
          if ((ms > 5000 || outcome.code === status.DEADLINE_EXCEEDED) && report.slow.length < 20) {
            report.slow.push({
              method: req.method,
              mutation: req.mutation,
              code: name,
              details: outcome.details.slice(0, 300),
              request: Buffer.from(req.bytes).toString("base64"),
              ms,
            });
          }
          if (outcome.code === status.INTERNAL || outcome.code === status.UNKNOWN) {
            report.faultCount++;
            if (report.faults.length < 50) {
              report.faults.push({
                method: req.method,
                mutation: req.mutation,
                code: name,
                details: outcome.details.slice(0, 300),
                request: Buffer.from(req.bytes).toString("base64"),
              });
            }
          }
        }
      };
      await Promise.all(Array.from({ length: o.concurrency }, worker));
      report.elapsedMs = Date.now() - started;
      report.crashed = crashed;
      if (!crashed) {
        report.healthy =
          (await healthServing(address)) &&
          (await client.call("ListEntities", validRequest("ListEntities", rng))).code === 0;
        report.rssAfterMb = rssMb(server.proc.pid);
      }
    } finally {
      client.close();
      await server.stop();
    }
    return report;
  } finally {
    await redis?.stop();
  }
}

/** grpc.health.v1 Check of the whole server: SERVING? */
function healthServing(address: string): Promise<boolean> {
  const client = new Client(address, credentials.createInsecure());
  const id = (b: Buffer | Uint8Array) => Buffer.from(b);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      id,
      id,
      Buffer.alloc(0),
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (err, value?: Buffer) => {
        client.close();
        // HealthCheckResponse{status: SERVING (1)} is the two bytes 08 01.
        resolve(!err && value !== undefined && value[0] === 0x08 && value[1] === 0x01);
      },
    );
  });
}

/** The report as text: a table of statuses per method, then the faults and the server's state. */
export function formatReport(r: FuzzReport): string {
  const codes = [...new Set([...r.statuses.values()].flatMap((m) => [...m.keys()]))].sort();
  const rows = [["method", ...codes, "total"]];
  for (const [method, counts] of r.statuses) {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    rows.push([method, ...codes.map((c) => String(counts.get(c) ?? 0)), String(total)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const lines = [
    `store ${r.store}, seed ${r.seed}: ${r.sent} requests in ${(r.elapsedMs / 1000).toFixed(1)} s`,
    ...rows.map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join("  "),
    ),
    `INTERNAL/UNKNOWN: ${r.faultCount}`,
    ...r.faults.map(
      (f) =>
        `  ${f.method} (${f.mutation}) ${f.code}: ${f.details}\n    replay: npm run fuzz -- --replay ${f.method} ${f.request.length > 400 ? `${f.request.slice(0, 400)}... (${f.request.length} chars; full in --json)` : f.request}`,
    ),
    `slower than 5 s: ${r.slow.length}${r.slow.map((s) => `\n  ${s.method} (${s.mutation}) ${s.code} after ${s.ms} ms, ${s.request.length} base64 chars`).join("")}`,
    `server: ${r.crashed ? `CRASHED (${r.crashed})` : r.healthy ? "healthy (health SERVING, ListEntities OK)" : "UNHEALTHY"}, RSS ${r.rssBeforeMb.toFixed(0)} MB before, ${r.rssAfterMb.toFixed(0)} MB after`,
  ];
  return lines.join("\n");
}

/**
 * Benchmark: GetHistoricalFeatures of 1,000,000 entity rows against two
 * feature views over ~10,000,000 feature rows (100,000 vehicles), the
 * vehicle-rental example's large preset:
 * - to Parquet, in-process (the offline store's writeHistorical);
 * - streamed through a real gRPC server (a child process) to a TypeScript
 *   client that decodes every message;
 * - beside the hand-written DuckDB query with the same semantics (ASOF on
 *   (event, created) per view, ttl filter, entity order), run on the same
 *   data in the same run; and, as a floor for readers, the same query
 *   without the created-time tie-break (ASOF on the plain event timestamp),
 *   which is NOT the same semantics and is not what the ratio is taken to.
 * The streamed case reads batches with the TS client's typed-column decoder
 * (`streamHistoricalColumns`); a second streamed case decodes every message
 * with protobuf-es (the raw client), as any generic gRPC client would.
 * Each case runs in its own process so its peak RSS (VmHWM from
 * /proc/<pid>/status) is its own. Prints one table.
 *
 *   npm run bench -- historical            (RUNS=5 by default; the fastest run of each case is kept)
 *
 * On a shared machine wall time swings with the load of other processes; the
 * CPU seconds of the working process are printed too, and their ratio is the
 * steadier comparison with the hand-written query.
 *
 * Data is generated once (DuckDB SQL, seeded) into $TMPDIR/fstore-bench-historical.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createFstoreClient, createRawClient } from "../clients/typescript/src/index.js";
import { generateExampleData } from "../feature_repo/_generate_data.js";
import type { HistoricalQuery } from "../src/offline/index.js";
import { createOfflineStore, openDuckDb } from "../src/offline/index.js";
import {
  DAILY_FEATURES,
  HOURLY_FEATURES,
  snapshotOf,
  VEHICLE_FEATURE_REFS,
  vehicleDefinitions,
} from "./historical/vehicle-definitions.js";

const REPO = join(tmpdir(), "fstore-bench-historical");
const RUNS = Number(process.env.RUNS ?? 5);
const MEMORY_LIMIT = process.env.FSTORE_DUCKDB_MEMORY_LIMIT ?? "1GB";
/**
 * The target is the ratio to the hand-written query on the same data in the same run (the earlier
 * absolute targets, 650,000 rows/s to Parquet and 500,000 streamed, are retired: they measured the
 * machine). It applies to fstore's two own paths, to Parquet and streamed to fstore's TypeScript
 * client; the raw client's row shows what a generic protobuf decoder costs the caller.
 */
const TARGETS = {
  ratio: 1.25,
  rssBytes: 2 * 1024 ** 3,
};

const FEATURE_REFS = VEHICLE_FEATURE_REFS;

/**
 * The hand-written query: what one would type into DuckDB for the same
 * training set. With `plain`, the floor: ASOF on the event timestamp alone,
 * without the created-time tie-break (a different, weaker semantics).
 */
function handWrittenSql(out: string, plain = false): string {
  const d = `'${REPO}/data`;
  const order = plain
    ? "event_timestamp"
    : "struct_pack(t := event_timestamp, c := coalesce(created, '-infinity'::TIMESTAMP))";
  const bound = plain
    ? "e.event_timestamp"
    : "struct_pack(t := e.event_timestamp, c := 'infinity'::TIMESTAMP)";
  const pick = (alias: string, ttl: string, cols: string[]) =>
    cols.map(
      (c) =>
        `CASE WHEN ${alias}.event_timestamp >= e.event_timestamp - ${ttl} THEN ${alias}.${c} END AS ${c}`,
    );
  return `COPY (
    WITH e AS (SELECT file_row_number AS rn, * FROM read_parquet(${d}/vehicle_labels.parquet', file_row_number = true)),
    f1 AS (SELECT *, ${order} AS o FROM read_parquet(${d}/vehicle_features.parquet')),
    f2 AS (SELECT *, ${order} AS o FROM read_parquet(${d}/vehicle_hourly/*.parquet'))
    SELECT e.vehicle_id, e.event_timestamp, e.num_reservations,
      ${[...pick("f1", "INTERVAL 30 DAY", DAILY_FEATURES), ...pick("f2", "INTERVAL 2 HOUR", HOURLY_FEATURES)].join(",\n      ")}
    FROM e
    ASOF LEFT JOIN f1 ON e.vehicle_id = f1.vehicle_id AND ${bound} >= f1.o
    ASOF LEFT JOIN f2 ON e.vehicle_id = f2.vehicle_id AND ${bound} >= f2.o
    ORDER BY e.rn
  ) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`;
}

function query(): HistoricalQuery {
  return {
    snapshot: snapshotOf(vehicleDefinitions()),
    selection: { kind: "features", refs: FEATURE_REFS },
    entities: { kind: "registered", name: "vehicle_labels" },
    fullFeatureNames: false,
    options: {
      strict: false,
      dropUnmatched: false,
      excludeCreatedAfter: false,
      includeFeatureTimestamps: false,
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number | "self"): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function vmHwmBytes(pid: number | "self"): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+) kB/);
  return Number(m?.[1] ?? 0) * 1024;
}

// ---- child processes: one case each; print one JSON line ----

async function child(kind: string): Promise<void> {
  const outDir = join(REPO, "out");
  if (kind === "hand" || kind === "plain") {
    const db = await openDuckDb({ memoryLimit: MEMORY_LIMIT });
    const conn = await db.connect();
    const started = performance.now();
    const cpu0 = cpuSeconds("self");
    await conn.run(handWrittenSql(join(outDir, `${kind}.parquet`), kind === "plain"));
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds("self") - cpu0;
    const rows = Number(
      (
        await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${join(outDir, `${kind}.parquet`)}')`)
      ).getRows()[0]?.[0],
    );
    console.log(JSON.stringify({ seconds, cpu, rows, rss: vmHwmBytes("self") }));
    conn.closeSync();
    db.closeSync();
  } else if (kind === "parquet") {
    const db = await openDuckDb({ memoryLimit: MEMORY_LIMIT });
    const store = createOfflineStore({ repoPath: REPO, outputDir: outDir, duckdb: db });
    const started = performance.now();
    const cpu0 = cpuSeconds("self");
    const r = await store.writeHistorical(query(), "fstore.parquet");
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds("self") - cpu0;
    console.log(
      JSON.stringify({ seconds, cpu, rows: r.rowCount, violations: r.violations, rss: vmHwmBytes("self") }),
    );
    db.closeSync();
  } else if (kind === "server") {
    const { startServer } = await import("../src/server/index.js");
    const { createLogger } = await import("../src/server/logger.js");
    const { parseRepoConfig } = await import("../src/config/index.js");
    const config = parseRepoConfig(
      {
        project: "bench",
        provider: "local",
        registry: "data/registry.db",
        offline_store: { type: "file", output_dir: "out" },
      },
      { repoPath: REPO, configPath: join(REPO, "feature_store.yaml"), env: {} },
    );
    const snap = snapshotOf(vehicleDefinitions());
    const registry = { snapshot: () => snap, close() {} } as never;
    process.env.FSTORE_DUCKDB_MEMORY_LIMIT = MEMORY_LIMIT;
    // The hand-written query and the Parquet case use every core; so does this server, as a server
    // that makes training sets is configured (`offline_store.duckdb_threads`). A serving process's
    // default leaves one core to serving: on 2 cores the streamed case then took 1.31x the
    // hand-written query's time instead of about 0.8x (README, Isolation).
    process.env.FSTORE_DUCKDB_THREADS = String(availableParallelism());
    const server = await startServer({
      config,
      registry,
      logger: createLogger({ level: "silent" }),
      host: "127.0.0.1",
      port: 0,
    });
    console.log(JSON.stringify({ address: server.address }));
    process.on("SIGTERM", () => void server.shutdown().then(() => process.exit(0)));
  }
}

// ---- parent: data, runs, table ----

interface Run {
  seconds: number;
  /** CPU seconds of the process doing the work (the server's for streaming). */
  cpu: number;
  /** Streaming: CPU seconds of the client (this process). */
  clientCpu?: number;
  rows: number;
  rss: number;
  violations?: number;
}

function runChild(kind: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [join("bin", "run-ts.js"), "bench/historical.bench.ts", "--child", kind],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    p.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) reject(new Error(`${kind} exited with ${code}: ${out}`));
      else resolve(JSON.parse(line));
    });
  });
}

async function startServerChild(): Promise<{ proc: ChildProcess; address: string }> {
  const proc = spawn(
    process.execPath,
    [join("bin", "run-ts.js"), "bench/historical.bench.ts", "--child", "server"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/\{"address":"([^"]+)"\}/);
      if (m?.[1]) resolve(m[1]);
    });
    proc.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { proc, address };
}

/**
 * One streamed training set, decoded by the TS client: into typed columns
 * (`columns`), or as protobuf-es messages by the raw client (`protobuf`).
 * Every value of every batch is decoded either way.
 */
async function streamOnce(address: string, pid: number, decode: "columns" | "protobuf"): Promise<Run> {
  const cpu0 = cpuSeconds(pid);
  const clientCpu0 = cpuSeconds("self");
  const connect = {
    address,
    channelOptions: { "grpc.max_receive_message_length": 256 * 1024 * 1024 },
  };
  const started = performance.now();
  let rows = 0;
  let violations = -1;
  if (decode === "columns") {
    const client = createFstoreClient(connect);
    for await (const ev of client.streamHistoricalColumns(
      { features: FEATURE_REFS, entitySource: { source: "vehicle_labels" }, batchSize: 50_000 },
      { timeoutMs: 600_000 },
    )) {
      if (ev.kind === "batch") rows += ev.numRows;
      if (ev.kind === "summary") violations = ev.summary.leakageViolations;
    }
    client.close();
  } else {
    const client = createRawClient(connect);
    for await (const m of client.getHistoricalFeatures(
      {
        selection: { features: FEATURE_REFS },
        entities: { case: "entitySource", value: { source: "vehicle_labels" } },
        batchSize: 50_000,
      },
      { timeoutMs: 600_000 },
    )) {
      if (m.kind.case === "batch") rows += m.kind.value.numRows;
      if (m.kind.case === "summary") violations = Number(m.kind.value.leakageAudit?.violations ?? -1);
    }
    client.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    cpu: cpuSeconds(pid) - cpu0,
    clientCpu: cpuSeconds("self") - clientCpu0,
    rows,
    violations,
    rss: vmHwmBytes(pid),
  };
}

async function main(): Promise<void> {
  if (!existsSync(join(REPO, "data", "vehicle_labels.parquet"))) {
    console.log(`generating the large data set in ${REPO} ...`);
    const g = await generateExampleData({ repoPath: REPO, preset: "large", dataDir: "data" });
    console.log(`  ${JSON.stringify(g.rows)}`);
  }
  rmSync(join(REPO, "out"), { recursive: true, force: true });
  mkdirSync(join(REPO, "out"), { recursive: true });
  const best = <T extends { seconds: number }>(xs: T[]) =>
    xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const hand: Run[] = [];
  const plain: Run[] = [];
  const parquet: Run[] = [];
  const stream: Run[] = [];
  const streamPb: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    hand.push(await runChild("hand"));
    plain.push(await runChild("plain"));
    parquet.push(await runChild("parquet"));
    // A fresh server per streamed case, so each peak RSS is its own.
    for (const [decode, runs] of [
      ["columns", stream],
      ["protobuf", streamPb],
    ] as const) {
      const { proc, address } = await startServerChild();
      try {
        runs.push(await streamOnce(address, proc.pid as number, decode));
      } finally {
        proc.kill("SIGTERM");
      }
    }
  }
  const h = best(hand);
  const f = best(plain);
  const p = best(parquet);
  const s = best(stream);
  const sp = best(streamPb);
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MB`;
  const rps = (r: { rows: number; seconds: number }) => r.rows / r.seconds;
  const rowsOut = [
    ["hand-written DuckDB query -> Parquet", h, "-", rps(h) >= 0],
    [
      "(floor, other semantics) hand-written, plain event-time ASOF, no created tie-break -> Parquet",
      f,
      (f.seconds / h.seconds).toFixed(2),
      true,
    ],
    ["fstore -> Parquet", p, (p.seconds / h.seconds).toFixed(2), p.seconds / h.seconds <= TARGETS.ratio],
    [
      "fstore -> gRPC stream -> TS client (typed columns)",
      s,
      (s.seconds / h.seconds).toFixed(2),
      s.seconds / h.seconds <= TARGETS.ratio,
    ],
    [
      "fstore -> gRPC stream -> raw client (protobuf-es messages)",
      sp,
      (sp.seconds / h.seconds).toFixed(2),
      true,
    ],
  ] as const;
  console.log(
    `\nGetHistoricalFeatures: ${h.rows.toLocaleString()} entity rows x 2 views (~9.6M feature rows, 100,000 vehicles); best of ${RUNS}`,
  );
  console.log(
    "| case | seconds | rows/s | ratio to hand-written | CPU seconds | CPU ratio | peak RSS | leakage | targets met |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const [name, r, ratio, ok] of rowsOut) {
    const leak = "violations" in r && r.violations !== undefined ? String(r.violations) : "-";
    const rssOk = r.rss <= TARGETS.rssBytes;
    console.log(
      `| ${name} | ${r.seconds.toFixed(2)} | ${Math.round(rps(r)).toLocaleString()} | ${ratio} | ${r.cpu.toFixed(2)}${r.clientCpu === undefined ? "" : ` (+${r.clientCpu.toFixed(2)} client)`} | ${name.startsWith("hand") ? "-" : (r.cpu / h.cpu).toFixed(2)} | ${mb(r.rss)} | ${leak} | ${name.startsWith("fstore") && !name.includes("raw client") ? (ok && rssOk ? "yes" : "NO") : "-"} |`,
    );
  }
  console.log(
    `targets: <= ${TARGETS.ratio}x the hand-written query's time (to Parquet, and streamed to the TS client), ` +
      "peak RSS <= 2 GB (server process for streaming; CPU seconds are the server's, the client's in parentheses; " +
      "the raw client's row has no target)",
  );
  console.log(
    `load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
}

const at = process.argv.indexOf("--child");
if (at >= 0) await child(process.argv[at + 1] ?? "");
else await main();

/**
 * Access-control benchmark (`npm run bench -- access`): what do
 * authentication and permissions cost on the serving path?
 *
 * Four servers, each in its own process, over the online benchmark's
 * synthetic repository (view fv50, 5,000 entities on SQLite):
 *   - plaintext, auth off (no identities, no permissions);
 *   - plaintext, static bearer tokens and five permissions (the reader's grant is the last to match);
 *   - TLS, auth off;
 *   - TLS with client certificates (mutual TLS: the certificate is the identity) and the same permissions.
 * A client in this process sends 1 x 50 GetOnlineFeatures to all four at
 * once (FSTORE_BENCH_REQUESTS each per round, default 2,000, 8 in flight per
 * server), for FSTORE_BENCH_ROUNDS rounds (default 5), so that they share the
 * machine's load alike. Measured: each server's CPU time per request (every
 * thread's on-CPU time from /proc/PID/task/N/schedstat, in ns), median over
 * the rounds, and its ratio to the same transport with auth off within each
 * round, median over the rounds. Target: with permissions, at most 3% over.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChannelCredentials, Client, credentials, Metadata } from "@grpc/grpc-js";
import type { RepoConfig } from "../src/config/types.js";
import { createOnlineStore, writeOnlineRows } from "../src/online/index.js";
import { repoConfig, sqliteStoreConfig } from "../test/support/online-fixtures.js";
import { certificateAuthority, selfSignedCertificate, signedCertificate } from "../test/support/tls.js";
import { benchRows, ENTITIES, fv50, scenarioRequests } from "./online/synthetic-repo.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const REQUESTS = Number(process.env.FSTORE_BENCH_REQUESTS ?? 2000);
const ROUNDS = Number(process.env.FSTORE_BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 8;
const TOKEN = "bench-reader-token";
const GET_ONLINE = "/fstore.v1.FeatureService/GetOnlineFeatures";

/** On-CPU nanoseconds of every thread of a process so far (Linux schedstat). */
function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return total;
}

interface Variant {
  name: string;
  /** The variant with auth off that it is compared with (itself for a baseline). */
  baseline: string;
  config: RepoConfig;
  permissions: boolean;
  credentials: ChannelCredentials;
  metadata: Metadata;
}

interface RunningVariant extends Variant {
  proc: ChildProcess;
  client: Client;
  perRequestUs: number[];
  failed: number;
}

function startVariant(v: Variant, dir: string): Promise<RunningVariant> {
  const file = join(dir, `${v.name.replace(/\W+/g, "_")}.json`);
  writeFileSync(file, JSON.stringify(v.config));
  const proc = spawn(
    process.execPath,
    [
      join(root, "bin/run-ts.js"),
      join(root, "bench/access/server-process.ts"),
      file,
      ...(v.permissions ? ["with-permissions"] : []),
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    proc.once("exit", (code) => reject(new Error(`${v.name}: server exited (${code}) before listening`)));
    proc.stdout?.on("data", (d: Buffer) => {
      out += String(d);
      const m = /LISTENING (\d+)/.exec(out);
      if (!m) return;
      proc.stdout?.removeAllListeners("data");
      proc.stdout?.resume();
      const client = new Client(`localhost:${m[1]}`, v.credentials);
      resolve({ ...v, proc, client, perRequestUs: [], failed: 0 });
    });
  });
}

const identity = (b: Buffer | Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function call(v: RunningVariant, bytes: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    v.client.makeUnaryRequest(
      GET_ONLINE,
      identity,
      identity,
      Buffer.from(bytes),
      v.metadata,
      { deadline: Date.now() + 30_000 },
      (err) => resolve(!err),
    );
  });
}

/** Sends `count` requests with IN_FLIGHT at a time; returns the failures. */
async function send(v: RunningVariant, requests: Uint8Array[], count: number): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      if (!(await call(v, requests[i % requests.length] as Uint8Array))) failed++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return failed;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const dir = mkdtempSync(join(tmpdir(), "fstore-bench-access-"));
const base = repoConfig(sqliteStoreConfig(), "bench_access");
// The rows, written once to the SQLite file every server reads.
{
  const store = createOnlineStore(base);
  await writeOnlineRows(store, fv50, benchRows(fv50, 0, ENTITIES, new Date()));
  await store.close();
}
const serverCert = selfSignedCertificate(dir);
const ca = certificateAuthority(dir, "clients");
const clientCert = signedCertificate(dir, ca, "bench-reader", "URI:spiffe://bench.test/reader");
const tls = { certPath: serverCert.certPath, keyPath: serverCert.keyPath, clientCaPath: null };
const mtls = { ...tls, clientCaPath: ca.certPath };
const auth = {
  tokens: [
    { token: "bench-admin-token", name: "admin", roles: ["admin"] },
    { token: TOKEN, name: "reader", roles: ["reader"] },
  ],
  jwt: null,
  clientCertificates: [{ subject: "spiffe://bench.test/reader", roles: ["reader"] }],
  maxFailuresPerMinute: 100,
};
const withServer = (server: Partial<RepoConfig["server"]>): RepoConfig => ({
  ...base,
  server: { ...base.server, ...server },
});
const tlsCredentials = credentials.createSsl(readFileSync(serverCert.certPath));
const mtlsCredentials = credentials.createSsl(
  readFileSync(serverCert.certPath),
  readFileSync(clientCert.keyPath),
  readFileSync(clientCert.certPath),
);
const bearer = new Metadata();
bearer.set("authorization", `Bearer ${TOKEN}`);

const variants: Variant[] = [
  {
    name: "plaintext, auth off",
    baseline: "plaintext, auth off",
    config: withServer({}),
    permissions: false,
    credentials: credentials.createInsecure(),
    metadata: new Metadata(),
  },
  {
    name: "plaintext, token + permissions",
    baseline: "plaintext, auth off",
    config: withServer({ auth }),
    permissions: true,
    credentials: credentials.createInsecure(),
    metadata: bearer,
  },
  {
    name: "TLS, auth off",
    baseline: "TLS, auth off",
    config: withServer({ tls }),
    permissions: false,
    credentials: tlsCredentials,
    metadata: new Metadata(),
  },
  {
    name: "mTLS identity + permissions",
    baseline: "TLS, auth off",
    config: withServer({ tls: mtls, auth }),
    permissions: true,
    credentials: mtlsCredentials,
    metadata: new Metadata(),
  },
];

const requests = scenarioRequests({ name: "1 x 50", view: fv50, entities: 1 }, 500).bytes;
const running: RunningVariant[] = [];
try {
  for (const v of variants) running.push(await startVariant(v, dir));
  // Warm-up: every server compiles its serving path (and its decision cache fills).
  for (const v of running) v.failed += await send(v, requests, Math.min(REQUESTS, 2000));
  // Each round loads the four servers at once (IN_FLIGHT calls each), so that whatever else the
  // machine runs weighs on all of them alike; the ratios are taken within each round.
  for (let round = 0; round < ROUNDS; round++) {
    const before = running.map((v) => cpuNs(v.proc.pid as number));
    const failures = await Promise.all(running.map((v) => send(v, requests, REQUESTS)));
    running.forEach((v, i) => {
      v.failed += failures[i] as number;
      v.perRequestUs.push((cpuNs(v.proc.pid as number) - (before[i] as number)) / 1000 / REQUESTS);
    });
  }
  console.log(
    `1 x 50 GetOnlineFeatures (SQLite, ${ENTITIES} entities), ${ROUNDS} rounds of ${REQUESTS} requests, ${IN_FLIGHT} in flight;`,
  );
  console.log(
    "server CPU per request (all threads, schedstat), median over rounds; ratio to the same transport with auth off, median of the rounds' ratios",
  );
  console.log(
    "server                            CPU µs/request   rounds (µs)                          ratio   failed",
  );
  const byName = new Map(running.map((v) => [v.name, v]));
  let met = true;
  for (const v of running) {
    const cpu = median(v.perRequestUs);
    const baseline = median((byName.get(v.baseline) as RunningVariant).perRequestUs);
    const ratio = cpu / baseline;
    if (v.baseline !== v.name && ratio > 1.03) met = false;
    console.log(
      `${v.name.padEnd(33)} ${cpu.toFixed(1).padStart(14)}   ${v.perRequestUs
        .map((x) => x.toFixed(0))
        .join(" ")
        .padEnd(36)} ${ratio.toFixed(3).padStart(6)} ${String(v.failed).padStart(8)}`,
    );
  }
  console.log(`target: permissions on <= 1.03 x auth off, same transport: ${met ? "met" : "NOT met"}`);
} finally {
  for (const v of running) {
    v.client.close();
    v.proc.kill("SIGTERM");
  }
}

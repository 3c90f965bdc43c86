/**
 * `npm run fuzz`: malformed and hostile requests against a real server on
 * SQLite and on Redis (src/fuzz/run-fuzz.ts). Loopback only; seeded; bounded.
 *
 *   npm run fuzz                                   10,000 requests per store, seed 1
 *   npm run fuzz -- --seed 7 --count 2000 --time 120 --stores sqlite
 *   npm run fuzz -- --json report.json             also write the full report
 *   npm run fuzz -- --replay Push BASE64           send one request (SQLite) and print its status
 *
 * Exits 1 when any answer was INTERNAL or UNKNOWN, the server crashed, or it
 * was unhealthy after.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  createFuzzRepo,
  createRawClient,
  DEFAULT_FUZZ_OPTIONS,
  type FuzzStore,
  formatReport,
  runFuzz,
  startServerProcess,
} from "../src/fuzz/index.js";

const { values, positionals } = parseArgs({
  options: {
    seed: { type: "string" },
    count: { type: "string" },
    time: { type: "string" },
    stores: { type: "string" },
    json: { type: "string" },
    replay: { type: "boolean" },
  },
  allowPositionals: true,
});

if (values.replay) {
  const [method, base64] = positionals;
  if (!method || !base64) throw new Error("usage: npm run fuzz -- --replay METHOD BASE64");
  const config = await createFuzzRepo();
  const server = await startServerProcess(config.repoPath);
  const client = createRawClient(`127.0.0.1:${server.port}`);
  try {
    const outcome = await client.call(method, Buffer.from(base64, "base64"));
    console.log(
      JSON.stringify({ code: outcome.code, details: outcome.details, messages: outcome.messages.length }),
    );
  } finally {
    client.close();
    await server.stop();
  }
} else {
  const reports = await runFuzz({
    ...DEFAULT_FUZZ_OPTIONS,
    seed: Number(values.seed ?? DEFAULT_FUZZ_OPTIONS.seed),
    count: Number(values.count ?? DEFAULT_FUZZ_OPTIONS.count),
    timeLimitMs: values.time ? Number(values.time) * 1000 : DEFAULT_FUZZ_OPTIONS.timeLimitMs,
    stores: values.stores ? (values.stores.split(",") as FuzzStore[]) : DEFAULT_FUZZ_OPTIONS.stores,
    onProgress: (store, sent) => process.stderr.write(`${store}: ${sent} sent\n`),
  });
  for (const r of reports) console.log(`\n${formatReport(r)}`);
  if (values.json) {
    const plain = reports.map((r) => ({
      ...r,
      statuses: Object.fromEntries([...r.statuses].map(([m, c]) => [m, Object.fromEntries(c)])),
    }));
    writeFileSync(values.json, JSON.stringify(plain, null, 2));
  }
  process.exitCode = reports.some((r) => r.faultCount > 0 || r.crashed || !r.healthy) ? 1 : 0;
}

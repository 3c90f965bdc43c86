/**
 * The isolation benchmark's hostile client, in its own process: one request
 * at a time, the worst ones the default limits allow, until SIGTERM:
 * GetOnlineFeatures of the largest batch (1,000 entities x every feature of
 * both views), a Push of the most rows (1,000), and a 1M-row
 * GetHistoricalFeatures (entity_source over the 1M-row source) written as
 * Parquet at the deepest, longest allowed output path. Prints how many of
 * each it completed. Usage: node bin/run-ts.js bench/isolation/heavy-client.ts ADDRESS
 */
import { createRawClient } from "../../src/fuzz/index.js";
import { heavyRequests } from "./heavy-requests.js";

const client = createRawClient(process.argv[2] as string);
const requests = heavyRequests();

const done = new Map<string, { ok: number; failed: number; ms: number }>();
let stopping = false;
process.on("SIGTERM", () => {
  stopping = true;
});
// FSTORE_BENCH_HEAVY: a subset of the methods, e.g. "Push" (to see which one hurts).
const only = process.env.FSTORE_BENCH_HEAVY?.split(",");
const chosen = only ? requests.filter(([m]) => only.includes(m)) : requests;
for (let i = 0; !stopping; i++) {
  const [method, bytes] = chosen[i % chosen.length] as [string, Uint8Array];
  const t0 = performance.now();
  const r = await client.call(method, bytes, { deadlineMs: 120_000 });
  const d = done.get(method) ?? { ok: 0, failed: 0, ms: 0 };
  if (r.code === 0) d.ok++;
  else {
    d.failed++;
    if (d.failed === 1) console.error(`${method}: ${r.code} ${r.details.slice(0, 200)}`);
  }
  d.ms += performance.now() - t0;
  done.set(method, d);
}
client.close();
console.log(`HEAVY ${JSON.stringify(Object.fromEntries(done))}`);

/**
 * The isolation benchmark's hostile client, in its own process: one request
 * at a time, the worst ones the default limits allow, until SIGTERM:
 * GetOnlineFeatures of the largest batch (1,000 entities x every feature of
 * both views), a Push of the most rows (1,000), and a 1M-row
 * GetHistoricalFeatures (entity_source over the 1M-row source) written as
 * Parquet at the deepest, longest allowed output path. Prints how many of
 * each it completed. Usage: node bin/run-ts.js bench/isolation/heavy-client.ts ADDRESS
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  GetHistoricalFeaturesRequestSchema,
  GetOnlineFeaturesRequestSchema,
  PushRequestSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import { createRawClient } from "../../src/fuzz/index.js";
import { OUTPUT_PATH_LIMITS } from "../../src/offline/output-path.js";

const client = createRawClient(process.argv[2] as string);
const features = ["conv_rate", "acc_rate", "trips", "rank", "name", "active", "tags"];
const ids = (n: number) => ({
  val: Array.from({ length: n }, (_, i) => ({
    val: { case: "int64Val" as const, value: BigInt(1000 + (i % 100)) },
  })),
});
const now = BigInt(Math.floor(Date.now() / 1000));
const rows = Number(process.env.FSTORE_BENCH_PUSH_ROWS ?? 1000);
const same = <T>(v: T) => Array.from({ length: rows }, () => v);

const requests: [string, Uint8Array][] = [
  [
    "GetOnlineFeatures",
    toBinary(
      GetOnlineFeaturesRequestSchema,
      create(GetOnlineFeaturesRequestSchema, {
        selection: {
          features: ["driver_stats", "driver_pushed"].flatMap((v) => features.map((f) => `${v}:${f}`)),
        },
        entities: { driver_id: ids(1000) },
        fullFeatureNames: true,
      }),
    ),
  ],
  [
    "Push",
    toBinary(
      PushRequestSchema,
      create(PushRequestSchema, {
        pushSourceName: "driver_push",
        to: 3,
        columns: {
          driver_id: ids(rows),
          event_ts: { val: same({ val: { case: "unixTimestampVal" as const, value: now - 60n } }) },
          conv_rate: { val: same({ val: { case: "doubleVal" as const, value: 0.5 } }) },
          acc_rate: { val: same({ val: { case: "floatVal" as const, value: 0.25 } }) },
          trips: { val: same({ val: { case: "int64Val" as const, value: 7n } }) },
          rank: { val: same({ val: { case: "int32Val" as const, value: 3 } }) },
          name: { val: same({ val: { case: "stringVal" as const, value: "n" } }) },
          active: { val: same({ val: { case: "boolVal" as const, value: true } }) },
          tags: { val: same({ val: { case: "stringListVal" as const, value: { val: ["a"] } } }) },
        },
      }),
    ),
  ],
  [
    "GetHistoricalFeatures",
    toBinary(
      GetHistoricalFeaturesRequestSchema,
      create(GetHistoricalFeaturesRequestSchema, {
        selection: { features: features.map((f) => `driver_stats:${f}`) },
        entities: { case: "entitySource", value: { source: "driver_stats_source" } },
        fullFeatureNames: true,
        parquetOutput: {
          path: `${"d/".repeat(OUTPUT_PATH_LIMITS.maxFolders)}${"x".repeat(OUTPUT_PATH_LIMITS.maxPartChars - 8)}.parquet`,
        },
      }),
    ),
  ],
];

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

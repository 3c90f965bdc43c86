/**
 * The worst requests the default limits allow, shared by the isolation
 * benchmark (which also times each one alone) and its hostile client: the
 * largest GetOnlineFeatures batch (1,000 entities x every feature of both
 * views), a Push of the most rows (1,000, online and offline), and a 1M-row
 * GetHistoricalFeatures (entity_source over the 1M-row source) written as
 * Parquet at the deepest, longest allowed output path.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import {
  GetHistoricalFeaturesRequestSchema,
  GetOnlineFeaturesRequestSchema,
  PushRequestSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import { OUTPUT_PATH_LIMITS } from "../../src/offline/output-path.js";

/** [method, request bytes] of each heavy request. */
export function heavyRequests(): [string, Uint8Array][] {
  const features = ["conv_rate", "acc_rate", "trips", "rank", "name", "active", "tags"];
  const ids = (n: number) => ({
    val: Array.from({ length: n }, (_, i) => ({
      val: { case: "int64Val" as const, value: BigInt(1000 + (i % 100)) },
    })),
  });
  const now = BigInt(Math.floor(Date.now() / 1000));
  const rows = Number(process.env.FSTORE_BENCH_PUSH_ROWS ?? 1000);
  const same = <T>(v: T) => Array.from({ length: rows }, () => v);
  return [
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
}

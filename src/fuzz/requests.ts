/**
 * What the fuzzer sends (pure, seeded): for every FeatureService method, a
 * request built one of four ways:
 *
 * - `random`: random bytes (0 to 2 KB);
 * - `truncated`: a valid request cut short;
 * - `bitflip`: a valid request with 1 to 8 bits flipped;
 * - `hostile`: a well-formed request with hostile values: huge, empty or
 *   control-character names, NaN and infinite numbers, int64 and timestamp
 *   extremes, unknown enum values, wrong value types, paths that are deep,
 *   long or leave the output folder, and counts just over the limits.
 *
 * Valid requests target the fuzz repository (fuzz-repo.ts).
 */
import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  GetFeatureViewRequestSchema,
  GetHistoricalFeaturesRequestSchema,
  GetOnlineFeaturesRequestSchema,
  ListEntitiesRequestSchema,
  ListFeatureServicesRequestSchema,
  ListFeatureViewsRequestSchema,
  ListPermissionsRequestSchema,
  MaterializeRequestSchema,
  PushRequestSchema,
  ValidateConsistencyRequestSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import {
  GetLineageRequestSchema,
  GetObjectVersionRequestSchema,
  ListDatasetsRequestSchema,
  ListObjectVersionsRequestSchema,
} from "../../gen/fstore/v1/lineage_pb.js";
import {
  DetectDriftRequestSchema,
  GetFeatureStatisticsRequestSchema,
} from "../../gen/fstore/v1/monitoring_pb.js";
import type { ValueSchema } from "../../gen/fstore/v1/value_pb.js";
import { FUZZ_DRIVERS } from "./fuzz-repo.js";
import type { Rng } from "./rng.js";

export type Mutation = "random" | "truncated" | "bitflip" | "hostile";
export const MUTATIONS: readonly Mutation[] = ["random", "truncated", "bitflip", "hostile"];

export interface FuzzRequest {
  method: string;
  mutation: Mutation;
  bytes: Uint8Array;
}

type ValueInit = MessageInitShape<typeof ValueSchema>;

const FEATURES = [
  "driver_stats:conv_rate",
  "driver_stats:acc_rate",
  "driver_stats:trips",
  "driver_stats:rank",
  "driver_stats:name",
  "driver_stats:active",
  "driver_stats:tags",
  "driver_pushed:conv_rate",
  "rate_plus:boosted",
];

const enc = <D extends DescMessage>(schema: D, init: MessageInitShape<D>) =>
  toBinary(schema, create(schema, init));

/**
 * A hostile string: huge (up to `maxChars`), empty, control and bidirectional
 * characters, SQL and shell, a lone surrogate.
 */
function hostileString(r: Rng, maxChars = 200_000): string {
  switch (r.int(12)) {
    case 0:
      return "";
    case 1:
      return "x".repeat(1 + r.int(maxChars));
    case 2:
      return "\u0000\u0001\n\r\t";
    case 3:
      return "evil\u202egpj.parquet";
    case 4:
      return "'; DROP TABLE objects; --";
    case 5:
      return "$(touch /tmp/pwned)";
    case 6:
      return "\ud800";
    case 7:
      return "driver_stats:";
    case 8:
      return ":conv_rate";
    case 9:
      return "driver_stats:conv_rate:extra";
    case 10:
      return "../".repeat(1 + r.int(50));
    default:
      return "🙂".repeat(1 + r.int(Math.min(1000, maxChars)));
  }
}

function hostileNumber(r: Rng): number {
  return r.pick([
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 1,
  ]);
}

function hostileBigint(r: Rng): bigint {
  return r.pick([
    2n ** 63n - 1n,
    -(2n ** 63n),
    0n,
    -1n,
    10n ** 15n,
    2n ** 53n + 1n,
    253402300799n,
    253402300800n,
  ]);
}

/** One value: usually of a plausible type, often hostile, sometimes of the wrong type. */
function hostileValue(r: Rng): ValueInit {
  switch (r.int(10)) {
    case 0:
      return { val: { case: "int64Val", value: hostileBigint(r) } };
    case 1:
      return { val: { case: "doubleVal", value: hostileNumber(r) } };
    case 2:
      return {
        val: {
          case: "floatVal",
          value: r.pick([
            Number.NaN,
            Number.POSITIVE_INFINITY,
            Number.NEGATIVE_INFINITY,
            3.4028234663852886e38,
            -0,
          ]),
        },
      };
    case 3:
      return { val: { case: "unixTimestampVal", value: hostileBigint(r) } };
    case 4:
      // Short in values: a column of 10,001 huge strings would only test the message size limit.
      return { val: { case: "stringVal", value: hostileString(r, 1000) } };
    case 5:
      return { val: { case: "bytesVal", value: new Uint8Array(r.int(1000)) } };
    case 6:
      return { val: { case: "int32Val", value: r.pick([-(2 ** 31), 2 ** 31 - 1, 0]) } };
    case 7:
      return { val: { case: "stringListVal", value: { val: [hostileString(r, 1000)] } } };
    case 8:
      return { val: { case: "nullVal", value: 0 } };
    default:
      return { val: { case: "int64Val", value: BigInt(1000 + r.int(FUZZ_DRIVERS)) } };
  }
}

const driverId = (r: Rng) => ({
  val: { case: "int64Val" as const, value: BigInt(1000 + r.int(FUZZ_DRIVERS)) },
});
const driverIds = (r: Rng, n: number) => ({
  val: Array.from({ length: n }, () => ({
    val: { case: "int64Val" as const, value: BigInt(1000 + r.int(FUZZ_DRIVERS + 10)) },
  })),
});
const hostileColumn = (r: Rng, n: number) => ({ val: Array.from({ length: n }, () => hostileValue(r)) });
/** A count: usually small, sometimes just over a default limit. */
const count = (r: Rng) => r.pick([0, 1, 2, 5, 50, 1001, 10_001]);
const nowS = () => BigInt(Math.floor(Date.now() / 1000));
const hostileTimestamp = (r: Rng) =>
  r.pick([
    { seconds: hostileBigint(r), nanos: 0 },
    { seconds: nowS(), nanos: r.pick([-1, 1_000_000_000, 2 ** 31 - 1]) },
    { seconds: -(10n ** 12n), nanos: 0 },
    { seconds: nowS() - 3600n, nanos: 0 },
  ]);

/** A valid request of `method`, with some variety. */
export function validRequest(method: string, r: Rng): Uint8Array {
  const n = 1 + r.int(5);
  const now = nowS();
  switch (method) {
    case "GetOnlineFeatures":
      return r.chance(0.5)
        ? enc(GetOnlineFeaturesRequestSchema, {
            selection: { featureServices: ["driver_model"] },
            entities: { driver_id: driverIds(r, n) },
          })
        : enc(GetOnlineFeaturesRequestSchema, {
            selection: { features: [r.pick(FEATURES), r.pick(FEATURES)] },
            entities: { driver_id: driverIds(r, n) },
            requestContext: {
              bonus: {
                val: Array.from({ length: n }, () => ({ val: { case: "doubleVal" as const, value: 0.5 } })),
              },
            },
          });
    case "GetHistoricalFeatures":
      return enc(GetHistoricalFeaturesRequestSchema, {
        selection: { features: [r.pick(FEATURES.slice(0, 7))] },
        entities: r.chance(0.5)
          ? {
              case: "entityRows",
              value: {
                columns: { driver_id: driverIds(r, n) },
                eventTimestamps: Array.from({ length: n }, () => ({ seconds: now - BigInt(r.int(86_400)) })),
              },
            }
          : {
              case: "entitySource",
              value: { source: "driver_stats_source", startTime: { seconds: now - 7200n } },
            },
        ...(r.chance(0.3) ? { parquetOutput: { path: `fuzz/${r.int(1000)}.parquet` } } : {}),
        batchSize: r.int(100),
      });
    case "Materialize":
      return enc(MaterializeRequestSchema, {
        incremental: r.chance(0.5),
        startTime: { seconds: now - 86_400n },
        endTime: { seconds: now },
        featureViews: r.chance(0.5) ? ["driver_stats"] : [],
      });
    case "Push":
      return enc(PushRequestSchema, {
        pushSourceName: "driver_push",
        to: r.int(4),
        columns: {
          driver_id: driverIds(r, n),
          event_ts: {
            val: Array.from({ length: n }, () => ({
              val: { case: "unixTimestampVal" as const, value: now - BigInt(r.int(3600)) },
            })),
          },
          conv_rate: {
            val: Array.from({ length: n }, () => ({ val: { case: "doubleVal" as const, value: r.next() } })),
          },
          acc_rate: {
            val: Array.from({ length: n }, () => ({ val: { case: "floatVal" as const, value: 0.25 } })),
          },
          trips: {
            val: Array.from({ length: n }, () => ({ val: { case: "int64Val" as const, value: 7n } })),
          },
          rank: { val: Array.from({ length: n }, () => ({ val: { case: "int32Val" as const, value: 3 } })) },
          name: {
            val: Array.from({ length: n }, () => ({ val: { case: "stringVal" as const, value: "n" } })),
          },
          active: {
            val: Array.from({ length: n }, () => ({ val: { case: "boolVal" as const, value: true } })),
          },
          tags: {
            val: Array.from({ length: n }, () => ({
              val: { case: "stringListVal" as const, value: { val: ["a"] } },
            })),
          },
        },
      });
    case "ValidateConsistency":
      return enc(ValidateConsistencyRequestSchema, {
        featureViews: ["driver_stats"],
        sampleSize: r.int(50),
        ...(r.chance(0.5) ? { entities: { driver_id: driverIds(r, n) } } : {}),
      });
    case "ListEntities":
      return enc(ListEntitiesRequestSchema, r.chance(0.5) ? {} : { tags: { team: "x" } });
    case "ListFeatureViews":
      return enc(ListFeatureViewsRequestSchema, {});
    case "ListFeatureServices":
      return enc(ListFeatureServicesRequestSchema, {});
    case "ListPermissions":
      return enc(ListPermissionsRequestSchema, {});
    case "GetFeatureView":
      return enc(GetFeatureViewRequestSchema, { name: r.pick(["driver_stats", "driver_pushed"]) });
    case "GetFeatureStatistics":
      return enc(GetFeatureStatisticsRequestSchema, {
        source: {
          source: r.pick([
            { case: "featureView" as const, value: r.pick(["driver_stats", "driver_pushed"]) },
            { case: "featureService" as const, value: "driver_model" },
            { case: "trainingSet" as const, value: `fuzz/${r.int(1000)}.parquet` },
            { case: "servingLogs" as const, value: "driver_model" },
          ]),
        },
        start: { seconds: now - 86_400n },
        end: { seconds: now },
        bins: r.int(20),
        topValues: r.int(10),
        save: r.chance(0.3),
      });
    case "DetectDrift":
      return enc(DetectDriftRequestSchema, {
        featureService: "driver_model",
        start: { seconds: now - 86_400n },
        end: { seconds: now },
        servingLogs: r.chance(0.3),
      });
    case "ListObjectVersions":
      return enc(ListObjectVersionsRequestSchema, {
        name: r.pick(["driver_stats", "driver_model", "driver"]),
      });
    case "GetObjectVersion":
      return enc(GetObjectVersionRequestSchema, {
        name: r.pick(["driver_stats", "driver_model"]),
        version: 1 + r.int(3),
      });
    case "GetLineage":
      return enc(GetLineageRequestSchema, {
        target: r.chance(0.5)
          ? { case: "onlineRow", value: { featureView: "driver_stats", entity: { driver_id: driverId(r) } } }
          : { case: "datasetId", value: `ds-${r.int(1000)}` },
      });
    case "ListDatasets":
      return enc(ListDatasetsRequestSchema, { limit: r.int(100) });
    default:
      throw new Error(`no requests for ${method}`);
  }
}

/** A well-formed request of `method` with hostile values. */
export function hostileRequest(method: string, r: Rng): Uint8Array {
  const n = count(r);
  switch (method) {
    case "GetOnlineFeatures":
      return enc(GetOnlineFeaturesRequestSchema, {
        selection: r.chance(0.3)
          ? { featureServices: [hostileString(r)] }
          : {
              features: Array.from({ length: 1 + r.int(3) }, () =>
                r.chance(0.5) ? r.pick(FEATURES) : hostileString(r),
              ),
            },
        entities: r.chance(0.5)
          ? { driver_id: hostileColumn(r, n) }
          : { [hostileString(r)]: driverIds(r, n), driver_id: driverIds(r, r.int(3)) },
        fullFeatureNames: r.chance(0.5),
        requestContext: r.chance(0.5) ? { bonus: hostileColumn(r, n) } : {},
      });
    case "GetHistoricalFeatures": {
      const path = r.pick([
        `${"f/".repeat(2040)}x.parquet`,
        `${"d/".repeat(8)}x.parquet`,
        `${"n".repeat(247)}.parquet`,
        "**.parquet",
        "../escape.parquet",
        "/etc/x.parquet",
        "a\nb.parquet",
        hostileString(r),
        "ok.parquet",
      ]);
      return enc(GetHistoricalFeaturesRequestSchema, {
        selection: {
          features: Array.from({ length: 1 + r.int(2) }, () =>
            r.chance(0.5) ? r.pick(FEATURES) : hostileString(r),
          ),
          featureServices: r.chance(0.2) ? [hostileString(r)] : [],
        },
        entities: r.chance(0.6)
          ? {
              case: "entityRows",
              value: {
                columns: r.chance(0.7)
                  ? { driver_id: hostileColumn(r, n) }
                  : { [hostileString(r)]: driverIds(r, n) },
                eventTimestamps: Array.from({ length: r.chance(0.8) ? n : r.int(5) }, () =>
                  hostileTimestamp(r),
                ),
              },
            }
          : {
              case: "entitySource",
              value: {
                source: r.chance(0.5) ? "driver_stats_source" : hostileString(r),
                startTime: hostileTimestamp(r),
                endTime: hostileTimestamp(r),
              },
            },
        options: {
          strict: r.chance(0.5),
          dropUnmatched: r.chance(0.5),
          excludeCreatedAfter: r.chance(0.5),
          includeFeatureTimestamps: r.chance(0.5),
        },
        ...(r.chance(0.5) ? { parquetOutput: { path } } : {}),
        batchSize: r.pick([0, 1, 2 ** 32 - 1]),
      });
    }
    case "Materialize":
      return enc(MaterializeRequestSchema, {
        incremental: r.chance(0.5),
        ...(r.chance(0.8) ? { startTime: hostileTimestamp(r) } : {}),
        ...(r.chance(0.8) ? { endTime: hostileTimestamp(r) } : {}),
        featureViews: r.chance(0.5) ? [hostileString(r)] : ["driver_stats", "driver_stats"],
      });
    case "Push": {
      const columns: Record<string, { val: ValueInit[] }> = {};
      for (const c of [
        "driver_id",
        "event_ts",
        "conv_rate",
        "acc_rate",
        "trips",
        "rank",
        "name",
        "active",
        "tags",
      ]) {
        if (r.chance(0.9)) columns[c] = hostileColumn(r, r.chance(0.9) ? n : r.int(5));
      }
      if (r.chance(0.2)) columns[hostileString(r)] = hostileColumn(r, n);
      return enc(PushRequestSchema, {
        pushSourceName: r.pick(["driver_push", "driver_stats", "driver_stats_source", hostileString(r)]),
        to: r.pick([0, 1, 2, 3, 4, -1, 2 ** 31 - 1]),
        columns: columns as never,
      });
    }
    case "ValidateConsistency":
      return enc(ValidateConsistencyRequestSchema, {
        featureViews: r.chance(0.5) ? [hostileString(r)] : ["driver_stats"],
        ...(r.chance(0.3) ? { selection: { featureServices: [hostileString(r)] } } : {}),
        sampleSize: r.pick([0, 1, 10_001, 2 ** 32 - 1]),
        entities: r.chance(0.5) ? { driver_id: hostileColumn(r, n) } : {},
        ...(r.chance(0.5) ? { tolerance: hostileNumber(r) } : {}),
        maxMismatchRate: hostileNumber(r),
        maxExamples: r.pick([0, 101, 2 ** 32 - 1]),
      });
    case "ListEntities":
      return enc(ListEntitiesRequestSchema, { tags: { [hostileString(r)]: hostileString(r) } });
    case "ListFeatureViews":
      return enc(ListFeatureViewsRequestSchema, { tags: { [hostileString(r)]: hostileString(r) } });
    case "ListFeatureServices":
      return enc(ListFeatureServicesRequestSchema, { tags: { a: hostileString(r) } });
    case "ListPermissions":
      // No fields: hostile bytes come from the random, truncated and bitflip mutations.
      return enc(ListPermissionsRequestSchema, {});
    case "GetFeatureView":
      return enc(GetFeatureViewRequestSchema, { name: hostileString(r) });
    case "GetFeatureStatistics":
      return enc(GetFeatureStatisticsRequestSchema, {
        source: {
          source: r.pick([
            { case: "featureView" as const, value: hostileString(r) },
            { case: "featureService" as const, value: hostileString(r) },
            {
              case: "trainingSet" as const,
              value: r.pick(["../../etc/passwd", "/etc/passwd", hostileString(r)]),
            },
            { case: "servingLogs" as const, value: r.pick(["driver_stats", hostileString(r)]) },
          ]),
          trainingSetFeatureService: r.chance(0.3) ? hostileString(r) : "",
        },
        ...(r.chance(0.8) ? { start: hostileTimestamp(r) } : {}),
        ...(r.chance(0.8) ? { end: hostileTimestamp(r) } : {}),
        bins: r.pick([0, 1, 10_001, 2 ** 32 - 1]),
        topValues: r.pick([0, 10_001, 2 ** 32 - 1]),
        save: r.chance(0.5),
        profileId: hostileBigint(r),
      });
    case "DetectDrift":
      return enc(DetectDriftRequestSchema, {
        featureService: r.pick(["driver_model", hostileString(r)]),
        ...(r.chance(0.8) ? { start: hostileTimestamp(r) } : {}),
        ...(r.chance(0.8) ? { end: hostileTimestamp(r) } : {}),
        servingLogs: r.chance(0.5),
        save: r.chance(0.5),
        baselineProfileId: hostileBigint(r),
      });
    case "ListObjectVersions":
      return enc(ListObjectVersionsRequestSchema, { name: hostileString(r), kind: hostileString(r, 100) });
    case "GetObjectVersion":
      return enc(GetObjectVersionRequestSchema, {
        name: r.pick(["driver_stats", hostileString(r)]),
        kind: r.chance(0.5) ? hostileString(r, 100) : "",
        version: r.pick([0, 1, 2 ** 32 - 1]),
      });
    case "GetLineage":
      return enc(GetLineageRequestSchema, {
        target: r.pick([
          { case: "datasetId" as const, value: hostileString(r) },
          { case: "materializationRunId" as const, value: hostileString(r) },
          {
            case: "onlineRow" as const,
            value: {
              featureView: r.pick(["driver_stats", hostileString(r)]),
              entity: r.chance(0.5)
                ? { driver_id: hostileValue(r) }
                : { [hostileString(r)]: hostileValue(r) },
            },
          },
        ]),
      });
    case "ListDatasets":
      return enc(ListDatasetsRequestSchema, { limit: r.pick([0, 1, 2 ** 32 - 1]) });
    default:
      throw new Error(`no requests for ${method}`);
  }
}

/** The next request for `method`, by a mutation chosen at random. */
export function fuzzRequest(method: string, r: Rng): FuzzRequest {
  const mutation = r.pick(MUTATIONS);
  let bytes: Uint8Array;
  if (mutation === "random") {
    bytes = new Uint8Array(r.int(2048)).map(() => r.int(256));
  } else if (mutation === "truncated") {
    const valid = validRequest(method, r);
    bytes = valid.slice(0, r.int(Math.max(1, valid.length)));
  } else if (mutation === "bitflip") {
    bytes = validRequest(method, r).slice();
    for (let i = 1 + r.int(8); i > 0 && bytes.length > 0; i--) {
      const at = r.int(bytes.length);
      bytes[at] = (bytes[at] as number) ^ (1 << r.int(8));
    }
  } else {
    bytes = hostileRequest(method, r);
  }
  return { method, mutation, bytes };
}

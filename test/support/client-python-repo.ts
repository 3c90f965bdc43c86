/**
 * The feature repository the Python client's tests (clients/python/tests)
 * serve: every value type, int64 extremes in keys and values, a row of
 * nulls, a string-keyed view, labels for entity rows. Hand-made: the tests
 * hold their own copy of the expected values.
 *
 *   node bin/run-ts.js test/support/client-python-repo.ts [--token T] [--tls] [--permissions]
 *
 * With --permissions the repository defines permissions and the server takes
 * two tokens with roles: "admin-token" (role admin) and "reader-token" (role
 * reader, which may read the views online but describe nothing).
 *
 * prints {"path": "...", "certPath": "..."} (a temp folder; the caller removes it).
 */
import { parseArgs } from "node:util";
import { applyRepo } from "../../src/registry/index.js";
import { createTempRepo } from "./temp-repo.js";
import { selfSignedCertificate } from "./tls.js";

const { values: args } = parseArgs({
  options: { token: { type: "string" }, tls: { type: "boolean" }, permissions: { type: "boolean" } },
});

const DEFS = `import { Array, Bool, Bytes, Entity, FeatureService, FeatureView, Field, FileSource, Float32, Float64,
  Int32, Int64, OnDemandFeatureView, RequestSource, String, UnixTimestamp } from "fstore";

export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: Int64 });
export const city = new Entity({ name: "city", joinKeys: ["city"], valueType: String });

export const typedSource = new FileSource({ name: "typed_source", path: "data/typed.parquet",
  timestampField: "event_timestamp" });
export const typed = new FeatureView({ name: "typed", entities: [driver], ttl: "0s", source: typedSource,
  tags: { team: "ml" },
  schema: [
    new Field({ name: "i32", dtype: Int32 }), new Field({ name: "i64", dtype: Int64 }),
    new Field({ name: "f32", dtype: Float32 }), new Field({ name: "f64", dtype: Float64 }),
    new Field({ name: "s", dtype: String }), new Field({ name: "b", dtype: Bytes }),
    new Field({ name: "ok", dtype: Bool }), new Field({ name: "ts", dtype: UnixTimestamp }),
    new Field({ name: "i64s", dtype: Array(Int64) }), new Field({ name: "f64s", dtype: Array(Float64) }),
    new Field({ name: "ss", dtype: Array(String) }), new Field({ name: "i32s", dtype: Array(Int32) }),
    new Field({ name: "f32s", dtype: Array(Float32) }), new Field({ name: "oks", dtype: Array(Bool) }),
    new Field({ name: "bs", dtype: Array(Bytes) }), new Field({ name: "tss", dtype: Array(UnixTimestamp) }),
  ] });

export const citySource = new FileSource({ name: "city_source", path: "data/city.parquet",
  timestampField: "event_timestamp" });
export const cityStats = new FeatureView({ name: "city_stats", entities: [city], ttl: "0s", source: citySource,
  schema: [new Field({ name: "trips", dtype: Int64 })] });

export const bonus = new RequestSource({ name: "bonus", schema: [new Field({ name: "bonus", dtype: Float64 })] });
export const boosted = new OnDemandFeatureView({ name: "boosted", sources: [typed.select(["f64"]), bonus],
  schema: [new Field({ name: "f64_plus_bonus", dtype: Float64 })],
  udf: (i) => ({ f64_plus_bonus: i.f64.map((x, k) => (x === null ? null : x + i.bonus[k])) }) });

export const labels = new FileSource({ name: "labels", path: "data/labels.parquet", timestampField: "event_timestamp" });
export const typedService = new FeatureService({ name: "typed_svc", features: [typed] });
export const tripsService = new FeatureService({ name: "trips_svc", features: [cityStats] });
`;

const PERMISSIONS = `import { FeatureService, FeatureView, Permission, RoleBasedPolicy } from "fstore";

export const admin = new Permission({ name: "admin", policy: new RoleBasedPolicy({ roles: ["admin"] }) });
export const mlRead = new Permission({ name: "ml_read", types: [FeatureView, FeatureService], namePatterns: ["typed.*"],
  requiredTags: { team: "ml" }, actions: ["READ_ONLINE", "READ_OFFLINE"], policy: new RoleBasedPolicy({ roles: ["reader"] }) });
`;

const server = [
  "server:",
  "  host: 127.0.0.1",
  "  port: 0",
  ...(args.token ? ["  auth:", `    tokens: ["${args.token}"]`] : []),
  ...(args.permissions
    ? [
        "  auth:",
        "    tokens:",
        "      - { token: admin-token, name: admin, roles: [admin] }",
        "      - { token: reader-token, name: reader, roles: [reader] }",
      ]
    : []),
  ...(args.tls ? ["  tls:", "    cert_path: cert.pem", "    key_path: key.pem"] : []),
];
const repo = createTempRepo({
  config: `project: python_client
provider: local
registry:
  path: data/registry.db
  cache_ttl_seconds: 0
online_store:
  type: sqlite
  path: data/online_store.db
offline_store:
  type: file
  output_dir: out
materialization:
  schedule: "off"
${server.join("\n")}
`,
  files: { "defs.ts": DEFS, ...(args.permissions ? { "permissions.ts": PERMISSIONS } : {}) },
});

const T = "TIMESTAMPTZ '2026-01-01 10:00:00+00'";
await repo.writeParquet(
  "data/typed.parquet",
  `SELECT * FROM (VALUES
    (1::BIGINT, ${T}, (-2147483648)::INTEGER, '-9223372036854775808'::BIGINT, 1.5::FLOAT, -0.25::DOUBLE, 'a',
      '\\x00\\xFF'::BLOB, true, TIMESTAMPTZ '2026-01-01 00:00:00+00',
      ['9223372036854775807', '-9223372036854775808']::BIGINT[], [0.5]::DOUBLE[], ['x', 'y']::VARCHAR[],
      [-2147483648, 2147483647]::INTEGER[], [1.5]::FLOAT[], [true, false]::BOOLEAN[], ['\\x00'::BLOB, '\\xFF'::BLOB],
      [TIMESTAMPTZ '2026-01-01 00:00:00+00', TIMESTAMPTZ '1970-01-01 00:00:00+00']),
    (2::BIGINT, ${T}, 2147483647::INTEGER, 9223372036854775807::BIGINT, -2.5::FLOAT, 1e300::DOUBLE, 'Zürich',
      '\\x01'::BLOB, false, TIMESTAMPTZ '1970-01-01 00:00:01+00',
      []::BIGINT[], [1.0, 2.0]::DOUBLE[], []::VARCHAR[], []::INTEGER[], []::FLOAT[], []::BOOLEAN[], []::BLOB[],
      []::TIMESTAMPTZ[]),
    (3::BIGINT, ${T}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (9223372036854775807::BIGINT, ${T}, 0, 0, 0, 0, '', ''::BLOB, false, NULL, [0]::BIGINT[], []::DOUBLE[], ['']::VARCHAR[],
      [0]::INTEGER[], [0]::FLOAT[], [false]::BOOLEAN[], [''::BLOB], [TIMESTAMPTZ '2000-01-01 00:00:00+00']),
    ('-9223372036854775808'::BIGINT, ${T}, 7, 7, 7, 7, 'min', '\\x07'::BLOB, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
  ) t(driver_id, event_timestamp, i32, i64, f32, f64, s, b, ok, ts, i64s, f64s, ss, i32s, f32s, oks, bs, tss)`,
);
await repo.writeParquet(
  "data/city.parquet",
  `SELECT * FROM (VALUES ('paris', ${T}, 10::BIGINT), ('lyon', ${T}, 20::BIGINT)) t(city, event_timestamp, trips)`,
);
await repo.writeParquet(
  "data/labels.parquet",
  `SELECT * FROM (VALUES
    (1::BIGINT, TIMESTAMPTZ '2026-01-01 11:00:00+00', true),
    (2::BIGINT, TIMESTAMPTZ '2026-01-01 09:00:00+00', false),
    (3::BIGINT, TIMESTAMPTZ '2026-01-02 00:00:00+00', true),
    (9223372036854775807::BIGINT, TIMESTAMPTZ '2026-01-02 00:00:00+00', false)
  ) t(driver_id, event_timestamp, label)`,
);
const cert = args.tls ? selfSignedCertificate(repo.path) : undefined;
await applyRepo(repo.path, {});
process.stdout.write(`${JSON.stringify({ path: repo.path, certPath: cert?.certPath ?? null })}\n`);

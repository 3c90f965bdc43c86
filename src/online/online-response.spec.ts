import { toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FieldStatus, GetOnlineFeaturesResponseSchema } from "../../gen/fstore/v1/feature_service_pb.js";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { NativeValue } from "../values/index.js";
import {
  encodeOnlineResponse,
  gatherPackedCells,
  type OnlineResult,
  onlineResult,
  type StandaloneColumn,
  toOnlineResponseMessage,
} from "./online-response.js";
import { encodePackedRows, packedReadPlan } from "./packed-row.js";

/** Deterministic pseudo-random numbers (xorshift), so failures reproduce. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const generators: [ValueType, (r: () => number) => NativeValue][] = [
  [ValueType.STRING, (r) => ["", "a", "héllo wörld", "x".repeat(200), "🚗"][Math.floor(r() * 5)] as string],
  [ValueType.BYTES, (r) => new Uint8Array(Math.floor(r() * 5)).map(() => Math.floor(r() * 256))],
  [ValueType.INT32, (r) => [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 300][Math.floor(r() * 6)] as number],
  [
    ValueType.INT64,
    (r) =>
      [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 9_007_199_254_740_993n, 127n, 128n][
        Math.floor(r() * 8)
      ] as bigint,
  ],
  [ValueType.DOUBLE, (r) => [0, -0, 1.5, -1e300, Number.NaN, r()][Math.floor(r() * 6)] as number],
  [ValueType.FLOAT, (r) => Math.fround(r() * 100 - 50)],
  [ValueType.BOOL, (r) => r() < 0.5],
  [ValueType.UNIX_TIMESTAMP, (r) => new Date(Math.floor(r() * 4e12) - 1e12)],
  [ValueType.STRING_LIST, (r) => (r() < 0.3 ? [] : ["a", "bc"])],
  [ValueType.INT64_LIST, (r) => (r() < 0.3 ? [] : [1n, -5n, 2n ** 40n])],
  [ValueType.DOUBLE_LIST, () => [0.5, -2]],
  [ValueType.BOOL_LIST, () => [true, false, true]],
  // Every list type, empty and long (lengths past one varint byte), negatives and extremes.
  [ValueType.BYTES_LIST, (r) => (r() < 0.3 ? [] : [new Uint8Array([0, 255]), new Uint8Array(130).fill(7)])],
  [
    ValueType.STRING_LIST,
    (r) => (r() < 0.5 ? ["ü".repeat(100), ""] : Array.from({ length: 70 }, (_, i) => `s${i}`)),
  ],
  [ValueType.INT32_LIST, (r) => (r() < 0.3 ? [] : [0, -1, 2 ** 31 - 1, -(2 ** 31), 300])],
  [
    ValueType.INT64_LIST,
    () => Array.from({ length: 40 }, (_, i) => (i % 2 ? -(2n ** BigInt(i)) : 2n ** BigInt(i))),
  ],
  [ValueType.FLOAT_LIST, (r) => (r() < 0.3 ? [] : [Math.fround(0.1), -0, Number.NaN, 3])],
  [ValueType.DOUBLE_LIST, () => Array.from({ length: 20 }, (_, i) => i / 3)],
  [ValueType.BOOL_LIST, (r) => (r() < 0.3 ? [] : Array.from({ length: 150 }, (_, i) => i % 3 === 0))],
  [
    ValueType.UNIX_TIMESTAMP_LIST,
    (r) => (r() < 0.3 ? [] : [new Date(0), new Date(1_700_000_000_123), new Date(-1500), new Date(999)]),
  ],
];

function randomResult(seed: number, rows: number): OnlineResult {
  const r = rng(seed);
  // Event times in µs, before and after 1970, with sub-millisecond parts.
  const times = new Float64Array(rows).map(() => (r() < 0.2 ? 0 : Math.floor(r() * 4e15) - 1e15));
  return onlineResult(
    rows,
    generators.map(([dtype, gen], c) => {
      const statuses = new Uint8Array(rows);
      const values = Array.from({ length: rows }, (_, i) => {
        const p = r();
        if (p < 0.1) {
          statuses[i] = FieldStatus.NOT_FOUND;
          return undefined;
        }
        if (p < 0.2) {
          statuses[i] = FieldStatus.NULL_VALUE;
          return null;
        }
        statuses[i] = p < 0.3 ? FieldStatus.OUTSIDE_MAX_AGE : FieldStatus.PRESENT;
        return gen(r);
      });
      return { name: `col_${c}_ü`, dtype, values, statuses, eventTimesUs: c % 3 === 0 ? undefined : times };
    }),
  );
}

describe("encodeOnlineResponse", () => {
  it("produces exactly protobuf-es's bytes for every type, status and timestamp", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const result = randomResult(seed, (seed * 7) % 23);
      const expected = toBinary(GetOnlineFeaturesResponseSchema, toOnlineResponseMessage(result));
      expect(Buffer.from(encodeOnlineResponse(result)).toString("hex")).toBe(
        Buffer.from(expected).toString("hex"),
      );
    }
  });

  it("encodes an empty response and zero rows", () => {
    const empty: OnlineResult = onlineResult(0, []);
    expect([...encodeOnlineResponse(empty)]).toEqual([
      ...toBinary(GetOnlineFeaturesResponseSchema, toOnlineResponseMessage(empty)),
    ]);
    const noRows = randomResult(3, 0);
    expect([...encodeOnlineResponse(noRows)]).toEqual([
      ...toBinary(GetOnlineFeaturesResponseSchema, toOnlineResponseMessage(noRows)),
    ]);
  });

  it("writes known bytes for a one-value response", () => {
    const result: OnlineResult = onlineResult(1, [
      {
        name: "a",
        dtype: ValueType.INT64,
        values: [1001n],
        statuses: Uint8Array.of(FieldStatus.PRESENT),
        eventTimesUs: Float64Array.of(1_700_000_000_500_000),
      },
    ]);
    // metadata{feature_names{val:"a"}} then results{values{int64_val:1001} statuses[1] event_timestamps{s,n}}
    expect(encodeOnlineResponse(result).toString("hex")).toBe(
      "0a050a030a0161" + "1216" + "0a0320e907" + "120101" + "1a0c0880e2cfaa061080cab5ee01",
    );
  });
});

function viewOf(name: string, dtypes: readonly ValueType[]): FeatureViewDef {
  const described = { description: "", tags: {}, owner: "" };
  return {
    ...described,
    name,
    entities: ["e"],
    entityColumns: [{ name: "id", dtype: ValueType.INT64, ...described }],
    features: dtypes.map((dtype, i) => ({ name: `f${i}`, dtype, ...described })),
    ttlSeconds: 0,
    source: {
      ...described,
      kind: "file",
      name: "src",
      path: "x.parquet",
      timestampField: "ts",
      createdTimestampColumn: "",
      fieldMapping: {},
    },
    online: true,
  };
}

describe("encodeOnlineResponse of packed columns", () => {
  const dtypes = generators.map(([t]) => t);
  // Extra doubles and int64s around 2^53 and 2^32 exercise the varint paths of the packed encoder.
  const extra: [ValueType, (r: () => number) => NativeValue][] = [
    [
      ValueType.INT64,
      (r) =>
        [2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 32n)][Math.floor(r() * 5)] as bigint,
    ],
    [ValueType.DOUBLE, (r) => r() * 1e6],
  ];
  const all = [...generators, ...extra];
  const view = viewOf("v", [...dtypes, ...extra.map(([t]) => t)]);
  // The same view before three features were added: its rows are read by tag, and lack those.
  const older = viewOf("v", dtypes.slice(0, -3));

  it("copies stored values into exactly the bytes protobuf-es writes for the same values", () => {
    for (let seed = 1; seed <= 45; seed++) {
      const r = rng(seed);
      const keys = 1 + Math.floor(r() * 9);
      // Every third seed requests each entity once, in order (the encoder's per-feature shortcut).
      const identity = seed % 3 === 0;
      const rows = identity ? keys : Math.floor(r() * 20);
      // Per distinct entity: no row, a row of the current schema, or one of the older schema.
      const stored: (NativeValue[] | undefined)[] = [];
      const kinds: ("none" | "current" | "older")[] = [];
      const packed: (Buffer | undefined)[] = [];
      for (let u = 0; u < keys; u++) {
        const kind = r() < 0.2 ? "none" : r() < 0.3 ? "older" : "current";
        kinds.push(kind);
        if (kind === "none") {
          stored.push(undefined);
          packed.push(undefined);
          continue;
        }
        const values = all.map(([, gen]) => (r() < 0.15 ? null : gen(r)));
        const target = kind === "older" ? older : view;
        const own = values.slice(0, target.features.length);
        stored.push(values);
        packed.push(
          encodePackedRows(target, [
            { entityKey: [BigInt(u)], eventTimeUs: (1e12 + u) * 1000, values: own },
          ])[0],
        );
      }
      // A shuffled subset of the features, so read positions differ from stored positions.
      const wanted = view.features.map((f, i) => ({ f: f.name, i, k: r() })).filter(() => r() < 0.8);
      wanted.sort((a, b) => a.k - b.k);
      const features = wanted.map((w) => w.f);
      const plan = packedReadPlan(view, features);
      const rowToKey = Int32Array.from({ length: rows }, (_, i) => (identity ? i : Math.floor(r() * keys)));
      const { cells, eventTimeUs } = gatherPackedCells(plan, packed, rowToKey);
      const times = Float64Array.from(rowToKey, (u) => eventTimeUs[u] as number);
      expect(Array.from(eventTimeUs)).toEqual(kinds.map((k, u) => (k === "none" ? 0 : (1e12 + u) * 1000)));
      const statuses = Uint8Array.from({ length: rows }, () => FieldStatus.PRESENT);
      // Some seeds mark some entities as older than the view's ttl.
      const stale = seed % 2 === 0 ? Uint8Array.from({ length: keys }, () => (r() < 0.4 ? 1 : 0)) : undefined;

      const packedColumns: StandaloneColumn[] = wanted.map((w, j) => ({
        name: `${w.f}_ü`,
        dtype: (view.features[w.i] as { dtype: ValueType }).dtype,
        packed: cells,
        feature: j,
        stale,
        eventTimesUs: times,
      }));
      // The oracle: the values as written (none for a missing row or a feature the older row lacks),
      // and their statuses from the rules (no value, stored null, outside max age, present).
      const valueColumns: StandaloneColumn[] = wanted.map((w) => {
        const values = Array.from(rowToKey, (u) =>
          kinds[u] === "none" || (kinds[u] === "older" && w.i >= older.features.length)
            ? undefined
            : ((stored[u] as NativeValue[])[w.i] as NativeValue),
        );
        return {
          name: `${w.f}_ü`,
          dtype: (view.features[w.i] as { dtype: ValueType }).dtype,
          values,
          statuses: values.map((v, i) =>
            v === undefined
              ? FieldStatus.NOT_FOUND
              : v === null
                ? FieldStatus.NULL_VALUE
                : stale?.[rowToKey[i] as number] === 1
                  ? FieldStatus.OUTSIDE_MAX_AGE
                  : FieldStatus.PRESENT,
          ),
          eventTimesUs: times,
        };
      });
      // A join-key column (plain values) first and another in the middle, between packed columns.
      const keyColumn: StandaloneColumn = {
        name: "item_id",
        dtype: ValueType.INT64,
        values: Array.from(rowToKey, (u) => BigInt(u) - 3n),
        statuses,
        eventTimesUs: undefined,
      };
      const middle = Math.floor(packedColumns.length / 2);
      packedColumns.splice(middle, 0, keyColumn);
      packedColumns.unshift(keyColumn);
      valueColumns.splice(middle, 0, keyColumn);
      valueColumns.unshift(keyColumn);
      const expected = toBinary(
        GetOnlineFeaturesResponseSchema,
        toOnlineResponseMessage(onlineResult(rows, valueColumns)),
      );
      const result = onlineResult(rows, packedColumns);
      expect(Buffer.from(encodeOnlineResponse(result)).toString("hex")).toBe(
        Buffer.from(expected).toString("hex"),
      );
      // The message built lazily for in-process callers decodes the same values.
      expect(toBinary(GetOnlineFeaturesResponseSchema, toOnlineResponseMessage(result))).toEqual(expected);
    }
  });
});

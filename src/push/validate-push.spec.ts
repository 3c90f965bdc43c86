import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RepeatedValueSchema, type Value, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { Code } from "../errors/index.js";
import type { DataSourceDef, FeatureViewDef, FileSourceDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { ALLOW_NON_FINITE_TAG, eventTimeRange } from "../values/index.js";
import { latestRowsOf } from "./push.js";
import { resolvePushTarget } from "./push-target.js";
import { validatePushColumns } from "./validate-push.js";

const f = (name: string, dtype: ValueType) => ({ name, dtype, description: "", tags: {} });
const meta = { description: "", tags: {}, owner: "" };
const batch: FileSourceDef = {
  kind: "file",
  name: "hist",
  path: "data/h",
  timestampField: "ts",
  createdTimestampColumn: "",
  fieldMapping: {},
  ...meta,
};
const push: DataSourceDef = { kind: "push", name: "stream", batchSource: batch, ...meta };
const view = (name: string, features: string[]): FeatureViewDef => ({
  name,
  entities: ["e"],
  entityColumns: [f("id", ValueType.INT64)],
  features: features.map((n) => f(n, n === "label" ? ValueType.STRING : ValueType.DOUBLE)),
  ttlSeconds: 0,
  source: push,
  online: true,
  ...meta,
});
const snap = (views: FeatureViewDef[], sources: DataSourceDef[]): RegistrySnapshot => ({
  project: "p",
  version: 1,
  entities: new Map(),
  dataSources: new Map(sources.map((s) => [s.name, s])),
  featureViews: new Map(views.map((v) => [v.name, v])),
  featureServices: new Map(),
  onDemandFeatureViews: new Map(),
  meta: new Map(),
});

const col = (vals: Value["val"][]) => create(RepeatedValueSchema, { val: vals.map((val) => ({ val })) });
const i64 = (n: number): Value["val"] => ({ case: "int64Val", value: BigInt(n) });
const dbl = (n: number): Value["val"] => ({ case: "doubleVal", value: n });
const ts = (s: number): Value["val"] => ({ case: "unixTimestampVal", value: BigInt(s) });
const str = (s: string): Value["val"] => ({ case: "stringVal", value: s });

describe("resolvePushTarget", () => {
  const a = view("a", ["x"]);
  const b = view("b", ["x", "label"]);
  const s = snap([b, a], [push, batch]);
  it("a push source feeds every view on it; columns are the union of keys and features, then the timestamp", () => {
    const t = resolvePushTarget(s, "stream");
    expect(t.views.map((v) => v.name)).toEqual(["a", "b"]);
    expect(t.columns.map((c) => c.name)).toEqual(["id", "x", "label", "ts"]);
    expect(t.batchSource).toBe(batch);
  });
  it("a feature view name targets that view only", () => {
    expect(resolvePushTarget(s, "b").views.map((v) => v.name)).toEqual(["b"]);
  });
  it("names the problem precisely", () => {
    expect(() => resolvePushTarget(s, "nope")).toThrow(expect.objectContaining({ code: Code.NotFound }));
    expect(() => resolvePushTarget(s, "hist")).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument }),
    );
    expect(() => resolvePushTarget(snap([], [push]), "stream")).toThrow(
      expect.objectContaining({ code: Code.FailedPrecondition }),
    );
  });
});

const NOW = new Date("2025-06-01T00:00:00Z");
const rules = { eventTimes: eventTimeRange(NOW, 86_400), maxRows: 100 };

describe("validatePushColumns", () => {
  const target = resolvePushTarget(snap([view("a", ["x"])], [push]), "stream");
  const good = { id: col([i64(1), i64(2)]), x: col([dbl(0.5), i64(3)]), ts: col([ts(10), ts(20)]) };
  it("converts valid columns to native values (lossless widening allowed)", () => {
    const t = validatePushColumns(target, good, rules);
    expect(t.rowCount).toBe(2);
    expect(t.columns.get("x")).toEqual([0.5, 3]);
    expect(t.columns.get("ts")).toEqual([new Date(10_000), new Date(20_000)]);
  });
  it.each([
    ["missing", { id: good.id, ts: good.ts }, /missing column "x"/],
    ["extra", { ...good, y: col([dbl(1), dbl(2)]) }, /unexpected column "y"/],
    ["mistyped", { ...good, x: col([str("a"), dbl(1)]) }, /column "x" row 0: expected DOUBLE/],
    ["unequal", { ...good, x: col([dbl(1)]) }, /"x" has 1 values but "id" has 2/],
    ["null key", { ...good, id: col([i64(1), { case: "nullVal", value: 0 }]) }, /"id" row 1 is null/],
    ["empty", { id: col([]), x: col([]), ts: col([]) }, /no rows/],
    ["too many", { id: col(Array(101).fill(i64(1))), x: col([]), ts: col([]) }, /101 rows; at most 100/],
    ["NaN", { ...good, x: col([dbl(1), dbl(Number.NaN)]) }, /column "x" row 1: NaN is not a finite/],
    ["+Inf", { ...good, x: col([dbl(Number.POSITIVE_INFINITY), dbl(1)]) }, /"x" row 0: Infinity/],
    ["-Inf", { ...good, x: col([dbl(1), dbl(Number.NEGATIVE_INFINITY)]) }, /"x" row 1: -Infinity/],
    ["1e15 s", { ...good, ts: col([ts(10), ts(1e15)]) }, /"ts" row 1: the event time is not a representable/],
    ["int64 max", { ...good, ts: col([{ case: "int64Val", value: 2n ** 63n - 1n }, ts(1)]) }, /"ts" row 0/],
    ["int64 min", { ...good, ts: col([ts(1), { case: "int64Val", value: -(2n ** 63n) }]) }, /"ts" row 1/],
    ["2^53+1", { ...good, ts: col([ts(1), { case: "int64Val", value: 2n ** 53n + 1n }]) }, /"ts" row 1/],
    [
      "year 9999",
      { ...good, ts: col([ts(1), ts(253402300799)]) },
      /"ts" row 1: event time 9999-12-31T23:59:59.000Z is outside/,
    ],
    [
      "before 1970",
      { ...good, ts: col([ts(-1), ts(1)]) },
      /"ts" row 0: event time 1969-12-31T23:59:59.000Z is outside/,
    ],
    ["beyond the skew", { ...good, ts: col([ts(NOW.getTime() / 1000 + 86_401), ts(1)]) }, /"ts" row 0/],
  ])("rejects %s columns with INVALID_ARGUMENT", (_what, columns, message) => {
    expect(() => validatePushColumns(target, columns, rules)).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument, message: expect.stringMatching(message) }),
    );
  });
  it("accepts the edges of the allowed range: 1970 and now plus the skew", () => {
    const edges = { ...good, ts: col([ts(0), ts(NOW.getTime() / 1000 + 86_400)]) };
    expect(validatePushColumns(target, edges, rules).rowCount).toBe(2);
  });
  it("accepts non-finite numbers when every view taking the column allows them", () => {
    const allowing = { ...view("a", ["x"]), tags: { [ALLOW_NON_FINITE_TAG]: "true" } };
    const t = resolvePushTarget(snap([allowing], [push]), "stream");
    const columns = { ...good, x: col([dbl(Number.NaN), dbl(Number.NEGATIVE_INFINITY)]) };
    expect(validatePushColumns(t, columns, rules).columns.get("x")).toEqual([
      Number.NaN,
      Number.NEGATIVE_INFINITY,
    ]);
    // Another view on the same source that does not allow them: rejected.
    const both = resolvePushTarget(snap([allowing, view("b", ["x"])], [push]), "stream");
    expect(() => validatePushColumns(both, columns, rules)).toThrow(/not a finite number/);
  });
  it("rejects a FLOAT that does not fit 32 bits", () => {
    const v = { ...view("a", ["x"]), features: [f("x", ValueType.FLOAT)] };
    const t = resolvePushTarget(snap([v], [push]), "stream");
    expect(() => validatePushColumns(t, { ...good, x: col([dbl(1e300), dbl(1)]) }, rules)).toThrow(
      /"x" row 0: 1e\+300 does not fit a FLOAT/,
    );
  });
});

describe("latestRowsOf", () => {
  it("keeps one row per entity: latest event time, and the later row at equal times", () => {
    const v = view("a", ["x"]);
    const table = {
      rowCount: 4,
      columns: new Map<string, (number | bigint | Date)[]>([
        ["id", [1n, 2n, 1n, 1n]],
        ["x", [1, 2, 3, 4]],
        ["ts", [new Date(5), new Date(5), new Date(9), new Date(9)]],
      ]),
    };
    const { rows, dropped } = latestRowsOf(v, table, table.columns.get("ts") as Date[]);
    expect(dropped).toBe(2);
    expect(rows.map((r) => [r.entityKey[0], r.values[0]])).toEqual([
      [1n, 4],
      [2n, 2],
    ]);
  });
});

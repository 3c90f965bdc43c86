import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RepeatedValueSchema, type Value, ValueType } from "../../gen/fstore/v1/value_pb.js";
import { Code } from "../errors/index.js";
import type { DataSourceDef, FeatureViewDef, FileSourceDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
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

describe("validatePushColumns", () => {
  const target = resolvePushTarget(snap([view("a", ["x"])], [push]), "stream");
  const good = { id: col([i64(1), i64(2)]), x: col([dbl(0.5), i64(3)]), ts: col([ts(10), ts(20)]) };
  it("converts valid columns to native values (lossless widening allowed)", () => {
    const t = validatePushColumns(target, good);
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
  ])("rejects %s columns with INVALID_ARGUMENT", (_what, columns, message) => {
    expect(() => validatePushColumns(target, columns)).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument, message: expect.stringMatching(message) }),
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

/**
 * The definition API and the repository loader: a valid multi-file repository
 * becomes the expected model; each kind of invalid definition is an error
 * naming the file, the object and the field.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { compileUdf, definitionFiles, loadRepoDefinitions } from "../src/definitions/index.js";
import { Code, FstoreError } from "../src/errors/index.js";
import { createTempRepo } from "./support/temp-repo.js";

const repo = createTempRepo();
afterAll(() => repo.cleanup());

const IMPORTS = `import { Array as List, Bool, Entity, FeatureService, FeatureView, Field, FileSource, Float64, Int64,
  OnDemandFeatureView, PushSource, RequestSource, String as Str, UnixTimestamp } from "fstore";\n`;

const DRIVER = `export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: Int64 });
export const src = new FileSource({ name: "driver_src", path: "data/driver.parquet",
  timestampField: "event_timestamp", createdTimestampColumn: "created" });
`;

const statsView = (
  schema = 'new Field({ name: "trips", dtype: Int64 }), new Field({ name: "rating", dtype: Float64 })',
  extra = "",
) =>
  `export const stats = new FeatureView({ name: "driver_stats", entities: [driver], ttl: "1d", schema: [${schema}], source: src${extra} });\n`;

let files: string[] = [];
function writeDefs(defs: Record<string, string>): void {
  for (const f of files) repo.remove(f);
  files = Object.keys(defs);
  for (const [file, text] of Object.entries(defs)) repo.write(file, text);
}

async function loadError(defs: Record<string, string>): Promise<FstoreError> {
  writeDefs(defs);
  try {
    await loadRepoDefinitions(repo.path);
  } catch (err) {
    expect(err).toBeInstanceOf(FstoreError);
    return err as FstoreError;
  }
  throw new Error("expected loadRepoDefinitions to fail");
}

beforeEach(() => writeDefs({}));

describe("loadRepoDefinitions", () => {
  it("loads a multi-file repository into the model, sharing objects across files", async () => {
    writeDefs({
      "entities.ts": IMPORTS + DRIVER,
      "views.ts": `${IMPORTS}import { driver, src } from "./entities.js";
${statsView('new Field({ name: "trips", dtype: Int64, description: "trips today" }), new Field({ name: "rating", dtype: Float64 }), new Field({ name: "zones", dtype: List(Str) })', ', tags: { pii: "false" }, owner: "ops@x", description: "driver stats", online: false')}
export const hourlySrc = new FileSource({ name: "hourly_src", path: "data/hourly", timestampField: "ts",
  fieldMapping: { raw_conv: "conv_rate" } });
export const push = new PushSource({ name: "hourly_push", batchSource: hourlySrc });
export const hourly = new FeatureView({ name: "driver_hourly", entities: ["driver"], ttl: 7200,
  schema: [new Field({ name: "conv_rate", dtype: Float64 }), new Field({ name: "active", dtype: Bool }),
           new Field({ name: "last_seen", dtype: UnixTimestamp })], source: push });
export const req = new RequestSource({ name: "req", schema: [new Field({ name: "bonus", dtype: Float64 })] });
export const score = new OnDemandFeatureView({ name: "score", sources: [stats.select(["rating"]), req],
  schema: [new Field({ name: "boosted", dtype: Float64 })],
  udf: (inputs) => {
    const add = (a: number, b: number) => a + b;
    return { boosted: inputs.rating.map((r: number, i: number) => add(r, inputs.bonus[i])) };
  } });
`,
      "services.ts": `${IMPORTS}import { hourly, score, stats } from "./views.js";
export const svc = new FeatureService({ name: "model_v1", features: [stats.select(["trips"]), hourly, score],
  tags: { model: "v1" } });
`,
      "_helper.ts": 'throw new Error("helpers are not definitions");\n',
      "views.test.ts": 'throw new Error("tests are not definitions");\n',
      "scripts/other.ts": 'throw new Error("subfolders are not scanned");\n',
    });
    expect(definitionFiles(repo.path).map((f) => f.slice(repo.path.length + 1))).toEqual([
      "entities.ts",
      "services.ts",
      "views.ts",
    ]);
    const defs = await loadRepoDefinitions(repo.path);
    expect(defs.entities).toEqual([
      {
        name: "driver",
        joinKeys: ["driver_id"],
        valueType: ValueType.INT64,
        description: "",
        tags: {},
        owner: "",
      },
    ]);
    expect(defs.dataSources.map((s) => `${s.kind}:${s.name}`)).toEqual([
      "file:driver_src",
      "push:hourly_push",
      "file:hourly_src",
    ]);
    const stats = defs.featureViews.find((v) => v.name === "driver_stats");
    expect(stats).toEqual({
      name: "driver_stats",
      entities: ["driver"],
      entityColumns: [{ name: "driver_id", dtype: ValueType.INT64, description: "", tags: {} }],
      features: [
        { name: "trips", dtype: ValueType.INT64, description: "trips today", tags: {} },
        { name: "rating", dtype: ValueType.DOUBLE, description: "", tags: {} },
        { name: "zones", dtype: ValueType.STRING_LIST, description: "", tags: {} },
      ],
      ttlSeconds: 86400,
      source: {
        kind: "file",
        name: "driver_src",
        path: "data/driver.parquet",
        timestampField: "event_timestamp",
        createdTimestampColumn: "created",
        fieldMapping: {},
        description: "",
        tags: {},
        owner: "",
      },
      online: false,
      description: "driver stats",
      tags: { pii: "false" },
      owner: "ops@x",
    });
    const hourly = defs.featureViews.find((v) => v.name === "driver_hourly");
    expect(hourly?.ttlSeconds).toBe(7200);
    expect(hourly?.online).toBe(true);
    expect(hourly?.source.kind).toBe("push");
    expect(hourly?.source.kind === "push" && hourly.source.batchSource.fieldMapping).toEqual({
      raw_conv: "conv_rate",
    });
    expect(hourly?.features.map((f) => f.dtype)).toEqual([
      ValueType.DOUBLE,
      ValueType.BOOL,
      ValueType.UNIX_TIMESTAMP,
    ]);

    expect(defs.featureServices).toEqual([
      {
        name: "model_v1",
        projections: [
          { featureView: "driver_stats", features: ["trips"] },
          { featureView: "driver_hourly", features: ["conv_rate", "active", "last_seen"] },
          { featureView: "score", features: ["boosted"] },
        ],
        description: "",
        tags: { model: "v1" },
        owner: "",
      },
    ]);
    const [score] = defs.onDemandFeatureViews;
    expect(score?.sources).toEqual([{ featureView: "driver_stats", features: ["rating"] }]);
    expect(score?.requestSchema.map((f) => f.name)).toEqual(["bonus"]);
    // The stored text runs alone (tsx's __name helper for the inner function is bound).
    const udf = compileUdf(score?.udfSource ?? "");
    expect(udf({ rating: [4.5, 3], bonus: [0.5, 1] })).toEqual({ boosted: [5, 4] });
  });

  it("sees edits on the next load (no module cache across loads)", async () => {
    writeDefs({ "defs.ts": IMPORTS + DRIVER + statsView() });
    expect((await loadRepoDefinitions(repo.path)).featureViews[0]?.ttlSeconds).toBe(86400);
    writeDefs({ "defs.ts": IMPORTS + DRIVER + statsView().replace('"1d"', '"2h"') });
    expect((await loadRepoDefinitions(repo.path)).featureViews[0]?.ttlSeconds).toBe(7200);
  });

  const cases: [string, Record<string, string>, RegExp][] = [
    [
      "two different views with one name, in two files",
      {
        "a.ts": IMPORTS + DRIVER + statsView(),
        "b.ts": `${IMPORTS}import { driver, src } from "./a.js";\n${statsView().replace("export const stats", "export const stats2").replace('"1d"', '"2d"')}`,
      },
      /FeatureView "driver_stats" is defined twice with different definitions \(in a\.ts and b\.ts\)/,
    ],
    [
      "a view and an on-demand view with one name",
      {
        "defs.ts": `${IMPORTS + DRIVER + statsView()}export const o = new OnDemandFeatureView({ name: "driver_stats",
  sources: [stats], schema: [new Field({ name: "x", dtype: Float64 })], udf: (i) => ({ x: i.rating }) });\n`,
      },
      /defs\.ts: OnDemandFeatureView "driver_stats": name already used by a FeatureView/,
    ],
    [
      "two entities with one name",
      {
        "defs.ts": `${IMPORTS + DRIVER}export const d2 = new Entity({ name: "driver", valueType: Str });\n`,
      },
      /Entity "driver" is defined twice/,
    ],
    [
      "a view referencing an unknown entity",
      { "defs.ts": IMPORTS + DRIVER + statsView().replace("[driver]", '["rider"]') },
      /defs\.ts: FeatureView "driver_stats": entities\[0\]: unknown entity "rider"/,
    ],
    [
      "a service referencing an unknown view",
      {
        "defs.ts": `${IMPORTS + DRIVER}const hidden = new FeatureView({ name: "hidden", entities: [driver],
  schema: [new Field({ name: "f", dtype: Int64 })], source: src });
export const svc = new FeatureService({ name: "svc", features: [hidden] });\n`,
      },
      /defs\.ts: FeatureService "svc": features\[0\]: feature view "hidden" is defined but not exported; export it/,
    ],
    [
      "a service selecting an unknown feature",
      {
        "defs.ts": `${IMPORTS + DRIVER + statsView()}export const svc = new FeatureService({ name: "svc", features: [stats.select(["trips", "nope"])] });\n`,
      },
      /defs\.ts: FeatureView "driver_stats": select\(\): unknown feature "nope"/,
    ],
    [
      "a service listing a view twice",
      {
        "defs.ts": `${IMPORTS + DRIVER + statsView()}export const svc = new FeatureService({ name: "svc", features: [stats, stats.select(["trips"])] });\n`,
      },
      /FeatureService "svc": features: view "driver_stats" is listed twice/,
    ],
    [
      "Feast's join_keys spelling on an Entity",
      {
        "defs.ts": `${IMPORTS}export const e = new Entity({ name: "customer", join_keys: ["customer_id"], valueType: Int64 } as never);\n`,
      },
      /defs\.ts: Entity "customer": join_keys: unknown option; did you mean joinKeys\?/,
    ],
    [
      "Feast's timestamp_field spelling on a FileSource",
      {
        "defs.ts": `${IMPORTS}export const s = new FileSource({ name: "s", path: "data/x.parquet", timestamp_field: "ts" } as never);\n`,
      },
      /defs\.ts: FileSource "s": timestamp_field: unknown option; did you mean timestampField\?/,
    ],
    [
      "a misspelled description on a FeatureView",
      { "defs.ts": IMPORTS + DRIVER + statsView(undefined, ', descriptin: "x"') },
      /defs\.ts: FeatureView "driver_stats": descriptin: unknown option; did you mean description\?/,
    ],
    [
      "an unknown option on a Field",
      {
        "defs.ts":
          IMPORTS + DRIVER + statsView('new Field({ name: "trips", dtype: Int64, d_type: Int64 } as never)'),
      },
      /defs\.ts: Field "trips": d_type: unknown option; did you mean dtype\?/,
    ],
    [
      "an unknown option on a PushSource",
      {
        "defs.ts": `${IMPORTS + DRIVER}export const p = new PushSource({ name: "p", batch_source: src } as never);\n`,
      },
      /defs\.ts: PushSource "p": batch_source: unknown option; did you mean batchSource\?/,
    ],
    [
      "an unknown option on a FeatureService",
      {
        "defs.ts": `${IMPORTS + DRIVER + statsView()}export const svc = new FeatureService({ name: "svc", features: [stats], owner: "x", tag: {} } as never);\n`,
      },
      /defs\.ts: FeatureService "svc": tag: unknown option; did you mean tags\?/,
    ],
    [
      "an unknown option on an OnDemandFeatureView",
      {
        "defs.ts": `${IMPORTS + DRIVER + statsView()}export const o = new OnDemandFeatureView({ name: "o", sources: [stats],
  schema: [new Field({ name: "x", dtype: Float64 })], udf: (i) => ({ x: i.trips }), mode: "python" } as never);\n`,
      },
      /defs\.ts: OnDemandFeatureView "o": mode: unknown option; known options: name, sources/,
    ],
    [
      "a bad dtype",
      { "defs.ts": IMPORTS + DRIVER + statsView('new Field({ name: "trips", dtype: "int" as never })') },
      /defs\.ts: FeatureView "driver_stats": field "trips": dtype: expected a dtype .*got string int/,
    ],
    [
      "a missing dtype",
      { "defs.ts": IMPORTS + DRIVER + statsView('new Field({ name: "trips" } as never)') },
      /FeatureView "driver_stats": field "trips": dtype: expected a dtype/,
    ],
    [
      "a list of lists",
      { "defs.ts": IMPORTS + DRIVER + statsView('new Field({ name: "trips", dtype: List(List(Int64)) })') },
      /defs\.ts: Array\(\.\.\.\) takes a primitive dtype/,
    ],
    [
      "a field named like a join key",
      { "defs.ts": IMPORTS + DRIVER + statsView('new Field({ name: "driver_id", dtype: Int64 })') },
      /defs\.ts: FeatureView "driver_stats": field "driver_id": named like a join key/,
    ],
    [
      "a field named like the timestamp column",
      {
        "defs.ts":
          IMPORTS + DRIVER + statsView('new Field({ name: "event_timestamp", dtype: UnixTimestamp })'),
      },
      /FeatureView "driver_stats": field "event_timestamp": named like a timestamp column of source "driver_src"/,
    ],
    [
      "a field defined twice",
      {
        "defs.ts":
          IMPORTS +
          DRIVER +
          statsView(
            'new Field({ name: "trips", dtype: Int64 }), new Field({ name: "trips", dtype: Float64 })',
          ),
      },
      /FeatureView "driver_stats": field "trips": defined more than once in schema/,
    ],
    [
      "a bad ttl",
      { "defs.ts": IMPORTS + DRIVER + statsView().replace('"1d"', '"2 hours"') },
      /defs\.ts: FeatureView "driver_stats": ttl: expected seconds or a duration like/,
    ],
    [
      "a bad view name",
      { "defs.ts": IMPORTS + DRIVER + statsView().replace('"driver_stats"', '"driver-stats"') },
      /defs\.ts: FeatureView "driver-stats": name: expected letters, digits and underscores/,
    ],
    [
      "an empty schema",
      { "defs.ts": IMPORTS + DRIVER + statsView("") },
      /FeatureView "driver_stats": schema: expected a non-empty list/,
    ],
    [
      "a view without a source",
      { "defs.ts": IMPORTS + DRIVER + statsView().replace("source: src", "source: undefined as never") },
      /FeatureView "driver_stats": source: expected a FileSource or a PushSource/,
    ],
    [
      "an entity without a value type",
      { "defs.ts": `${IMPORTS}export const e = new Entity({ name: "rider" } as never);\n` },
      /defs\.ts: Entity "rider": valueType: is required/,
    ],
    [
      "a bad join key",
      {
        "defs.ts": `${IMPORTS}export const e = new Entity({ name: "rider", joinKeys: ["rider id"], valueType: Int64 });\n`,
      },
      /Entity "rider": joinKeys\[0\]: expected letters, digits and underscores/,
    ],
    [
      "two entities sharing a join key in one view",
      {
        "defs.ts": `${IMPORTS + DRIVER}export const d2 = new Entity({ name: "driver2", joinKeys: ["driver_id"], valueType: Int64 });
${statsView().replace("[driver]", "[driver, d2]")}`,
      },
      /FeatureView "driver_stats": entities: join key "driver_id" comes from two entities/,
    ],
    [
      "a file source without timestamp field",
      {
        "defs.ts": `${IMPORTS}export const s = new FileSource({ name: "s", path: "x.parquet" } as never);\n`,
      },
      /defs\.ts: FileSource "s": timestampField: expected letters/,
    ],
    [
      "a push source over a push source",
      {
        "defs.ts": `${IMPORTS + DRIVER}const p1 = new PushSource({ name: "p1", batchSource: src });
export const p2 = new PushSource({ name: "p2", batchSource: p1 as never });\n`,
      },
      /PushSource "p2": batchSource: expected a FileSource/,
    ],
    [
      "a tag that is not a string",
      { "defs.ts": IMPORTS + DRIVER + statsView(undefined, ", tags: { pii: true as never }") },
      /FeatureView "driver_stats": tags\.pii: expected a string value/,
    ],
    [
      "an on-demand view over an unknown view",
      {
        "defs.ts": `${IMPORTS + DRIVER}const hidden = new FeatureView({ name: "hidden", entities: [driver],
  schema: [new Field({ name: "f", dtype: Int64 })], source: src });
export const o = new OnDemandFeatureView({ name: "o", sources: [hidden],
  schema: [new Field({ name: "x", dtype: Float64 })], udf: (i) => ({ x: i.f }) });\n`,
      },
      /defs\.ts: OnDemandFeatureView "o": sources\[0\]: feature view "hidden" is defined but not exported; export it/,
    ],
    [
      "a udf that is not self-contained",
      {
        "defs.ts": `${IMPORTS + DRIVER + statsView()}const factor = 2;
export const o = new OnDemandFeatureView({ name: "o", sources: [stats],
  schema: [new Field({ name: "x", dtype: Float64 })], udf: (i) => ({ x: i.rating.map((r: number) => r * factor) }) });\n`,
      },
      /OnDemandFeatureView "o": udf: uses factor from outside the function; a udf must be self-contained/,
    ],
    [
      "a udf missing a declared output",
      {
        "defs.ts": `${IMPORTS + DRIVER + statsView()}export const o = new OnDemandFeatureView({ name: "o", sources: [stats],
  schema: [new Field({ name: "x", dtype: Float64 })], udf: (i) => ({ y: i.rating }) });\n`,
      },
      /OnDemandFeatureView "o": udf: returns no array for feature "x" declared in schema/,
    ],
    [
      "a request field clashing with a feature",
      {
        "defs.ts": `${IMPORTS + DRIVER + statsView()}const req = new RequestSource({ name: "req", schema: [new Field({ name: "rating", dtype: Float64 })] });
export const o = new OnDemandFeatureView({ name: "o", sources: [stats, req],
  schema: [new Field({ name: "x", dtype: Float64 })], udf: (i) => ({ x: i.rating }) });\n`,
      },
      /OnDemandFeatureView "o": request field "rating": clashes with a feature/,
    ],
    [
      "a file that throws while loading",
      { "defs.ts": `${IMPORTS}throw new Error("boom");\n` },
      /defs\.ts: failed to load: boom/,
    ],
    ["a syntax error", { "defs.ts": `${IMPORTS}export const x = ;\n` }, /defs\.ts: failed to load: .*/],
  ];
  it.each(cases)("rejects %s, naming file, object and field", async (_name, defs, message) => {
    const error = await loadError(defs);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toMatch(message);
  });
});

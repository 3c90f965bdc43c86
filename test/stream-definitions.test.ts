/**
 * Stream definitions: a StreamSource and a StreamFeatureView load into the
 * model (aggregates as typed features, default names and slides), serve in
 * feature services and on-demand views, and bad definitions are precise errors.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { loadRepoDefinitions } from "../src/definitions/index.js";
import { FstoreError } from "../src/errors/index.js";
import { createTempRepo } from "./support/temp-repo.js";

const repo = createTempRepo();
afterAll(() => repo.cleanup());

const IMPORTS = `import { Aggregation, Entity, FeatureService, Field, FileSource, Float64, Int64, OnDemandFeatureView,
  StreamFeatureView, StreamSource, String as Str, UnixTimestamp } from "fstore";\n`;

const SOURCE = (stream = `{ kind: "redis", stream: "tx" }`, extraSchema = "") => `
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64 });
export const raw = new FileSource({ name: "tx_raw", path: "data/tx_raw", timestampField: "ts" });
export const tx = new StreamSource({ name: "tx", stream: ${stream},
  schema: [new Field({ name: "user_id", dtype: Int64 }), new Field({ name: "amount", dtype: Float64 }),
           new Field({ name: "items", dtype: Int64 }), new Field({ name: "shop", dtype: Str }),
           new Field({ name: "ts", dtype: UnixTimestamp })${extraSchema}],
  timestampField: "ts", batchSource: raw });
`;

const VIEW = (aggs: string, extra = "") => `
export const spend = new StreamFeatureView({ name: "spend", entities: [user], source: tx, aggregations: [${aggs}]${extra} });
`;

let files: string[] = [];
function writeDefs(defs: Record<string, string>): void {
  for (const f of files) repo.remove(f);
  files = Object.keys(defs);
  for (const [file, text] of Object.entries(defs)) repo.write(file, text);
}

async function loadError(text: string): Promise<string> {
  writeDefs({ "defs.ts": IMPORTS + text });
  try {
    await loadRepoDefinitions(repo.path);
  } catch (err) {
    expect(err).toBeInstanceOf(FstoreError);
    return (err as FstoreError).message;
  }
  throw new Error("expected loadRepoDefinitions to fail");
}

beforeEach(() => writeDefs({}));

describe("stream definitions", () => {
  it("load into the model: aggregates are typed features named <column>_<function>_<window>", async () => {
    writeDefs({
      "defs.ts": `${IMPORTS}${SOURCE(`{ kind: "nats", connection: "nats://127.0.0.1:4222", stream: "TX", subject: "tx.events", group: "g1" }`)}${VIEW(
        `new Aggregation({ column: "amount", function: "sum", window: "1h" }),
         new Aggregation({ column: "items", function: "sum", window: "24h" }),
         new Aggregation({ column: "amount", function: "mean", window: "7d" }),
         new Aggregation({ column: "items", function: "max", window: "1h", slide: "5m" }),
         new Aggregation({ column: "shop", function: "count", window: "90s", name: "shops_90s" }),
         new Aggregation({ column: "amount", function: "last", window: "1d12h" })`,
        `, allowedLateness: "10m", tags: { team: "risk" }`,
      )}
export const svc = new FeatureService({ name: "risk", features: [spend.select(["amount_sum_1h", "shops_90s"])] });
export const ratio = new OnDemandFeatureView({ name: "ratio", sources: [spend],
  schema: [new Field({ name: "r", dtype: Float64 })],
  udf: (inputs) => ({ r: inputs.amount_sum_1h.map((v, i) => v / (inputs.amount_mean_7d[i] ?? 1)) }) });
`,
    });
    const defs = await loadRepoDefinitions(repo.path);
    const view = defs.featureViews.find((v) => v.name === "spend");
    expect(view?.features.map((f) => [f.name, f.dtype])).toEqual([
      ["amount_sum_1h", ValueType.DOUBLE],
      ["items_sum_24h", ValueType.INT64],
      ["amount_mean_7d", ValueType.DOUBLE],
      ["items_max_1h", ValueType.INT64],
      ["shops_90s", ValueType.INT64],
      ["amount_last_1d12h", ValueType.DOUBLE],
    ]);
    expect(view?.aggregations?.map((a) => [a.windowSeconds, a.slideSeconds])).toEqual([
      [3600, 60],
      [86400, 1440],
      [604800, 10080],
      [3600, 300],
      [90, 1],
      [129600, 2160],
    ]);
    expect(view?.allowedLatenessSeconds).toBe(600);
    expect(view?.entityColumns.map((c) => c.name)).toEqual(["user_id"]);
    expect(view?.source.kind).toBe("stream");
    const source = defs.dataSources.find((s) => s.name === "tx");
    expect(source).toMatchObject({
      kind: "stream",
      stream: {
        kind: "nats",
        connection: "nats://127.0.0.1:4222",
        stream: "TX",
        subject: "tx.events",
        group: "g1",
      },
      timestampField: "ts",
      batchSource: { name: "tx_raw", createdTimestampColumn: "created" },
    });
    expect(defs.featureServices[0]?.projections).toEqual([
      { featureView: "spend", features: ["amount_sum_1h", "shops_90s"] },
    ]);
    expect(defs.onDemandFeatureViews[0]?.sources[0]?.featureView).toBe("spend");
  });

  it("default lateness is the largest window and the group defaults to fstore", async () => {
    writeDefs({
      "defs.ts": `${IMPORTS}${SOURCE()}${VIEW(`new Aggregation({ column: "amount", function: "sum", window: "1h" }), new Aggregation({ column: "amount", function: "min", window: "2h" })`)}`,
    });
    const defs = await loadRepoDefinitions(repo.path);
    expect(defs.featureViews[0]?.allowedLatenessSeconds).toBe(7200);
    expect(defs.dataSources.find((s) => s.name === "tx")).toMatchObject({
      stream: { kind: "redis", connection: "", stream: "tx", group: "fstore" },
    });
  });

  it("refuses bad definitions with precise messages", async () => {
    const agg = `new Aggregation({ column: "amount", function: "sum", window: "1h" })`;
    expect(
      await loadError(
        SOURCE() + VIEW(`new Aggregation({ column: "amount", function: "median", window: "1h" })`),
      ),
    ).toMatch(/function: expected one of count, sum, mean, min, max, last, got "median"/);
    expect(
      await loadError(
        SOURCE() + VIEW(`new Aggregation({ column: "amount", function: "sum", window: "1h", slide: "7m" })`),
      ),
    ).toMatch(/slide: 420s must divide the window \(3600s\)/);
    expect(
      await loadError(
        SOURCE() + VIEW(`new Aggregation({ column: "amount", function: "sum", window: "an hour" })`),
      ),
    ).toMatch(/window: expected a duration like "30s", "1h"/);
    expect(
      await loadError(SOURCE() + VIEW(`new Aggregation({ column: "nope", function: "sum", window: "1h" })`)),
    ).toMatch(/column "nope" is not in the schema of stream source "tx"/);
    expect(
      await loadError(SOURCE() + VIEW(`new Aggregation({ column: "shop", function: "sum", window: "1h" })`)),
    ).toMatch(/sum needs a numeric column/);
    expect(await loadError(SOURCE() + VIEW(`${agg}, ${agg}`))).toMatch(
      /feature name "amount_sum_1h" is used twice/,
    );
    expect(await loadError(SOURCE(`{ kind: "kafka", stream: "tx" }`) + VIEW(agg))).toMatch(
      /stream.kind: expected "redis" or "nats", got "kafka"/,
    );
    expect(await loadError(SOURCE(`{ kind: "nats", stream: "TX", subject: "a" }`) + VIEW(agg))).toMatch(
      /stream.connection: expected a non-empty string/,
    );
    expect(
      await loadError(SOURCE(undefined, `, new Field({ name: "created", dtype: Int64 })`) + VIEW(agg)),
    ).toMatch(/"created" is reserved/);
    expect(
      await loadError(SOURCE().replace('new Field({ name: "user_id", dtype: Int64 }), ', "") + VIEW(agg)),
    ).toMatch(/join key "user_id" is not in the schema of stream source "tx"/);
    expect(
      await loadError(
        SOURCE() +
          VIEW(`new Aggregation({ column: "amount", function: "sum", window: "1h", name: "user_id" })`),
      ),
    ).toMatch(/named like a join key or the event-time column/);
  });
});

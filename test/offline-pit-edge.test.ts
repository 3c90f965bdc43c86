import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoricalQuery, HistoricalResult, OfflineStore } from "../src/offline/index.js";
import { createOfflineStore, openDuckDb } from "../src/offline/index.js";
import type { Cell } from "./offline-fixtures.js";
import {
  featureView,
  field,
  fileSource,
  rowsOfBatch,
  snapshotOf,
  T,
  tempDir,
  writeParquet,
} from "./offline-fixtures.js";

const S = 1_000_000n; // microseconds per second
const at = (s: number, tz = false): Cell => ({ micros: BigInt(s) * S, tz });
const ts = (s: number) => ({ seconds: BigInt(s), nanos: 0 });
const i64 = (xs: number[]) => ({
  val: xs.map((x) => ({ val: { case: "int64Val" as const, value: BigInt(x) } })),
});

let db: DuckDBInstance;
let dir: string;
let store: OfflineStore;

beforeAll(async () => {
  db = await openDuckDb({ threads: 2, memoryLimit: "512MB" });
  dir = tempDir();
  store = createOfflineStore({ repoPath: dir, outputDir: join(dir, "out"), duckdb: db });
});
afterAll(() => db.closeSync());

async function collect(query: HistoricalQuery) {
  const rows: Record<string, unknown>[] = [];
  let summary: HistoricalResult | undefined;
  for await (const ev of store.streamHistorical(query, 3)) {
    if (ev.kind === "batch") rows.push(...rowsOfBatch(ev.batch));
    if (ev.kind === "summary") summary = ev.result;
  }
  return { rows, summary: summary as HistoricalResult };
}

const opts = {
  strict: false,
  dropUnmatched: false,
  excludeCreatedAfter: false,
  includeFeatureTimestamps: true,
};

describe("point-in-time join: hand-made cases", () => {
  it("breaks event-time ties by created time, and a later event time beats a later created time", async () => {
    await writeParquet(
      db,
      join(dir, "a.parquet"),
      [
        { name: "id", type: "BIGINT" },
        { name: "ts", type: "TIMESTAMP" },
        { name: "created", type: "TIMESTAMP" },
        { name: "x", type: "DOUBLE" },
      ],
      [
        [1n, at(10), at(11), 1.0],
        [1n, at(10), at(15), 2.0], // same event time, created later: wins at t >= 10
        [1n, at(20), at(21), 3.0], // later event time, created earlier than 99: wins at t >= 20
        [1n, at(19), at(99), 4.0],
      ],
    );
    const view = featureView(
      "a",
      [field("id", T.INT64)],
      [field("x", T.DOUBLE)],
      fileSource("a_src", "a.parquet", { createdTimestampColumn: "created" }),
    );
    const { rows, summary } = await collect({
      snapshot: snapshotOf([view]),
      features: ["a:x"],
      featureServices: [],
      entities: {
        kind: "inline",
        columns: { id: i64([1, 1, 1, 1, 2]) },
        timestamps: [ts(9), ts(10), ts(19), ts(25), ts(25)],
      },
      fullFeatureNames: false,
      options: opts,
    });
    expect(rows.map((r) => r.x)).toEqual([null, 2.0, 4.0, 3.0, null]);
    expect(rows.map((r) => r.a__event_timestamp)).toEqual([null, 10n * S, 19n * S, 20n * S, null]);
    expect(summary.rowCount).toBe(5);
    expect(summary.matchCounts).toEqual([{ featureView: "a", matchedRows: 3 }]);
    expect(summary.violations).toBe(0);
  });
});

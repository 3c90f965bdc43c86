/**
 * A Parquet write whose join is split by key (src/offline/key-split.ts)
 * writes the same rows, in the same order, with the same summary, as the
 * join run whole (which the oracle test checks against a brute force): with
 * on-demand views, entity rows whose key is NULL or has no feature rows, and
 * parts where a view has no rows at all.
 */
import { join } from "node:path";
import type { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planHistorical } from "../src/offline/historical-plan.js";
import type { HistoricalQuery } from "../src/offline/index.js";
import { createOfflineStore, openDuckDb } from "../src/offline/index.js";
import { splitPartCount } from "../src/offline/key-split.js";
import type { OnDemandFeatureViewDef } from "../src/registry/model.js";
import { featureView, field, fileSource, snapshotOf, T, tempDir } from "./offline-fixtures.js";

const ROWS_PER_PART = 200;

describe("historical Parquet output with the join split by key", () => {
  let db: DuckDBInstance;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir("fstore-key-split-");
    db = await openDuckDb({ threads: 2, memoryLimit: "512MB" });
    const conn = await db.connect();
    const q = (path: string) => `'${join(dir, path).replaceAll("'", "''")}'`;
    // Entity rows: keys 0..59 (60..64 have no feature rows), every 97th key NULL, times spread over 100..2100 s.
    await conn.run(
      `COPY (SELECT CASE WHEN i % 97 = 0 THEN NULL ELSE (i * 7) % 65 END::BIGINT AS k, ` +
        `make_timestamp((100 + (i * 37) % 2000) * 1000000) AS ts, (i % 5)::DOUBLE AS bonus ` +
        `FROM range(3000) AS t(i)) TO ${q("entities.parquet")} (FORMAT parquet)`,
    );
    // va: keys 0..59, one row every 50 s, some created late; rows equal in key and time differ in created.
    await conn.run(
      `COPY (SELECT (i % 60)::BIGINT AS k, make_timestamp((i // 60) * 50 * 1000000) AS ts, ` +
        `make_timestamp(((i // 60) * 50 + (i % 3)) * 1000000) AS created, (i * 0.25)::DOUBLE AS x, ` +
        `'s' || i AS label FROM range(2600) AS t(i)) TO ${q("va.parquet")} (FORMAT parquet)`,
    );
    // vb: keys 0..2 only, so most parts hold none of its rows.
    await conn.run(
      `COPY (SELECT (i % 3)::BIGINT AS k, make_timestamp((i * 20) * 1000000) AS ts, i::BIGINT AS n ` +
        `FROM range(100) AS t(i)) TO ${q("vb.parquet")} (FORMAT parquet)`,
    );
    conn.closeSync();
  });
  afterAll(() => db?.closeSync());

  it("writes what the whole join writes, on-demand features included", async () => {
    const k = field("k", T.INT64);
    const va = featureView(
      "va",
      [k],
      [field("x", T.DOUBLE), field("label", T.STRING)],
      fileSource("va_src", "va.parquet", { timestampField: "ts", createdTimestampColumn: "created" }),
      400,
    );
    const vb = featureView(
      "vb",
      [k],
      [field("n", T.INT64)],
      fileSource("vb_src", "vb.parquet", { timestampField: "ts" }),
    );
    const plus: OnDemandFeatureViewDef = {
      name: "plus",
      sources: [{ featureView: "va", features: ["x"] }],
      requestSchema: [field("bonus", T.DOUBLE)],
      features: [field("x_plus", T.DOUBLE)],
      udfSource: `(i) => ({ x_plus: i.x.map((x, j) => (x === null || i.bonus[j] === null ? null : x + i.bonus[j])) })`,
      description: "",
      tags: {},
      owner: "",
    };
    const snapshot = {
      ...snapshotOf([va, vb], [], [fileSource("labels", "entities.parquet", { timestampField: "ts" })]),
      onDemandFeatureViews: new Map([[plus.name, plus]]),
    };
    const outDir = join(dir, "out");
    const whole = createOfflineStore({ repoPath: dir, outputDir: outDir, duckdb: db });
    const split = createOfflineStore({
      repoPath: dir,
      outputDir: outDir,
      duckdb: db,
      joinRowsPerPart: ROWS_PER_PART,
    });
    for (const excludeCreatedAfter of [false, true]) {
      for (const selection of [
        ["va:x", "va:label", "vb:n"],
        ["va:label", "plus:x_plus", "vb:n"],
      ]) {
        const label = JSON.stringify({ excludeCreatedAfter, selection });
        const query: HistoricalQuery = {
          snapshot,
          selection: { kind: "features", refs: selection },
          entities: { kind: "registered", name: "labels" },
          fullFeatureNames: false,
          options: {
            strict: false,
            dropUnmatched: false,
            excludeCreatedAfter,
            includeFeatureTimestamps: true,
          },
        };
        const conn = await db.connect();
        const plan = await planHistorical(conn, query, { repoPath: dir });
        conn.closeSync();
        expect(
          plan.split?.keys.map((key) => key.name),
          label,
        ).toEqual(["k"]);
        expect(splitPartCount(plan.split?.rows ?? 0n, ROWS_PER_PART), label).toBeGreaterThanOrEqual(16);

        const a = await whole.writeHistorical(query, "whole.parquet");
        const b = await split.writeHistorical(query, "split.parquet");
        expect(b.rowCount, label).toBe(3000);
        expect({ ...b, elapsedMs: 0, outputPath: "" }, label).toEqual({ ...a, elapsedMs: 0, outputPath: "" });
        // Some rows match each view, some do not: the comparison is not over empty columns.
        expect(
          a.matchCounts.every((m) => m.matchedRows > 0 && m.matchedRows < 3000),
          label,
        ).toBe(true);
        const read = await db.connect();
        const rows = async (path: string) =>
          (await read.runAndReadAll(`SELECT * FROM read_parquet('${path.replaceAll("'", "''")}')`)).getRows();
        const wholeRows = await rows(a.outputPath);
        expect(await rows(b.outputPath), label).toEqual(wholeRows);
        // Entity-row order: the entity file's row order (its timestamps are not sorted).
        const order = (
          await read.runAndReadAll(`SELECT k FROM read_parquet('${join(dir, "entities.parquet")}')`)
        ).getRows();
        read.closeSync();
        expect(
          wholeRows.map((r) => r[0]),
          label,
        ).toEqual(order.map((r) => r[0]));
      }
    }
  }, 60_000);
});

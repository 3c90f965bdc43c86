import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef } from "../registry/model.js";
import {
  ident,
  latestInWindowSql,
  literal,
  offlineRowsAtSql,
  sourceColumnOf,
  sourceRelationSql,
} from "./consistency-sql.js";

const described = { description: "", tags: {}, owner: "" };
const view: FeatureViewDef = {
  name: "v",
  entities: ["e"],
  entityColumns: [{ name: "id", dtype: ValueType.INT64, description: "", tags: {} }],
  features: [
    { name: 'we"ird', dtype: ValueType.STRING_LIST, description: "", tags: {} },
    { name: "trips", dtype: ValueType.INT64, description: "", tags: {} },
  ],
  ttlSeconds: 0,
  source: {
    kind: "file",
    name: "s",
    path: "x",
    timestampField: "ts",
    createdTimestampColumn: "",
    fieldMapping: { trips_src: "trips" },
    ...described,
  },
  online: true,
  ...described,
};

describe("consistency SQL", () => {
  it("quotes identifiers and literals", () => {
    expect(ident('a"b')).toBe('"a""b"');
    expect(literal("it's")).toBe("'it''s'");
  });

  it("casts to the offline store's types: timestamps as TIMESTAMPTZ", () => {
    const ts = { name: "seen", dtype: ValueType.UNIX_TIMESTAMP_LIST, description: "", tags: {} };
    expect(sourceRelationSql(view, [ts], ["/d/x.parquet"])).toContain(
      'CAST(src."seen" AS TIMESTAMPTZ[]) AS "seen"',
    );
  });

  it("reads mapped columns, casts to the declared types, and has no created column when the source has none", () => {
    expect(sourceColumnOf({ trips_src: "trips" }, "trips")).toBe("trips_src");
    expect(sourceColumnOf({ trips_src: "trips" }, "other")).toBe("other");
    const sql = sourceRelationSql(view, view.features, ["/d/it's/*.parquet"]);
    expect(sql).toContain('CAST(src."id" AS BIGINT) AS "id"');
    expect(sql).toContain('CAST(src."we""ird" AS VARCHAR[]) AS "we""ird"');
    expect(sql).toContain('CAST(src."trips_src" AS BIGINT) AS "trips"');
    expect(sql).toContain('epoch_us(src."ts") AS __ts_us');
    expect(sql).toContain("NULL AS __created");
    expect(sql).toContain("read_parquet(['/d/it''s/*.parquet'], union_by_name = true)");
  });

  it("joins on every key and the exact online time, and filters windows inclusively", () => {
    const a = offlineRowsAtSql(view, "SELECT 1", ["trips"]);
    expect(a).toContain('o."id" = s."id" AND o.__ts_us = w.__want_us');
    expect(a).toContain("ORDER BY o.__ts DESC, o.__created DESC NULLS LAST");
    const b = latestInWindowSql(view, "SELECT 1", [
      { startUs: 0, endUs: 10 },
      { startUs: 20, endUs: 30 },
    ]);
    expect(b).toContain("WHERE (o.__ts_us BETWEEN 0 AND 10 OR o.__ts_us BETWEEN 20 AND 30)");
    expect(b).toContain("max(o.__ts_us)");
    expect(latestInWindowSql(view, "SELECT 1", [])).toContain("WHERE FALSE");
  });
});

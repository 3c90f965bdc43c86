import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FileSourceDef } from "../registry/model.js";
import {
  duckTypeOf,
  latestRowsSql,
  readExpression,
  sourceColumnOf,
  sqlIdent,
  sqlString,
} from "./latest-rows-sql.js";

const f = (name: string, dtype: ValueType) => ({ name, dtype, description: "", tags: {} });
const source: FileSourceDef = {
  kind: "file",
  name: "s",
  path: "data/x",
  timestampField: "ts",
  createdTimestampColumn: "",
  fieldMapping: { src_rate: "rate", 'we"ird': "id" },
  description: "",
  tags: {},
  owner: "",
};
const view: FeatureViewDef = {
  name: "v",
  entities: ["e"],
  entityColumns: [f("id", ValueType.INT64), f("city", ValueType.STRING)],
  features: [f("rate", ValueType.DOUBLE), f("seen", ValueType.UNIX_TIMESTAMP)],
  ttlSeconds: 0,
  source,
  online: true,
  description: "",
  tags: {},
  owner: "",
};

describe("quoting", () => {
  it("doubles quotes in identifiers and string literals", () => {
    expect(sqlIdent('a"b')).toBe('"a""b"');
    expect(sqlString("it's")).toBe("'it''s'");
  });
});

describe("sourceColumnOf", () => {
  it("reverses field_mapping, else keeps the name", () => {
    expect(sourceColumnOf(source, "rate")).toBe("src_rate");
    expect(sourceColumnOf(source, "city")).toBe("city");
  });
});

describe("types", () => {
  it("maps value types to DuckDB types", () => {
    expect(duckTypeOf(ValueType.INT64)).toBe("BIGINT");
    expect(duckTypeOf(ValueType.FLOAT)).toBe("FLOAT");
    expect(duckTypeOf(ValueType.STRING_LIST)).toBe("VARCHAR[]");
    expect(duckTypeOf(ValueType.UNIX_TIMESTAMP_LIST)).toBe("TIMESTAMP[]");
  });
  it("reads timestamps as epoch milliseconds and casts the rest", () => {
    expect(readExpression("t", ValueType.UNIX_TIMESTAMP)).toBe('CAST(epoch_ms("t") AS DOUBLE)');
    expect(readExpression("n", ValueType.INT32)).toBe('CAST("n" AS INTEGER)');
  });
});

describe("latestRowsSql", () => {
  const sql = latestRowsSql(view, ["/d/it's.parquet"], new Date(1000), new Date(2000));
  it("outputs keys, features, event time and count by position, from mapped source columns", () => {
    expect(sql).toContain('CAST("we""ird" AS BIGINT) AS k0');
    expect(sql).toContain('CAST("city" AS VARCHAR) AS k1');
    expect(sql).toContain('f0 := CAST("src_rate" AS DOUBLE)');
    expect(sql).toMatch(/^SELECT k0, k1, r\.f0, r\.f1, r\.ts, n FROM/);
    expect(sql).toContain("GROUP BY 1, 2");
  });
  it("bounds the window inclusively in microseconds and drops rows without a full key", () => {
    expect(sql).toContain('"ts" >= make_timestamp(1000000) AND "ts" <= make_timestamp(2000000)');
    expect(sql).toContain('"we""ird" IS NOT NULL');
    expect(sql).toContain('"city" IS NOT NULL');
  });
  it("escapes file paths and breaks ties without a created column by file and row", () => {
    expect(sql).toContain("read_parquet(['/d/it''s.parquet']");
    expect(latestRowsSql(view, ["/a", "/b"], new Date(0), new Date(1))).toContain(
      "read_parquet(['/b', '/a']",
    );
    expect(sql).toContain("f := -CAST(file_index AS BIGINT)");
    expect(sql).toContain("c := 0");
  });
});

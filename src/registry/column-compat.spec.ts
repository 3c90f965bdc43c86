import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { expectedColumnTypes, isCompatibleColumn, isTimestampColumn } from "./column-compat.js";

describe("isCompatibleColumn", () => {
  const cases: [ValueType, string, boolean][] = [
    [ValueType.INT64, "BIGINT", true],
    [ValueType.INT64, "INTEGER", true],
    [ValueType.INT64, "UBIGINT", false],
    [ValueType.INT64, "DOUBLE", false],
    [ValueType.INT64, "VARCHAR", false],
    [ValueType.INT32, "INTEGER", true],
    [ValueType.INT32, "BIGINT", false],
    [ValueType.DOUBLE, "DOUBLE", true],
    [ValueType.DOUBLE, "FLOAT", true],
    [ValueType.DOUBLE, "DECIMAL(10,2)", true],
    [ValueType.DOUBLE, "BIGINT", false],
    [ValueType.FLOAT, "FLOAT", true],
    [ValueType.STRING, "VARCHAR", true],
    [ValueType.STRING, "BIGINT", false],
    [ValueType.BOOL, "BOOLEAN", true],
    [ValueType.BOOL, "INTEGER", false],
    [ValueType.BYTES, "BLOB", true],
    [ValueType.UNIX_TIMESTAMP, "TIMESTAMP", true],
    [ValueType.UNIX_TIMESTAMP, "TIMESTAMP WITH TIME ZONE", true],
    [ValueType.UNIX_TIMESTAMP, "TIMESTAMP_NS", true],
    [ValueType.UNIX_TIMESTAMP, "DATE", false],
    [ValueType.INT64_LIST, "BIGINT[]", true],
    [ValueType.INT64_LIST, "INTEGER[]", true],
    [ValueType.INT64_LIST, "BIGINT", false],
    [ValueType.STRING_LIST, "VARCHAR[]", true],
    [ValueType.STRING_LIST, "BIGINT[]", false],
    [ValueType.DOUBLE_LIST, "DOUBLE[]", true],
  ];
  it.each(cases)("%s <- %s is %s", (valueType, column, expected) => {
    expect(isCompatibleColumn(valueType, column)).toBe(expected);
  });

  it("describes what it accepts", () => {
    expect(expectedColumnTypes(ValueType.INT64)).toMatch(/BIGINT/);
    expect(expectedColumnTypes(ValueType.STRING_LIST)).toBe("a list of VARCHAR");
  });

  it("recognises timestamp columns", () => {
    expect(isTimestampColumn("TIMESTAMP")).toBe(true);
    expect(isTimestampColumn("TIMESTAMP WITH TIME ZONE")).toBe(true);
    expect(isTimestampColumn("BIGINT")).toBe(false);
  });
});

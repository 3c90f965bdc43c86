import { describe, expect, it } from "vitest";
import { quoteIdent, quoteString, secondsInterval, timestampLiteral } from "./sql-text.js";

describe("SQL quoting", () => {
  it("quotes identifiers, doubling inner double quotes", () => {
    expect(quoteIdent("price")).toBe('"price"');
    expect(quoteIdent('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"');
  });

  it("quotes string literals, doubling inner single quotes", () => {
    expect(quoteString("/data/it's.parquet")).toBe("'/data/it''s.parquet'");
    expect(quoteString("x'); COPY (SELECT 1) TO '/tmp/evil")).toBe("'x''); COPY (SELECT 1) TO ''/tmp/evil'");
  });

  it("refuses NUL characters", () => {
    expect(() => quoteIdent("a\0b")).toThrow(/NUL/);
    expect(() => quoteString("a\0b")).toThrow(/NUL/);
  });

  it("writes timestamps and intervals as plain integers", () => {
    expect(timestampLiteral(1_700_000_000_000_000n)).toBe(
      "CAST(make_timestamp(1700000000000000::BIGINT) AS TIMESTAMPTZ)",
    );
    expect(secondsInterval(7200)).toBe("INTERVAL (7200) SECOND");
    expect(() => secondsInterval(1.5)).toThrow(/whole number/);
  });
});

import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { FeatureViewDef, FileSourceDef } from "../registry/model.js";
import {
  duckTypeOf,
  latestRowsSql,
  type OrderPacking,
  type OrderStats,
  orderPacking,
  packedOrderKey,
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
    // Finite numbers (write rules) are checked by the encoder (encode-chunk.ts), not in the query.
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

describe("orderPacking: the (event, created, file, row) order in one BIGINT", () => {
  /** The struct order the packing replaces: event, created (NULL lowest), the later file (lower scan index), row. */
  type Row = { t: bigint; c: bigint | null; f: number; r: bigint };
  const structOrder = (a: Row, b: Row): number => {
    const cmp = (x: bigint, y: bigint) => (x < y ? -1 : x > y ? 1 : 0);
    return (
      cmp(a.t, b.t) ||
      cmp(a.c ?? -(1n << 63n), b.c ?? -(1n << 63n)) ||
      cmp(BigInt(-a.f), BigInt(-b.f)) ||
      cmp(a.r, b.r)
    );
  };
  const statsOf = (rows: Row[]): OrderStats => {
    const ts = rows.map((r) => r.t);
    const cs = rows.flatMap((r) => (r.c === null ? [] : [r.c]));
    const sorted = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const min = (xs: bigint[]) => sorted(xs)[0] ?? null;
    const max = (xs: bigint[]) => sorted(xs).at(-1) ?? null;
    const sub = (xs: bigint[]) => (xs.length ? xs.reduce((a, b) => a | (b % 1_000_000n), 0n) : null);
    return {
      rows: BigInt(rows.length),
      minT: min(ts),
      maxT: max(ts),
      tSub: sub(ts),
      minC: min(cs),
      maxC: max(cs),
      cSub: sub(cs),
      maxRow: max(rows.map((r) => r.r)),
    };
  };
  // A deterministic pseudo-random sequence (no flaky seeds).
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };

  it.each([
    ["whole seconds over 10 days, created hours later or NULL", 1_000_000n, 10 * 86_400, true],
    ["microseconds over an hour", 1n, 3_600_000_000, true],
    ["no created column", 1_000_000n, 86_400 * 30, false],
  ] as const)("orders exactly like the struct: %s", (_name, unit, span, withCreated) => {
    const base = 1_735_689_600_000_000n;
    const rows: Row[] = [];
    for (let i = 0; i < 3000; i++) {
      // Few distinct times, so ties on event and created (and their tie-breaks) are common.
      const t = base + BigInt(rand(40)) * (BigInt(span) / 40n) * unit;
      const c = !withCreated || rand(5) === 0 ? null : t + BigInt(rand(3)) * 3_600n * unit;
      rows.push({ t, c, f: rand(12), r: BigInt(rand(5000)) });
    }
    const p = orderPacking(statsOf(rows), 12);
    expect(p).not.toBeNull();
    const key = (r: Row) => packedOrderKey(p as OrderPacking, 12, r.t, r.c, r.f, r.r);
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1] as Row;
      const b = rows[i] as Row;
      const want = structOrder(a, b);
      const got = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
      expect(got).toBe(want);
      expect(key(a)).toBeLessThan(1n << 62n);
    }
  });

  it("falls back (null) when the parts need more than 62 bits, or the window is empty", () => {
    const us = (d: number) => BigInt(d) * 86_400_000_000n;
    const wide: OrderStats = {
      rows: 10n,
      minT: 0n,
      maxT: us(365 * 30) + 1n,
      tSub: 1n,
      minC: 0n,
      maxC: us(365 * 30) + 1n,
      cSub: 1n,
      maxRow: 1_000_000n,
    };
    expect(orderPacking(wide, 4)).toBeNull();
    expect(orderPacking({ ...wide, rows: 0n, minT: null, maxT: null }, 4)).toBeNull();
    // A day in whole seconds fits.
    expect(orderPacking({ ...wide, maxT: us(1), tSub: 0n, maxC: us(1), cSub: 0n }, 4)).not.toBeNull();
  });

  it("puts the packed key in the SQL when given, the struct otherwise", () => {
    const p = orderPacking(
      { rows: 1n, minT: 0n, maxT: 10n, tSub: 10n, minC: null, maxC: null, cSub: null, maxRow: 5n },
      2,
    );
    const files = ["/d/a.parquet", "/d/b.parquet"];
    const packed = latestRowsSql(view, files, new Date(0), new Date(1), p);
    // Two steps: the max packed key per entity, then the winning rows joined back by file and row.
    expect(packed).toContain("+ file_row_number)) AS m, count(*) AS n");
    expect(packed).toContain("CAST(1 - ((m >> 3) & 1) AS UBIGINT) AS fi, m & 7 AS ri");
    expect(packed).toContain("ON s.file_index = w.fi AND s.file_row_number = w.ri");
    expect(packed).not.toContain("arg_max");
    expect(packed).not.toContain("struct_pack(t :=");
    expect(latestRowsSql(view, files, new Date(0), new Date(1))).toContain("struct_pack(t :=");
  });
});

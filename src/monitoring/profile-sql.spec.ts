import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import {
  doubleLiteral,
  edgesFromRanges,
  equalWidthEdges,
  featureKindOf,
  nextDown,
  profileSql,
  profilesOf,
  rangeSql,
} from "./profile-sql.js";
import { textHistogram } from "./report-format.js";
import {
  categoricalSummaries,
  groupedRangesSql,
  valueCountsSql,
  valueSummarySql,
} from "./value-counts-sql.js";

describe("bins", () => {
  it("splits [min, max] into equal widths ending exactly at max", () => {
    expect(equalWidthEdges(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    const w = (0.7 - 0.1) / 3;
    expect(equalWidthEdges(0.1, 0.7, 3)).toEqual([0.1, 0.1 + w, 0.1 + 2 * w, 0.7]);
    // constant column: one bin holding the value
    expect(equalWidthEdges(3, 3, 10)).toEqual([3, 3]);
    // a range of one ulp cannot hold 10 distinct edges: they stay increasing
    const e = equalWidthEdges(1, 1 + Number.EPSILON, 10);
    expect(e).toEqual([1, 1 + Number.EPSILON]);
  });

  it("steps down one double and prints doubles exactly", () => {
    expect(nextDown(1)).toBe(1 - Number.EPSILON / 2);
    expect(nextDown(0)).toBe(-Number.MIN_VALUE);
    expect(nextDown(-1)).toBe(-1 - Number.EPSILON);
    expect(doubleLiteral(0.1)).toBe("'0.1'::DOUBLE");
    expect(doubleLiteral(Number.POSITIVE_INFINITY)).toBe("'inf'::DOUBLE");
  });

  it("reads edges from the range row; all-null columns get none", () => {
    const cols = [
      { name: "a", column: "a", valueType: ValueType.DOUBLE },
      { name: "b", column: "b", valueType: ValueType.INT64 },
    ];
    expect(rangeSql("SELECT * FROM t", cols)).toBe(
      'SELECT min((CASE WHEN isfinite("a") THEN CAST("a" AS DOUBLE) END)) AS r0_min, ' +
        'max((CASE WHEN isfinite("a") THEN CAST("a" AS DOUBLE) END)) AS r0_max, ' +
        'min(CAST("b" AS DOUBLE)) AS r1_min, max(CAST("b" AS DOUBLE)) AS r1_max FROM (SELECT * FROM t)',
    );
    expect(edgesFromRanges({ r0_min: 0, r0_max: 4, r1_min: null, r1_max: null }, cols, 2)).toEqual(
      new Map([["a", [0, 2, 4]]]),
    );
  });
});

describe("profile SQL", () => {
  it("summarizes numbers, categories and other types by kind", () => {
    expect(featureKindOf(ValueType.INT32)).toBe("numeric");
    expect(featureKindOf(ValueType.UNIX_TIMESTAMP)).toBe("numeric");
    expect(featureKindOf(ValueType.BOOL)).toBe("categorical");
    expect(featureKindOf(ValueType.STRING_LIST)).toBe("other");
    const sql = profileSql("SELECT * FROM t", [
      { name: "x", column: "x", valueType: ValueType.DOUBLE, edges: [0, 1], statusColumn: "x_status" },
      { name: "s", column: "s", valueType: ValueType.STRING, categories: ["it's"] },
    ]);
    const x = '(CASE WHEN isfinite("x") THEN CAST("x" AS DOUBLE) END)';
    expect(sql).toContain(`histogram(${x}, ['${nextDown(0)}'::DOUBLE, '1'::DOUBLE]) AS c0_h`);
    expect(sql).toContain(`count(*) FILTER (WHERE "x_status" = 3) AS c0_nf`);
    expect(sql).toContain(`approx_quantile(${x}, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])`);
    expect(sql).toContain(`count(${x}) AS c0_nn`);
    expect(sql).toContain('count("s") AS c1_nn');
    expect(sql).not.toContain("c1_h");
  });

  it("groups every string and boolean in one scan that carries the numbers' ranges", () => {
    const x = { name: "x", column: "x", valueType: ValueType.INT64 };
    const s = { name: "s", column: "s", valueType: ValueType.STRING, categories: ["it's"] };
    const b = { name: "b", column: "b", valueType: ValueType.BOOL };
    expect(valueCountsSql("SELECT * FROM t", [x], [s, b])).toBe(
      "SELECT CASE WHEN GROUPING(k0) = 0 THEN 0 WHEN GROUPING(k1) = 0 THEN 1 ELSE -1 END AS s, coalesce(k0, k1) AS v, " +
        "count(*) AS n, min(x0) AS r0_min, max(x0) AS r0_max " +
        'FROM (SELECT CAST("s" AS VARCHAR) AS k0, CAST("b" AS VARCHAR) AS k1, CAST("x" AS DOUBLE) AS x0 FROM (SELECT * FROM t)) ' +
        "GROUP BY GROUPING SETS ((), (k0), (k1))",
    );
    expect(groupedRangesSql("g", [x])).toBe('SELECT r0_min, r0_max FROM "g" WHERE s = -1');
    const summary = valueSummarySql("g", [s, b], 3);
    expect(summary).toContain(
      `SELECT * FROM (SELECT 'top' AS what, s, v, n FROM "g" WHERE s = 0 AND v IS NOT NULL ORDER BY n DESC, v LIMIT 3)`,
    );
    expect(summary).toContain(
      `SELECT 'pick' AS what, s, v, n FROM "g" WHERE s = 0 AND v IS NOT NULL AND v IN ('it''s')`,
    );
    expect(summary).not.toContain("s = 1 AND v IS NOT NULL AND v IN");
    expect(
      categoricalSummaries(
        [
          { what: "distinct", s: 0, v: null, n: "3" },
          { what: "top", s: 0, v: "b", n: "3" },
          { what: "top", s: 0, v: "a", n: "1" },
          { what: "pick", s: 0, v: "a", n: "1" },
          { what: "distinct", s: 1, v: null, n: "0" },
        ],
        [{ ...s, categories: ["a", "gone"] }, b],
      ),
    ).toEqual(
      new Map([
        [
          "s",
          {
            distinct: 3,
            top: [
              { value: "b", count: 3 },
              { value: "a", count: 1 },
              { value: "gone", count: 0 },
            ],
          },
        ],
        ["b", { distinct: 0, top: [] }],
      ]),
    );
  });

  it("reads the row back, with the categorical summaries beside it", () => {
    const [x, s, l] = profilesOf(
      {
        n: "4",
        c0_nn: "3",
        c0_nf: "1",
        c0_oma: "0",
        c0_min: 1,
        c0_max: 3,
        c0_avg: 2,
        c0_sd: 1,
        c0_q: [1, 1, 1.5, 2, 2.5, 3, 3],
        c0_bins: ["0", "2", "1"],
        c0_above: "0",
        c1_nn: "4",
        c2_nn: "0",
      },
      [
        { name: "x", column: "x", valueType: ValueType.DOUBLE, edges: [1, 2, 3], statusColumn: "st" },
        { name: "s", column: "s", valueType: ValueType.STRING, categories: ["gone"] },
        { name: "l", column: "l", valueType: ValueType.STRING_LIST },
      ],
      new Map([
        [
          "s",
          {
            distinct: 2,
            top: [
              { value: "b", count: 3 },
              { value: "a", count: 1 },
              { value: "gone", count: 0 },
            ],
          },
        ],
      ]),
    );
    expect(x).toMatchObject({
      rows: 4,
      nonNull: 3,
      coverage: 0.75,
      notFound: 0.25,
      outsideMaxAge: 0,
      numeric: {
        min: 1,
        max: 3,
        mean: 2,
        stddev: 1,
        quantiles: { p1: 1, p50: 2, p99: 3 },
        histogram: { edges: [1, 2, 3], below: 0, counts: [2, 1], above: 0 },
      },
    });
    expect(s?.categorical).toEqual({
      distinct: 2,
      top: [
        { value: "b", count: 3 },
        { value: "a", count: 1 },
        { value: "gone", count: 0 },
      ],
    });
    expect(l).toMatchObject({ kind: "other", coverage: 0, numeric: null, categorical: null, notFound: null });
  });

  it("draws a one-line histogram scaled to the fullest bin", () => {
    expect(textHistogram({ edges: [0, 1, 2, 3, 4], counts: [8, 4, 0, 1], below: 0, above: 0 })).toBe(
      "|█▅ ▂|",
    );
    expect(textHistogram({ edges: [0, 1], counts: [5], below: 2, above: 3 })).toBe("<2 |█| >3");
  });
});

import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { PitOptions, PitView } from "./pit-query-sql.js";
import { pitQuerySql, usesRangePlan } from "./pit-query-sql.js";

const options: PitOptions = {
  strict: false,
  dropUnmatched: false,
  excludeCreatedAfter: false,
  includeFeatureTimestamps: false,
};
const entities = {
  sql: "SELECT * FROM __entities",
  keys: [{ name: 'odd"key', dtype: ValueType.INT64, description: "", tags: {} }],
  passThrough: [],
  orderBy: ["__row_idx"],
};
const view = (hasCreated: boolean, ttlSeconds = 0): PitView => ({
  sourceSql: "SELECT 1",
  keys: ['odd"key'],
  ttlSeconds,
  hasCreated,
  featureNames: ["x"],
  timestampName: "v__event_timestamp",
});

describe("pitQuerySql", () => {
  it("uses one ASOF join per view, ordered by (event, created) when the source has created times", () => {
    const sql = pitQuerySql(entities, [view(true), view(false)], options, true);
    expect(sql.match(/ASOF LEFT JOIN/g)).toHaveLength(2);
    expect(sql).toContain(
      `struct_pack(t := __e.event_timestamp, c := 'infinity'::TIMESTAMPTZ) >= __v0.__order`,
    );
    expect(sql).toContain("__e.event_timestamp >= __v1.__ts");
    expect(sql).toContain('__e."odd""key" = __v0."odd""key"');
    expect(sql).toContain("AS __m0");
    expect(sql).toMatch(/ORDER BY __e\."__row_idx"$/);
  });

  it("matches strictly before the entity time with strict", () => {
    const sql = pitQuerySql(entities, [view(true), view(false)], { ...options, strict: true }, false);
    expect(sql).toContain(`c := '-infinity'::TIMESTAMPTZ) > __v0.__order`);
    expect(sql).toContain("__e.event_timestamp > __v1.__ts");
    expect(sql).not.toContain("__m0");
  });

  it("filters by ttl after the join, and drops unmatched rows when asked", () => {
    const sql = pitQuerySql(entities, [view(false, 3600)], { ...options, dropUnmatched: true }, false);
    expect(sql).toContain("__v0.__ts >= __e.event_timestamp - INTERVAL (3600) SECOND");
    expect(sql).toContain(
      "WHERE (__v0.__ts IS NOT NULL AND __v0.__ts >= __e.event_timestamp - INTERVAL (3600) SECOND)",
    );
  });

  it("uses the range plan only for exclude_created_after on sources with created times", () => {
    const o = { ...options, excludeCreatedAfter: true };
    expect(usesRangePlan(view(true), o)).toBe(true);
    expect(usesRangePlan(view(false), o)).toBe(false);
    const sql = pitQuerySql(entities, [view(true, 60)], o, false);
    expect(sql).not.toContain("ASOF");
    expect(sql).toContain("coalesce(__v0.__created, __v0.__ts) <= __e.event_timestamp");
    expect(sql).toContain("arg_max(");
  });
});

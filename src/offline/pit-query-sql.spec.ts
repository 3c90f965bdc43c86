import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { PitOptions, PitView } from "./pit-query-sql.js";
import { pitQuerySql, usesRangePlan } from "./pit-query-sql.js";
import type { TimePacking } from "./time-order.js";
import { packedBoundSql } from "./time-order.js";

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
const packing: TimePacking = {
  minEvent: 0n,
  eventUnit: 1_000_000n,
  maxStep: 100n,
  minCreated: 0n,
  createdUnit: 1_000_000n,
  createdBits: 8,
};
const view = (hasCreated: boolean, ttlSeconds = 0, packed: TimePacking | null = null): PitView => ({
  sourceSql: "SELECT 1",
  keys: ['odd"key'],
  ttlSeconds,
  hasCreated,
  packing: packed,
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
    expect(sql).toContain("epoch_us(__v0.__ts) >= epoch_us(__e.event_timestamp) - 3600000000");
    expect(sql).toContain(
      "WHERE (__v0.__ts IS NOT NULL AND epoch_us(__v0.__ts) >= epoch_us(__e.event_timestamp) - 3600000000)",
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

  it("joins on the packed BIGINT order when the view has a packing", () => {
    const sql = pitQuerySql(entities, [view(true, 0, packing)], options, false);
    expect(sql).toContain(`${packedBoundSql(packing, "__e.event_timestamp", false)} >= __v0.__order`);
    expect(sql).not.toContain("struct_pack");
    const strict = pitQuerySql(entities, [view(true, 0, packing)], { ...options, strict: true }, false);
    expect(strict).toContain(`${packedBoundSql(packing, "__e.event_timestamp", true)} > __v0.__order`);
  });

  it("orders the range plan's arg_max by the packed order when there is one", () => {
    const o = { ...options, excludeCreatedAfter: true };
    const sql = pitQuerySql(entities, [view(true, 60, packing)], o, false);
    expect(sql).toContain("__v0.__order) AS __p");
    expect(pitQuerySql(entities, [view(true, 60)], o, false)).toContain(
      "struct_pack(t := __v0.__ts, c := coalesce(__v0.__created, '-infinity'::TIMESTAMPTZ))) AS __p",
    );
  });
});

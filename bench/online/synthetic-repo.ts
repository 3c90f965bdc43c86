/**
 * The online benchmark's synthetic repository, built in code (no Parquet
 * needed): one entity `item` and two views of 50 and 250 features, with
 * deterministic values, plus the requests the load generator sends.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { GetOnlineFeaturesRequestSchema } from "../../gen/fstore/v1/feature_service_pb.js";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { type OnlineRow, type OnlineStore, writeOnlineRows } from "../../src/online/index.js";
import type { FeatureViewDef, FieldDef, RepoDefinitions } from "../../src/registry/model.js";
import type { NativeValue } from "../../src/values/index.js";

export const ENTITIES = 5_000;
const described = { description: "", tags: {}, owner: "" };
const itemId: FieldDef = { name: "item_id", dtype: ValueType.INT64, ...described };

/** A feature's type by position: mostly doubles, some int64s and short strings, as real views have. */
function dtypeAt(i: number): ValueType {
  return i % 5 === 3 ? ValueType.INT64 : i % 5 === 4 ? ValueType.STRING : ValueType.DOUBLE;
}

function view(name: string, n: number): FeatureViewDef {
  return {
    ...described,
    name,
    entities: ["item"],
    entityColumns: [itemId],
    features: Array.from({ length: n }, (_, i) => ({ name: `f${i}`, dtype: dtypeAt(i), ...described })),
    ttlSeconds: 0,
    source: {
      ...described,
      kind: "file",
      name: `${name}_source`,
      path: `data/${name}.parquet`,
      timestampField: "event_timestamp",
      createdTimestampColumn: "",
      fieldMapping: {},
    },
    online: true,
  };
}

export const fv50 = view("fv50", 50);
export const fv250 = view("fv250", 250);

/** Writes every entity's row of both views into `store`, stamped `at`. */
export async function writeBenchRows(store: OnlineStore, at: Date): Promise<void> {
  for (const v of [fv50, fv250]) {
    for (let from = 0; from < ENTITIES; from += 500) {
      await writeOnlineRows(store, v, benchRows(v, from, Math.min(ENTITIES, from + 500), at));
    }
  }
}

export function benchDefinitions(): RepoDefinitions {
  return {
    entities: [{ ...described, name: "item", joinKeys: ["item_id"], valueType: ValueType.INT64 }],
    dataSources: [fv50.source, fv250.source],
    featureViews: [fv50, fv250],
    featureServices: [],
    onDemandFeatureViews: [],
  };
}

/** Rows for entities [from, to) of `v`. */
export function benchRows(v: FeatureViewDef, from: number, to: number, ts: Date): OnlineRow[] {
  const rows: OnlineRow[] = [];
  for (let e = from; e < to; e++) {
    const values: NativeValue[] = v.features.map((f, i) =>
      f.dtype === ValueType.INT64
        ? BigInt(e * 1000 + i)
        : f.dtype === ValueType.STRING
          ? `s${(e + i) % 97}`
          : (e + i) / 7,
    );
    rows.push({ entityKey: [BigInt(e)], eventTimeUs: ts.getTime() * 1000, values });
  }
  return rows;
}

export interface Scenario {
  name: string;
  view: FeatureViewDef;
  entities: number;
}

export const scenarios: Scenario[] = [
  { name: "1 x 50", view: fv50, entities: 1 },
  { name: "1 x 250", view: fv250, entities: 1 },
  { name: "100 x 50", view: fv50, entities: 100 },
];

/** Deterministic pseudo-random entity ids (xorshift). */
function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % ENTITIES;
  };
}

/** `count` requests of a scenario, each for distinct random entities: their ids and serialized bytes. */
export function scenarioRequests(s: Scenario, count: number): { ids: bigint[][]; bytes: Uint8Array[] } {
  const next = rng(12345 + s.entities * 7 + s.view.features.length);
  const ids: bigint[][] = [];
  const bytes: Uint8Array[] = [];
  const refs = s.view.features.map((f) => `${s.view.name}:${f.name}`);
  for (let r = 0; r < count; r++) {
    const set = new Set<number>();
    while (set.size < s.entities) set.add(next());
    const entityIds = [...set].map(BigInt);
    ids.push(entityIds);
    const req = create(GetOnlineFeaturesRequestSchema, {
      selection: { features: refs },
      entities: {
        item_id: { val: entityIds.map((id) => ({ val: { case: "int64Val" as const, value: id } })) },
      },
    });
    bytes.push(toBinary(GetOnlineFeaturesRequestSchema, req));
  }
  return { ids, bytes };
}

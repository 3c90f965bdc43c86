/**
 * Training-serving skew per row from serving logs: a real server logs what
 * it serves; then online values (after serving, re-served) and offline rows
 * are changed so that a known set of (entity, feature) values differ. The
 * per-row skew (the historical join replayed at each logged request time)
 * must report exactly the set computed here by brute force: the served
 * values taken from the gRPC responses, the offline point-in-time value
 * found by scanning the offline rows in TypeScript. An unchanged window
 * reports 0 differing. On-demand features are compared too: recomputed from
 * the offline point-in-time inputs like GetHistoricalFeatures does, against
 * the value served (the oracle applies the same formula to the brute-force
 * offline inputs); one that needs request data, which the logs do not hold,
 * is reported as not compared.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetOnlineFeaturesRequestSchema,
  GetOnlineFeaturesResponseSchema,
} from "../gen/fstore/v1/feature_service_pb.js";
import { createRawClient } from "../src/fuzz/raw-client.js";
import { computeRowSkew, type RowSkewReport } from "../src/monitoring/index.js";
import { createOnlineStore, writeOnlineRows } from "../src/online/index.js";
import type { FeatureServiceDef, OnDemandFeatureViewDef, RepoDefinitions } from "../src/registry/model.js";
import { serverFeatureLogger } from "../src/server/handlers/online.js";
import { featureView, field, ValueType } from "./support/online-fixtures.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

const MIN = 60_000;
const ENTITIES = 60;
/** Requested ids: [0, ENTITIES + 5); the last 5 are neither online nor offline. */
const REQUESTED = ENTITIES + 5;
const FEATURES = ["x", "n", "color"] as const;
type Feature = (typeof FEATURES)[number];
const described = { description: "", tags: {}, owner: "" };
const base = featureView(
  "obs",
  [field("id", ValueType.INT64)],
  [field("x", ValueType.DOUBLE), field("n", ValueType.INT64), field("color", ValueType.STRING)],
  2 * 3600,
  ["thing"],
);
const obs = { ...base, source: { ...base.source, path: "data/obs" } };
const service: FeatureServiceDef = {
  ...described,
  name: "model",
  projections: [{ featureView: "obs", features: [] }],
  logging: { sampleRate: 1, destination: { path: "model" } },
};
/** On-demand features over obs: y = 2x + 1, big = n > 30 (the test's oracle applies the same). */
const derived: OnDemandFeatureViewDef = {
  ...described,
  name: "derived",
  sources: [{ featureView: "obs", features: ["x", "n"] }],
  requestSchema: [],
  features: [field("y", ValueType.DOUBLE), field("big", ValueType.BOOL)],
  udfSource: `(inputs) => ({
    y: inputs.x.map((x) => (x === null ? null : x * 2 + 1)),
    big: inputs.n.map((n) => (n === null ? null : Number(n) > 30)),
  })`,
};
const yOf = (x: Value) => (x === null ? null : (x as number) * 2 + 1);
const bigOf = (n: Value) => (n === null ? null : Number(n) > 30);
/** Needs request data ("bonus"), which serving logs do not hold: it cannot be replayed. */
const withBonus: OnDemandFeatureViewDef = {
  ...described,
  name: "with_bonus",
  sources: [{ featureView: "obs", features: ["x"] }],
  requestSchema: [field("bonus", ValueType.DOUBLE)],
  features: [field("z", ValueType.DOUBLE)],
  udfSource: `(inputs) => ({ z: inputs.x.map((x, i) => (x === null ? null : x + inputs.bonus[i])) })`,
};
const scored: FeatureServiceDef = {
  ...described,
  name: "scored",
  projections: [
    { featureView: "obs", features: ["x"] },
    { featureView: "derived", features: [] },
    { featureView: "with_bonus", features: [] },
  ],
  logging: { sampleRate: 1, destination: { path: "scored" } },
};
const definitions: RepoDefinitions = {
  entities: [{ ...described, name: "thing", joinKeys: ["id"], valueType: ValueType.INT64 }],
  dataSources: [obs.source],
  featureViews: [obs],
  featureServices: [service, scored],
  onDemandFeatureViews: [derived, withBonus],
};
const COLORS = ["red", "green", "blue", "amber"];

interface OfflineRow {
  id: number;
  ts: number;
  x: number;
  n: bigint;
  color: string;
}
type Value = number | bigint | string | null;

let t: TestServer;
let repo: string;
let registry: ReturnType<typeof createMemoryRegistry>;
let db: DuckDBInstance;
const offlineRows: OfflineRow[] = [];
let t0 = 0;

async function writeOffline(file: string, rows: OfflineRow[]): Promise<void> {
  offlineRows.push(...rows);
  const c = await db.connect();
  const values = rows
    .map(
      (r) =>
        `(${r.id}::BIGINT, ${r.x}::DOUBLE, ${r.n}::BIGINT, '${r.color}', make_timestamp(${r.ts * 1000}::BIGINT))`,
    )
    .join(", ");
  await c.run(
    `COPY (SELECT * FROM (VALUES ${values}) v(id, x, n, color, event_timestamp)) TO '${join(repo, "data/obs", file)}' (FORMAT parquet)`,
  );
  c.closeSync();
}

async function writeOnline(rows: { id: number; ts: number; x: number; n: bigint; color: string }[]) {
  const store = createOnlineStore(t.config);
  for (const r of rows) {
    await writeOnlineRows(store, obs, [
      { entityKey: [BigInt(r.id)], eventTimeUs: r.ts * 1000, values: [r.x, r.n, r.color] },
    ]);
  }
  await store.close();
}

/** Serves every requested id once; per feature, id -> the value served (null unless PRESENT/NULL_VALUE). */
async function serveAll(): Promise<{ served: Map<Feature, Map<number, Value>>; at: number }> {
  const raw = createRawClient(t.address);
  const served = new Map<Feature, Map<number, Value>>(FEATURES.map((f) => [f, new Map()]));
  const at = Date.now();
  try {
    for (let from = 0; from < REQUESTED; from += 13) {
      const ids = Array.from({ length: 13 }, (_, k) => from + k);
      const r = await raw.call(
        "GetOnlineFeatures",
        toBinary(
          GetOnlineFeaturesRequestSchema,
          create(GetOnlineFeaturesRequestSchema, {
            selection: { featureServices: ["model"] },
            entities: {
              id: { val: ids.map((i) => ({ val: { case: "int64Val" as const, value: BigInt(i) } })) },
            },
          }),
        ),
      );
      expect(r.code).toBe(0);
      const response = fromBinary(GetOnlineFeaturesResponseSchema, r.messages[0] as Uint8Array);
      FEATURES.forEach((f, k) => {
        const column = response.results[k + 1];
        ids.forEach((id, row) => {
          const status = column?.statuses[row];
          const v = column?.values[row]?.val;
          const value = status === 1 || status === 2 ? ((v?.value as Value | undefined) ?? null) : null;
          served.get(f)?.set(id, value);
        });
      });
    }
  } finally {
    raw.close();
  }
  return { served, at };
}

/** The offline point-in-time value at `at` (latest row at or before it, within the 2 h ttl), by brute force. */
function offlineAt(id: number, at: number, f: Feature): Value {
  let best: OfflineRow | undefined;
  for (const r of offlineRows) {
    if (r.id !== id || r.ts > at || r.ts < at - 2 * 3600_000) continue;
    if (!best || r.ts > best.ts) best = r;
  }
  return best ? best[f] : null;
}

/** Per feature, the ids whose served value differs from the offline one. */
function expectedDiffering(served: Map<Feature, Map<number, Value>>, at: number): Map<Feature, number[]> {
  return new Map(
    FEATURES.map((f) => {
      const ids: number[] = [];
      for (const [id, value] of served.get(f) ?? []) {
        const offline = offlineAt(id, at, f);
        if (value !== offline && !(typeof value === "bigint" && value === BigInt(offline ?? -1)))
          ids.push(id);
      }
      return [f, ids.sort((a, b) => a - b)];
    }),
  );
}

function reportedDiffering(report: RowSkewReport): Map<Feature, number[]> {
  return new Map(
    FEATURES.map((f) => {
      const feature = report.features.find((x) => x.feature === `obs:${f}`);
      const ids = (feature?.examples ?? []).map((e) => Number(e.entityKey.id));
      expect(ids.length).toBe(feature?.differing);
      return [f, ids.sort((a, b) => a - b)];
    }),
  );
}

async function rowSkew(
  start: Date,
  end: Date,
  maxDiffering = 0,
  featureService = "model",
): Promise<RowSkewReport> {
  const connection = await db.connect();
  try {
    return await computeRowSkew(
      { connection, db, snapshot: registry.snapshot(), repoPath: repo, logDir: t.config.offlineStore.logDir },
      { featureService, start, end, examples: null, maxDiffering },
    );
  } finally {
    connection.closeSync();
  }
}

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), "fstore-rowskew-"));
  mkdirSync(join(repo, "data/obs"), { recursive: true });
  db = await DuckDBInstance.create(":memory:");
  const config = testConfig(repo, {
    online_store: { type: "sqlite", path: "data/online.db" },
    feature_logging: { write_to_disk_interval_secs: 3600 },
  });
  registry = createMemoryRegistry(config.project, definitions);
  t = await startTestServer({ config, registry });
  t0 = Date.now() - 10 * MIN;
  const current = Array.from({ length: ENTITIES }, (_, i) => ({
    id: i,
    ts: t0,
    x: ((i * 37) % 101) + 0.25,
    n: BigInt(i * 3),
    color: COLORS[i % 4] as string,
  }));
  // An older row per entity with other values: the join must take the latest one.
  const older = current.map((r) => ({ ...r, ts: t0 - 50 * MIN, x: r.x + 1000, n: r.n + 7n, color: "old" }));
  await writeOffline("part-0.parquet", [...older, ...current]);
  await writeOnline(current); // materialized: online = the latest offline row
});
afterAll(async () => {
  await t?.shutdown();
  db?.closeSync();
});

describe("training-serving skew per row from serving logs", () => {
  it("reports 0 differing when served as offline, and exactly the planted differences after changes", async () => {
    // Window 1: served as materialized.
    const start1 = new Date();
    const first = await serveAll();
    await serverFeatureLogger(t.server.deps).rotate();
    const end1 = new Date();
    const unchanged = await rowSkew(start1, end1);
    expect(unchanged.rows).toBe(REQUESTED);
    expect(unchanged.features.map((f) => f.feature)).toEqual(["obs:x", "obs:n", "obs:color"]);
    for (const f of unchanged.features) {
      expect(f.compared).toBe(REQUESTED);
      expect(f.differing).toBe(0);
      expect(f.verdict).toBe("ok");
    }
    expect(unchanged.verdict).toBe("ok");
    for (const ids of expectedDiffering(first.served, first.at).values()) expect(ids).toEqual([]);

    // Changes after serving: online x of ids % 7 == 3, online color of ids % 11 == 5 ...
    await new Promise((r) => setTimeout(r, 5));
    const changedAt = Date.now();
    await writeOnline(
      Array.from({ length: ENTITIES }, (_, i) => ({
        id: i,
        ts: t0,
        x: ((i * 37) % 101) + 0.25 + (i % 7 === 3 ? 0.5 : 0),
        n: BigInt(i * 3),
        color: i % 11 === 5 ? "violet" : (COLORS[i % 4] as string),
      })),
    );
    // ... and a new offline row for ids % 13 == 4 (n changed; x, color as before), stamped before
    // window 2's requests and after window 1's, so only window 2 sees it.
    const planted = Array.from({ length: ENTITIES }, (_, i) => i).filter((i) => i % 13 === 4);
    await writeOffline(
      "part-1.parquet",
      planted.map((i) => ({
        id: i,
        ts: changedAt,
        x: ((i * 37) % 101) + 0.25,
        n: 9999n,
        color: COLORS[i % 4] as string,
      })),
    );
    await new Promise((r) => setTimeout(r, 5));
    const start2 = new Date();
    const second = await serveAll();
    await serverFeatureLogger(t.server.deps).rotate();
    const end2 = new Date();

    const report = await rowSkew(start2, end2);
    const expected = expectedDiffering(second.served, second.at);
    const ids = Array.from({ length: ENTITIES }, (_, i) => i);
    // The oracle agrees with what was planted.
    expect(expected.get("x")).toEqual(ids.filter((i) => i % 7 === 3));
    expect(expected.get("color")).toEqual(ids.filter((i) => i % 11 === 5));
    expect(expected.get("n")).toEqual(planted);
    expect(reportedDiffering(report)).toEqual(expected);
    for (const f of report.features) {
      const n = expected.get(f.feature.slice(4) as Feature)?.length ?? 0;
      expect(f.compared).toBe(REQUESTED);
      expect(f.differing).toBe(n);
      expect(f.differingShare).toBeCloseTo(n / REQUESTED, 12);
      expect(f.missingOnline + f.missingOffline).toBe(0);
    }
    expect(report.verdict).toBe("alert");
    // An example holds the served and offline values and the request time.
    const n = report.features.find((f) => f.feature === "obs:n")?.examples[0];
    expect(n?.entityKey).toEqual({ id: String(planted[0]) });
    expect(String(n?.served)).toBe(String((planted[0] as number) * 3));
    expect(String(n?.offline)).toBe("9999");
    expect(n?.servedStatus).toBe(1);
    const when = Date.parse(n?.logTimestamp ?? "");
    expect(when).toBeGreaterThanOrEqual(start2.getTime());
    expect(when).toBeLessThanOrEqual(end2.getTime());

    // A threshold above every share: no alert.
    expect((await rowSkew(start2, end2, 0.2)).verdict).toBe("ok");
    // Window 1 is unchanged by the later offline row (point in time at each request) but sees
    // nothing of the online change (served before it): still 0 differing.
    const again = await rowSkew(start1, end1);
    for (const f of again.features) expect(f.differing).toBe(0);

    // A window without logs: nothing compared, no alert.
    const empty = await rowSkew(new Date(Date.now() + 3600_000), new Date(Date.now() + 7200_000));
    expect(empty.rows).toBe(0);
    for (const f of empty.features) expect([f.compared, f.differing, f.differingShare]).toEqual([0, 0, 0]);
    expect(empty.verdict).toBe("ok");
  });
});

describe("per-row skew of on-demand features", () => {
  /** Serves "scored" for every requested id; per served column name, id -> value (null unless PRESENT/NULL_VALUE). */
  async function serveScored(): Promise<{ served: Map<string, Map<number, Value | boolean>>; at: number }> {
    const raw = createRawClient(t.address);
    const served = new Map<string, Map<number, Value | boolean>>();
    const at = Date.now();
    try {
      for (let from = 0; from < REQUESTED; from += 13) {
        const ids = Array.from({ length: 13 }, (_, k) => from + k);
        const r = await raw.call(
          "GetOnlineFeatures",
          toBinary(
            GetOnlineFeaturesRequestSchema,
            create(GetOnlineFeaturesRequestSchema, {
              selection: { featureServices: ["scored"] },
              entities: {
                id: { val: ids.map((i) => ({ val: { case: "int64Val" as const, value: BigInt(i) } })) },
              },
              requestContext: {
                bonus: { val: ids.map((i) => ({ val: { case: "doubleVal" as const, value: i / 4 } })) },
              },
            }),
          ),
        );
        expect(r.code).toBe(0);
        const response = fromBinary(GetOnlineFeaturesResponseSchema, r.messages[0] as Uint8Array);
        const names = response.metadata?.featureNames?.val ?? [];
        names.forEach((name, k) => {
          const column = response.results[k];
          const byId = served.get(name) ?? new Map<number, Value | boolean>();
          served.set(name, byId);
          ids.forEach((id, row) => {
            const status = column?.statuses[row];
            const v = column?.values[row]?.val;
            const value = v === undefined || v.case === "nullVal" ? null : (v.value as Value | boolean);
            byId.set(id, status === 1 || status === 2 ? value : null);
          });
        });
      }
    } finally {
      raw.close();
    }
    return { served, at };
  }

  it("compares each served on-demand value with the one computed from the offline point-in-time inputs", async () => {
    // The state the first test left: online x changed for ids % 7 == 3 (offline not), offline n changed
    // for ids % 13 == 4 (online not). So y = 2x + 1 differs where x does, big = n > 30 where n crosses 30.
    const start = new Date();
    const { served, at } = await serveScored();
    await serverFeatureLogger(t.server.deps).rotate();
    const end = new Date();
    expect([...served.keys()]).toEqual(["id", "x", "y", "big", "z"]);

    const expected = (name: "x" | "y" | "big") => {
      const ids: number[] = [];
      for (const [id, value] of served.get(name) ?? []) {
        const offline =
          name === "x"
            ? offlineAt(id, at, "x")
            : name === "y"
              ? yOf(offlineAt(id, at, "x"))
              : bigOf(offlineAt(id, at, "n"));
        if (value !== offline) ids.push(id);
      }
      return ids.sort((a, b) => a - b);
    };
    const ids = Array.from({ length: ENTITIES }, (_, i) => i);
    // The oracle agrees with what was planted.
    expect(expected("x")).toEqual(ids.filter((i) => i % 7 === 3));
    expect(expected("y")).toEqual(ids.filter((i) => i % 7 === 3));
    expect(expected("big")).toEqual(ids.filter((i) => i % 13 === 4 && i * 3 <= 30));
    expect(expected("big").length).toBeGreaterThan(0);

    const report = await rowSkew(start, end, 0, "scored");
    expect(report.rows).toBe(REQUESTED);
    expect(report.features.map((f) => f.feature)).toEqual(["obs:x", "derived:y", "derived:big"]);
    expect(report.notCompared).toEqual([
      {
        feature: "with_bonus:z",
        reason: expect.stringContaining('request data "bonus"'),
      },
    ]);
    for (const [feature, name] of [
      ["obs:x", "x"],
      ["derived:y", "y"],
      ["derived:big", "big"],
    ] as const) {
      const f = report.features.find((x) => x.feature === feature);
      const want = expected(name);
      expect(f?.compared).toBe(REQUESTED);
      expect(f?.differing).toBe(want.length);
      expect((f?.examples ?? []).map((e) => Number(e.entityKey.id)).sort((a, b) => a - b)).toEqual(want);
      expect(f?.missingOnline).toBe(0);
      expect(f?.missingOffline).toBe(0);
      expect(f?.verdict).toBe(want.length > 0 ? "alert" : "ok");
    }
    // An example: the served y (from the changed online x) and the y of the offline x.
    const id = ids.filter((i) => i % 7 === 3)[0] as number;
    const example = report.features
      .find((f) => f.feature === "derived:y")
      ?.examples.find((e) => Number(e.entityKey.id) === id);
    expect(example?.served).toBe(served.get("y")?.get(id));
    expect(example?.offline).toBe(yOf(offlineAt(id, at, "x")));
    expect(example?.servedStatus).toBe(1);
  });
});

describe("per-row skew's bad input", () => {
  it("names the unknown service, a threshold outside [0, 1] and a window that ends before it starts", async () => {
    const connection = await db.connect();
    const ctx = {
      connection,
      snapshot: registry.snapshot(),
      repoPath: repo,
      logDir: t.config.offlineStore.logDir,
    };
    try {
      await expect(computeRowSkew(ctx, { featureService: "nope" })).rejects.toMatchObject({
        code: "NOT_FOUND",
        message: expect.stringContaining('feature service "nope"'),
      });
      await expect(computeRowSkew(ctx, { featureService: "model", maxDiffering: 2 })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("from 0 to 1, got 2"),
      });
      await expect(
        computeRowSkew(ctx, { featureService: "model", start: new Date(2000), end: new Date(1000) }),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("starts after") });
    } finally {
      connection.closeSync();
    }
  });
});

/**
 * The SQLite store's write of encoded batches, from batches built here and
 * from row objects (`writeOnlineRows`, as Push does), against an independent
 * oracle: the same sequence of batches written both ways leaves the same
 * stored bytes and the same counts, and what is stored is, per entity, the
 * row the oracle picks (latest event time; a tie goes to the later write). A
 * newer row written by Push survives an older materialized batch.
 * Batches are built with the row encoders (`createEntityKeyEncoder`,
 * `encodePackedRows`), independently of the DuckDB chunk encoder.
 */
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createEntityKeyEncoder } from "../src/online/entity-key.js";
import { createOnlineStore, type OnlineStore, readStoredRows, writeOnlineRows } from "../src/online/index.js";
import type { EncodedRows, OnlineRow } from "../src/online/online-store.js";
import { encodePackedRows } from "../src/online/packed-row.js";
import type { FeatureViewDef } from "../src/registry/model.js";
import { featureView, field, repoConfig, sqliteStoreConfig, ValueType } from "./support/online-fixtures.js";

// Two join keys, one a string (longer than a DuckDB inline string), so key bytes and the
// project suffix are checked beyond a fixed-width key.
const stats = featureView(
  "driver_stats",
  [field("driver_id", ValueType.INT64), field("city", ValueType.STRING)],
  [field("rate", ValueType.DOUBLE), field("trips", ValueType.INT64), field("tag", ValueType.STRING)],
);

const cityOf = (id: number) => `city-number-${id % 7}-of-the-region`;

function row(id: number, ms: number, tag: string): OnlineRow {
  return {
    entityKey: [BigInt(id), cityOf(id)],
    eventTimeUs: ms * 1000,
    values: [id / 8, BigInt(id * 3), tag],
  };
}

/** An encoded batch of `rows` made by the row encoders (keys without the project). */
function encoded(view: FeatureViewDef, rows: OnlineRow[]): EncodedRows {
  const encodeKey = createEntityKeyEncoder(view.entityColumns);
  const keys = rows.map((r) => encodeKey(r.entityKey));
  const packed = encodePackedRows(view, rows);
  const ends = (parts: Buffer[]) => {
    const out = new Uint32Array(parts.length);
    let at = 0;
    parts.forEach((p, i) => {
      at += p.length;
      out[i] = at;
    });
    return out;
  };
  return {
    count: rows.length,
    keys: Buffer.concat(keys),
    keyEnds: ends(keys),
    rows: Buffer.concat(packed),
    rowEnds: ends(packed),
    eventTimesUs: Float64Array.from(rows, (r) => r.eventTimeUs),
  };
}

/** Every stored (view, key, event time, row) of a SQLite file, in key order, read with SQLite itself. */
function dump(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db
        .prepare(
          "SELECT view, hex(entity_key), event_ts, hex(row) FROM online_rows ORDER BY view, entity_key",
        )
        .raw()
        .all() as unknown[][]
    ).map((r) => r.join("|"));
  } finally {
    db.close();
  }
}

function pathOf(config: ReturnType<typeof sqliteStoreConfig>): string {
  if (config.type !== "sqlite") throw new Error("a SQLite store config");
  return config.path;
}

/** A deterministic shuffle (so batches are not in key order). */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("SQLite bulk writes (write of encoded batches)", () => {
  it("stores what writeOnlineRows stores, batch after batch, and what the oracle picks", async () => {
    const rowsConfig = sqliteStoreConfig();
    const encodedConfig = sqliteStoreConfig();
    const byRows = createOnlineStore(repoConfig(rowsConfig, "p_sqlite"));
    const byEncoded = createOnlineStore(repoConfig(encodedConfig, "p_sqlite"));
    try {
      const ids = Array.from({ length: 3000 }, (_, i) => i + 1);
      // Batches over overlapping entities with older, newer and equal event times (and rows
      // repeated inside a batch), the order shuffled; the oracle keeps the latest, ties to the later write.
      const batches: OnlineRow[][] = [
        shuffled(
          ids.map((id) => row(id, 2_000 + (id % 5) * 10, "first")),
          1,
        ),
        shuffled(
          ids.filter((id) => id % 2 === 0).map((id) => row(id, 2_000 + (id % 3) * 20, "second")),
          2,
        ),
        shuffled(
          [...ids.filter((id) => id % 3 === 0), ...ids.filter((id) => id % 6 === 0)].map((id, i) =>
            row(id, 1_990 + (id % 4) * 15, `third-${i}`),
          ),
          3,
        ),
        ids.slice(0, 50).map((id) => row(id, 1_000, "old")),
      ];
      const oracle = new Map<number, { ms: number; tag: string }>();
      for (const batch of batches) {
        const want = { written: 0, skippedStale: 0 };
        for (const r of batch) {
          const id = Number(r.entityKey[0]);
          const ms = r.eventTimeUs / 1000;
          const prev = oracle.get(id);
          if (!prev || ms >= prev.ms) {
            oracle.set(id, { ms, tag: r.values[2] as string });
            want.written++;
          } else want.skippedStale++;
        }
        const a = await writeOnlineRows(byRows, stats, batch);
        const b = await byEncoded.write(stats, encoded(stats, batch));
        expect(a).toEqual(want);
        expect(b).toEqual(want);
        expect(dump(pathOf(encodedConfig))).toEqual(dump(pathOf(rowsConfig)));
      }
      // Read back through the ordinary read path (keys built with the project there).
      const [got] = await readStoredRows(byEncoded, [
        { view: stats, features: ["tag"], entityKeys: ids.map((id) => [BigInt(id), cityOf(id)]) },
      ]);
      expect(got?.map((r) => r && [r.eventTimeUs / 1000, r.values.get("tag")])).toEqual(
        ids.map((id) => [oracle.get(id)?.ms, oracle.get(id)?.tag]),
      );
      expect(await byEncoded.write(stats, encoded(stats, []))).toEqual({
        written: 0,
        skippedStale: 0,
      });
    } finally {
      await byRows.close();
      await byEncoded.close();
    }
  });

  it("never writes an older encoded row over a newer row written by the row path (Push)", async () => {
    const store: OnlineStore = createOnlineStore(repoConfig(sqliteStoreConfig(), "p_push"));
    try {
      await writeOnlineRows(store, stats, [row(1, 5_000, "pushed"), row(2, 5_000, "pushed")]);
      expect(
        await store.write(
          stats,
          encoded(stats, [row(1, 4_999, "older"), row(2, 5_000, "tie"), row(3, 1, "new")]),
        ),
      ).toEqual({ written: 2, skippedStale: 1 });
      const [got] = await readStoredRows(store, [
        { view: stats, features: ["tag"], entityKeys: [1, 2, 3].map((id) => [BigInt(id), cityOf(id)]) },
      ]);
      expect(got?.map((r) => r?.values.get("tag"))).toEqual(["pushed", "tie", "new"]);
    } finally {
      await store.close();
    }
  });
});

/**
 * A stream view's online tiles built from its raw events in DuckDB
 * (`tileBuildSql`), streamed chunk by chunk and grouped per entity into the
 * tile model of src/streaming, then encoded as the view's online rows in
 * batches of entities, for `store.write(tileStorageView(view), rows)`.
 */
import type { DuckDBConnection, DuckDBType } from "@duckdb/node-api";
import { failedPrecondition } from "../errors/index.js";
import { fromDuckDbError } from "../offline/duckdb-errors.js";
import { sqlTypeOf } from "../offline/duckdb-types.js";
import { quoteString } from "../offline/sql-text.js";
import type { EncodedRows, EntityKeyValues } from "../online/online-store.js";
import type { FeatureViewDef } from "../registry/model.js";
import { isStreamView } from "../registry/model.js";
import type { EntityTiles } from "../streaming/index.js";
import {
  COLUMN_SLOTS,
  emptyEntityTiles,
  encodeTileRows,
  SLOT_LAST_C,
  SLOT_LAST_T,
  SLOT_LAST_V,
  SLOT_MAX,
  SLOT_MIN,
  SLOT_SUM,
  TILE_HEAD,
  tileFor,
  tileLayoutOf,
} from "../streaming/index.js";
import { tileBuildSql } from "./tile-build-sql.js";

export interface TileBuildOptions {
  /** The raw events' Parquet files (listed once, so the read is consistent). */
  files: readonly string[];
  /** Entities with an event in [start, end] are rebuilt from their events up to `end`. */
  start: Date;
  end: Date;
  /** Entities per batch. */
  batchSize: number;
  signal?: AbortSignal | undefined;
}

/** Batches of encoded tile rows; `rowsRead` counts the tiles read. */
export async function* readTileBatches(
  conn: DuckDBConnection,
  view: FeatureViewDef,
  options: TileBuildOptions,
): AsyncGenerator<{ batch: EncodedRows; rowsRead: number }> {
  if (!isStreamView(view)) throw new Error(`not a stream view: ${view.name}`);
  if (options.files.length === 0) return;
  const layout = tileLayoutOf(view);
  const stream = view.source;
  const source = stream.batchSource;
  const scan = `read_parquet([${options.files.map(quoteString).join(", ")}], union_by_name = true)`;
  const context = `stream feature view "${view.name}": raw events of stream source "${stream.name}"`;
  let types: Map<string, DuckDBType>;
  try {
    const r = await conn.run(`SELECT * FROM ${scan} LIMIT 0`);
    types = new Map(r.columnNames().map((n, i) => [n, r.columnTypes()[i] as DuckDBType]));
  } catch (err) {
    throw fromDuckDbError(err, context);
  }
  const need = (column: string, what: string) => {
    const type = types.get(column);
    if (!type) throw failedPrecondition(`${context} has no column "${column}" for ${what}`);
    return type;
  };
  const created = source.createdTimestampColumn;
  const sql = tileBuildSql({
    scan,
    keys: view.entityColumns.map((k) => {
      need(k.name, `join key "${k.name}"`);
      return { name: k.name, column: k.name, sqlType: sqlTypeOf(k.dtype) };
    }),
    timestamp: { column: stream.timestampField, type: need(stream.timestampField, "the event time") },
    created:
      created && types.has(created) ? { column: created, type: types.get(created) as DuckDBType } : null,
    columns: layout.columns.map((c) => {
      need(c, `aggregated column "${c}"`);
      return c;
    }),
    series: layout.series.map((s) => ({ slideUs: BigInt(s.slideUs), maxWindowUs: BigInt(s.maxWindowUs) })),
    startUs: BigInt(options.start.getTime()) * 1000n,
    endUs: BigInt(options.end.getTime()) * 1000n,
  });
  const nKeys = view.entityColumns.length;
  const nCols = layout.columns.length;
  let entries: { entityKey: EntityKeyValues; tiles: EntityTiles }[] = [];
  let current: { entityKey: EntityKeyValues; tiles: EntityTiles; id: string } | undefined;
  let rowsRead = 0;
  let result: Awaited<ReturnType<DuckDBConnection["stream"]>>;
  try {
    result = await conn.stream(sql);
  } catch (err) {
    throw fromDuckDbError(err, context);
  }
  const num = (x: unknown) => Number(x as number | bigint);
  for (;;) {
    if (options.signal?.aborted) return;
    let chunk: Awaited<ReturnType<typeof result.fetchChunk>>;
    try {
      chunk = await result.fetchChunk();
    } catch (err) {
      throw fromDuckDbError(err, context);
    }
    if (!chunk || chunk.rowCount === 0) break;
    for (const row of chunk.getRows()) {
      rowsRead++;
      const key = row.slice(0, nKeys) as EntityKeyValues;
      const id = JSON.stringify(key, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
      if (!current || current.id !== id) {
        if (current) entries.push(current);
        if (entries.length >= options.batchSize) {
          yield { batch: encodeTileRows(view, entries), rowsRead };
          rowsRead = 0;
          entries = [];
        }
        const tiles = emptyEntityTiles(layout);
        tiles.newestUs = num(row[nKeys + 3]);
        current = { entityKey: key, tiles, id };
      }
      const tile = tileFor(layout, current.tiles, num(row[nKeys]), num(row[nKeys + 1]));
      tile[1] = num(row[nKeys + 2]);
      for (let c = 0; c < nCols; c++) {
        const at = nKeys + 4 + c * 6;
        const o = TILE_HEAD + c * COLUMN_SLOTS;
        tile[o + SLOT_SUM] = num(row[at]);
        tile[o + SLOT_MIN] = num(row[at + 1]);
        tile[o + SLOT_MAX] = num(row[at + 2]);
        tile[o + SLOT_LAST_T] = num(row[at + 3]);
        tile[o + SLOT_LAST_C] = num(row[at + 4]);
        tile[o + SLOT_LAST_V] = num(row[at + 5]);
      }
    }
  }
  if (current) entries.push(current);
  if (entries.length > 0) yield { batch: encodeTileRows(view, entries), rowsRead };
}

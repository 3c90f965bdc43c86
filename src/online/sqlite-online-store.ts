/**
 * The embedded online store: one SQLite file (WAL, synchronous NORMAL), one
 * table keyed by (view, entity key) holding the packed row, so a read is one
 * indexed lookup per entity and view. The older-over-newer rule is in the
 * upsert itself, on `event_ts` in µs since the epoch. A batch in key order
 * (materialization sends rows in stored-key byte order) inserts sequentially
 * into the B-tree, each page written about once; random keys into a table
 * larger than the page cache rewrote a page per row. (Scheduled runs take
 * their lease in the registry, `registry/lease.ts`; an `online_locks` table
 * that earlier versions made is left unused.)
 *
 * `PRAGMA user_version` is the file's format: 0 held `event_ts` in ms (its
 * packed rows are version 1, still read); opening such a file converts its
 * `event_ts` to µs once, in one transaction, so the rule compares old and new
 * rows alike.
 */

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { FstoreError, unavailable } from "../errors/index.js";
import type { FeatureViewDef } from "../registry/model.js";
import {
  createEntityKeyEncoder,
  deserializeEntityKey,
  type EntityKeyEncoder,
  projectOfStoredKey,
} from "./entity-key.js";
import type { EncodedRows, EntityKeyValues, OnlineStore, ViewLookup, WriteResult } from "./online-store.js";

export interface SqliteOnlineStoreOptions {
  project: string;
  /** Absolute path of the database file (created with its folder if missing). */
  path: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS online_rows (
  view TEXT NOT NULL,
  entity_key BLOB NOT NULL,
  event_ts REAL NOT NULL,
  row BLOB NOT NULL,
  PRIMARY KEY (view, entity_key)
) WITHOUT ROWID;
`;

/** The file format this code writes (`user_version`): `event_ts` in µs. */
const FORMAT_VERSION = 2;

/** Keys per `IN (...)` lookup (well below SQLite's parameter limit). */
const IN_CHUNK = 200;

/** Opens (creating if needed) the SQLite online store at `options.path`. */
export function createSqliteOnlineStore(options: SqliteOnlineStoreOptions): OnlineStore {
  return new SqliteOnlineStore(options);
}

class SqliteOnlineStore implements OnlineStore {
  readonly type = "sqlite" as const;
  readonly #db: Database.Database;
  readonly #project: string;
  readonly #encoders = new WeakMap<FeatureViewDef, EntityKeyEncoder>();
  readonly #upsert: Database.Statement;
  readonly #get: Database.Statement;
  readonly #getManyCache = new Map<number, Database.Statement>();
  readonly #writeMany: (view: string, batch: EncodedRows) => number;
  /** The project's bytes, which end every stored entity key. */
  readonly #suffix: Buffer;

  constructor(o: SqliteOnlineStoreOptions) {
    this.#project = o.project;
    this.#suffix = Buffer.from(o.project, "utf8");
    mkdirSync(dirname(o.path), { recursive: true });
    try {
      this.#db = new Database(o.path);
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = NORMAL");
      this.#db.pragma("busy_timeout = 5000");
      // Projects can share a file: a view's rows of this project are those whose keys end with it.
      this.#db.function("key_project", { deterministic: true }, (key) =>
        Buffer.isBuffer(key) ? (projectOfStoredKey(key) ?? null) : null,
      );
      this.#db.exec(SCHEMA);
      this.#db
        .transaction(() => {
          const format = this.#db.pragma("user_version", { simple: true }) as number;
          if (format >= FORMAT_VERSION) return;
          this.#db.exec("UPDATE online_rows SET event_ts = event_ts * 1000");
          this.#db.pragma(`user_version = ${FORMAT_VERSION}`);
        })
        .immediate();
    } catch (err) {
      throw sqliteError(err, `open ${o.path}`);
    }
    this.#upsert = this.#db.prepare(
      `INSERT INTO online_rows (view, entity_key, event_ts, row) VALUES (?, ?, ?, ?)
       ON CONFLICT (view, entity_key) DO UPDATE SET event_ts = excluded.event_ts, row = excluded.row
       WHERE excluded.event_ts >= online_rows.event_ts`,
    );
    this.#get = this.#db.prepare("SELECT row FROM online_rows WHERE view = ? AND entity_key = ?").pluck();
    // One transaction per batch; each key is its bytes plus the project, built in one scratch
    // buffer that SQLite copies when binding.
    this.#writeMany = this.#db.transaction((view: string, b: EncodedRows) => {
      const suffix = this.#suffix;
      let scratch = Buffer.allocUnsafe(256);
      let written = 0;
      let k0 = 0;
      let r0 = 0;
      for (let i = 0; i < b.count; i++) {
        const k1 = b.keyEnds[i] as number;
        const r1 = b.rowEnds[i] as number;
        const keyLength = k1 - k0 + suffix.length;
        if (keyLength > scratch.length) scratch = Buffer.allocUnsafe(keyLength * 2);
        b.keys.copy(scratch, 0, k0, k1);
        suffix.copy(scratch, k1 - k0);
        written += this.#upsert.run(
          view,
          scratch.subarray(0, keyLength),
          b.eventTimesUs[i] as number,
          b.rows.subarray(r0, r1),
        ).changes;
        k0 = k1;
        r0 = r1;
      }
      return written;
    });
  }

  #encoder(view: FeatureViewDef): EntityKeyEncoder {
    let e = this.#encoders.get(view);
    if (!e) {
      e = createEntityKeyEncoder(view.entityColumns, this.#project);
      this.#encoders.set(view, e);
    }
    return e;
  }

  /** One transaction per batch, the older-over-newer rule in the upsert (ties go to the incoming row). */
  async write(view: FeatureViewDef, batch: EncodedRows): Promise<WriteResult> {
    if (batch.count === 0) return { written: 0, skippedStale: 0 };
    let written: number;
    try {
      written = this.#writeMany(view.name, batch);
    } catch (err) {
      throw sqliteError(err, "write");
    }
    return { written, skippedStale: batch.count - written };
  }

  async read(lookups: ViewLookup[]): Promise<(Buffer | undefined)[][]> {
    return lookups.map((l) => this.#rows(l));
  }

  /** The stored packed rows of a lookup's entities (undefined: no row). */
  #rows(l: ViewLookup): (Buffer | undefined)[] {
    try {
      const encode = this.#encoder(l.view);
      if (l.entityKeys.length === 1) {
        return [this.#get.get(l.view.name, encode(l.entityKeys[0] as EntityKeyValues)) as Buffer | undefined];
      }
      // Many keys: one statement per chunk (a single pass of index seeks) instead of one call per key.
      const keys = l.entityKeys.map(encode);
      const out = new Array<Buffer | undefined>(keys.length).fill(undefined);
      const position = new Map<string, number[]>();
      keys.forEach((k, i) => {
        const id = k.toString("latin1");
        const at = position.get(id);
        if (at) at.push(i);
        else position.set(id, [i]);
      });
      for (let start = 0; start < keys.length; start += IN_CHUNK) {
        const chunk = keys.slice(start, start + IN_CHUNK);
        const rows = this.#getMany(chunk.length).all(l.view.name, ...chunk) as [Buffer, Buffer][];
        for (const [key, bytes] of rows) {
          for (const i of position.get(key.toString("latin1")) ?? []) out[i] = bytes;
        }
      }
      return out;
    } catch (err) {
      throw sqliteError(err, "read");
    }
  }

  /** `SELECT ... WHERE view = ? AND entity_key IN (?, ...)` for `n` keys, prepared once per n. */
  #getMany(n: number): Database.Statement {
    let stmt = this.#getManyCache.get(n);
    if (!stmt) {
      stmt = this.#db
        .prepare(
          `SELECT entity_key, row FROM online_rows WHERE view = ? AND entity_key IN (${new Array(n).fill("?").join(",")})`,
        )
        .raw();
      this.#getManyCache.set(n, stmt);
    }
    return stmt;
  }

  async sampleEntityKeys(view: FeatureViewDef, limit: number): Promise<EntityKeyValues[]> {
    const keys = this.#db
      .prepare("SELECT entity_key FROM online_rows WHERE view = ? AND key_project(entity_key) = ? LIMIT ?")
      .pluck()
      .all(view.name, this.#project, Math.max(0, Math.floor(limit))) as Buffer[];
    const suffix = Buffer.byteLength(this.#project, "utf8");
    return keys.map((k) => deserializeEntityKey(view.entityColumns, k.subarray(0, k.length - suffix)));
  }

  async deleteView(view: FeatureViewDef): Promise<void> {
    this.#db
      .prepare("DELETE FROM online_rows WHERE view = ? AND key_project(entity_key) = ?")
      .run(view.name, this.#project);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

/** A busy or locked database is UNAVAILABLE (retryable); anything else passes through as a bug. */
function sqliteError(err: unknown, what: string): Error {
  if (err instanceof FstoreError) return err;
  const code = (err as { code?: string }).code ?? "";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED") || code === "SQLITE_CANTOPEN") {
    return unavailable(`SQLite online store ${what} failed: ${(err as Error).message}`, err);
  }
  return err as Error;
}

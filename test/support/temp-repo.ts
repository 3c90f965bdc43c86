/**
 * Throwaway feature repositories for tests: a temp folder with a
 * feature_store.yaml, TypeScript definition files that `import ... from
 * "fstore"` (a node_modules/fstore link to this checkout), and real Parquet
 * written by DuckDB.
 *
 *   const repo = createTempRepo({ files: { "defs.ts": "..." } });
 *   await repo.writeParquet("data/x.parquet", "SELECT 1::BIGINT AS id, ...");
 *   afterAll(() => repo.cleanup());
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

/** This checkout's root (the `fstore` package). */
export const PROJECT_ROOT = resolve(import.meta.dirname, "..", "..");

/** A minimal config: SQLite registry checked on every snapshot (cache ttl 0), scheduling off. */
export const BASIC_CONFIG = `project: test_project
provider: local
registry:
  path: data/registry.db
  cache_ttl_seconds: 0
online_store:
  type: sqlite
  path: data/online_store.db
materialization:
  schedule: "off"
`;

export interface TempRepo {
  /** Absolute path of the repository folder. */
  path: string;
  /** Writes (or overwrites) a file relative to the repository. */
  write(file: string, content: string): void;
  /** Deletes a file or folder relative to the repository. */
  remove(file: string): void;
  /** Writes the result of a DuckDB `SELECT` as Parquet at `file` (relative to the repository). */
  writeParquet(file: string, select: string): Promise<void>;
  cleanup(): void;
}

export function createTempRepo(options: { config?: string; files?: Record<string, string> } = {}): TempRepo {
  const path = mkdtempSync(join(tmpdir(), "fstore-repo-"));
  // Definition files are ESM TypeScript that import the package by name.
  writeFileSync(join(path, "package.json"), '{ "type": "module", "private": true }\n');
  mkdirSync(join(path, "node_modules"));
  symlinkSync(PROJECT_ROOT, join(path, "node_modules", "fstore"), "dir");
  const write = (file: string, content: string) => {
    mkdirSync(dirname(join(path, file)), { recursive: true });
    writeFileSync(join(path, file), content);
  };
  write("feature_store.yaml", options.config ?? BASIC_CONFIG);
  for (const [file, content] of Object.entries(options.files ?? {})) write(file, content);
  return {
    path,
    write,
    remove: (file) => rmSync(join(path, file), { recursive: true, force: true }),
    writeParquet: async (file, select) => {
      const target = join(path, file);
      mkdirSync(dirname(target), { recursive: true });
      const db = await DuckDBInstance.create(":memory:");
      const connection = await db.connect();
      try {
        await connection.run(`COPY (${select}) TO '${target.replaceAll("'", "''")}' (FORMAT parquet)`);
      } finally {
        connection.closeSync();
        db.closeSync();
      }
    },
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * The registry side of `fstore teardown`: a project's rows leave every table
 * of the registry file that is scoped by project (objects, version,
 * materialization history, leases, monitoring profiles); the file itself goes
 * when no other project is left in it.
 */
import { existsSync, rmSync } from "node:fs";
import Database from "better-sqlite3";
import { onlineStoreIdentity } from "../config/online-store-identity.js";
import type { OnlineStoreConfig, RegistryConfig } from "../config/types.js";
import { failedPrecondition } from "../errors/index.js";
import { PostgresRegistry } from "./postgres-registry.js";

export interface RegistryTeardown {
  /** Projects still in the file (when any, the file was kept). */
  otherProjects: string[];
  /** The registry file was deleted. */
  fileDeleted: boolean;
}

/**
 * Deletes `project` from the registry: from a SQLite file (the file goes when
 * it held nothing else), or from a PostgreSQL database (which stays).
 */
export async function teardownRegistry(
  config: { project: string; registry: RegistryConfig; onlineStore: OnlineStoreConfig },
  project: string = config.project,
): Promise<RegistryTeardown> {
  if (config.registry.registryType === "sql") {
    const registry = await PostgresRegistry.open({
      project,
      registry: config.registry,
      onlineStore: onlineStoreIdentity(config.onlineStore),
    });
    try {
      return { otherProjects: await registry.deleteProject(project), fileDeleted: false };
    } finally {
      await registry.close();
    }
  }
  return teardownSqliteRegistry(config.registry.path, project);
}

/** Deletes `project` from the SQLite registry at `path`, and the file when it held nothing else. */
function teardownSqliteRegistry(path: string, project: string): RegistryTeardown {
  if (!existsSync(path)) return { otherProjects: [], fileDeleted: false };
  let otherProjects: string[];
  const db = new Database(path);
  try {
    db.pragma("busy_timeout = 10000");
    // Every table scoped by project: objects, meta, materialization history, leases, monitoring.
    const present = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    )
      .map((r) => r.name)
      .filter((t) =>
        (db.prepare(`PRAGMA table_info("${t.replaceAll('"', '""')}")`).all() as { name: string }[]).some(
          (c) => c.name === "project",
        ),
      );
    db.transaction(() => {
      for (const table of present) db.prepare(`DELETE FROM "${table}" WHERE project = ?`).run(project);
    }).immediate();
    otherProjects = [
      ...new Set(
        present.flatMap((t) =>
          (db.prepare(`SELECT DISTINCT project FROM "${t}"`).all() as { project: string }[]).map(
            (r) => r.project,
          ),
        ),
      ),
    ].sort();
  } catch (err) {
    throw failedPrecondition(`cannot tear down registry ${path}: ${(err as Error).message}`, err);
  } finally {
    db.close();
  }
  if (otherProjects.length > 0) return { otherProjects, fileDeleted: false };
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  return { otherProjects, fileDeleted: true };
}

import { onlineStoreIdentity } from "../config/online-store-identity.js";
import type { OnlineStoreConfig, RegistryConfig } from "../config/types.js";
import { PostgresRegistry } from "./postgres-registry.js";
import type { Registry } from "./registry.js";
import { SqliteRegistry } from "./sqlite-registry.js";

/**
 * Opens (creating its tables if needed) the project's registry described by a
 * repository config: a SQLite file, or a PostgreSQL database (`registry_type: sql`).
 */
export async function openRegistry(config: {
  project: string;
  registry: RegistryConfig;
  onlineStore: OnlineStoreConfig;
}): Promise<Registry> {
  const options = {
    project: config.project,
    registry: config.registry,
    onlineStore: onlineStoreIdentity(config.onlineStore),
  };
  if (config.registry.registryType === "sql") return PostgresRegistry.open(options);
  return new SqliteRegistry(options);
}

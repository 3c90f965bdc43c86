/**
 * The one online store a server process shares between handlers
 * (GetOnlineFeatures, Materialize, Push, ValidateConsistency, the schedule):
 * opened on first use through the server's resources, closed at shutdown.
 */
import type { RepoConfig } from "../config/types.js";
import { createOnlineStore } from "./create-online-store.js";
import type { OnlineStore } from "./online-store.js";

/** The resource key the shared store is registered under. */
export const ONLINE_STORE_RESOURCE = "online-store";

/** Structural view of the server's `Resources` (so online/ does not depend on server/). */
interface ResourceSet {
  get<T>(key: string, open: () => T, close: (resource: T) => Promise<void> | void): T;
}

/** The process's shared online store for `deps.config`. */
export function sharedOnlineStore(deps: { config: RepoConfig; resources: ResourceSet }): OnlineStore {
  return deps.resources.get(
    ONLINE_STORE_RESOURCE,
    () => createOnlineStore(deps.config),
    (store) => store.close(),
  );
}

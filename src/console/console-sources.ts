/**
 * What the console reads, and who is asking. The console is read only: it
 * takes the same registry, profile store and metrics a server uses, and
 * every builder is given the caller's DESCRIBE decision so that it never
 * shows (or counts) what the caller may not see.
 */
import type { RepoConfig } from "../config/types.js";
import type { ProfileStore } from "../monitoring/index.js";
import type { ProtectedType } from "../permissions/index.js";
import type { Registry } from "../registry/index.js";
import type { ServingSampler } from "./serving-sampler.js";

/**
 * The registry reads the console needs. The registry is becoming
 * asynchronous: the console awaits every read but `snapshot()`.
 */
export type ConsoleRegistry = Pick<
  Registry,
  "snapshot" | "materializationIntervals" | "lastMaterializationRun" | "otherOnlineStores"
>;

export interface ConsoleSources {
  config: RepoConfig;
  registry: ConsoleRegistry;
  /** Profiles and baselines (opened on first use); undefined when the store cannot be opened. */
  profiles: () => ProfileStore | undefined;
  /** The server's serving metrics; undefined when the console runs outside a server (`fstore ui`). */
  serving: ServingSampler | undefined;
  now: () => Date;
}

/**
 * The caller's DESCRIBE decision on one object, or another action's (statistics of a view's data
 * need READ_OFFLINE) (src/server/access-control.ts `describeCheck`).
 */
export type MayDescribe = (
  type: ProtectedType,
  item: { name: string; tags: Readonly<Record<string, string>> },
  action?: "DESCRIBE" | "READ_OFFLINE",
) => boolean;

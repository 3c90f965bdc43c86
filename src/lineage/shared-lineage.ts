/**
 * The lineage services of a process (a server or a CLI command): the store,
 * the pinned-service resolver and the OpenLineage emitter, opened on first
 * use from a resource pool and closed with it.
 */
import type { RepoConfig } from "../config/types.js";
import type { LineageStore } from "./lineage-store.js";
import { createOpenLineageEmitter, type OpenLineageEmitter } from "./openlineage-emitter.js";
import { createPinnedSelectionResolver, type PinnedSelectionResolver } from "./pinned-services.js";
import { openLineageStore } from "./sqlite-lineage-store.js";

export interface Lineage {
  config: RepoConfig;
  store: LineageStore;
  pins: PinnedSelectionResolver;
  openLineage: OpenLineageEmitter;
  /** Where lineage failures that must not fail the work are told (a logger's warn, or stderr). */
  report: (message: string) => void;
}

interface Pool {
  get<T>(key: string, open: () => T, close: (resource: T) => Promise<void> | void): T;
}

export const LINEAGE_RESOURCE = "lineage";

/** Where lineage failures go: `onError` gets the message, `onEmitFailure` counts OpenLineage ones. */
export interface LineageReporting {
  onError?: (message: string) => void;
  onEmitFailure?: (job: string) => void;
}

/** Opens the lineage services of `config` (close them with `closeLineage`). */
export function openLineage(
  config: RepoConfig,
  reporting: LineageReporting | ((message: string) => void) = {},
): Lineage {
  const { onError, onEmitFailure } =
    typeof reporting === "function" ? { onError: reporting, onEmitFailure: undefined } : reporting;
  const store = openLineageStore(config);
  const report = onError ?? ((message: string) => process.stderr.write(`fstore: lineage: ${message}\n`));
  return {
    config,
    store,
    pins: createPinnedSelectionResolver(() => store),
    openLineage: createOpenLineageEmitter(config.openLineage, config.project, {
      onError: report,
      ...(onEmitFailure ? { onFailure: onEmitFailure } : {}),
    }),
    report,
  };
}

export async function closeLineage(lineage: Lineage): Promise<void> {
  await lineage.openLineage.flush();
  await lineage.store.close();
}

/**
 * The pool's lineage services (one per server): failures go to the server's
 * log and OpenLineage failures are counted in its metrics, when it has them.
 */
export function sharedLineage(deps: {
  config: RepoConfig;
  resources: Pool;
  logger?: { warn(message: string): void };
  metrics?: { countOpenLineageFailure(job: string): void };
}): Lineage {
  return deps.resources.get(
    LINEAGE_RESOURCE,
    () =>
      openLineage(deps.config, {
        ...(deps.logger ? { onError: (m: string) => deps.logger?.warn(m) } : {}),
        // Asked on each failure: metrics may be enabled after the resource is opened.
        onEmitFailure: (job: string) => deps.metrics?.countOpenLineageFailure(job),
      }),
    closeLineage,
  );
}

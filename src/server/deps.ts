/**
 * What handlers are given: the repository's config, its registry, a logger,
 * and shared resources (online store, DuckDB, ...) opened on first use and
 * closed once at shutdown.
 */
import type { Logger } from "pino";
import type { RepoConfig } from "../config/types.js";
import type { FstoreMetrics } from "../metrics/fstore-metrics.js";
import type { Registry } from "../registry/registry.js";

export interface ServerDeps {
  config: RepoConfig;
  registry: Registry;
  logger: Logger;
  resources: Resources;
  /** Prometheus metrics, when enabled (metrics.enabled or --metrics-port); handlers record through it. */
  metrics?: FstoreMetrics;
  /** The clock (ms since the epoch) for request times (aggregates as of now); tests inject one. */
  clock?: () => number;
}

type Closer = () => Promise<void> | void;

/** A set of named, lazily opened resources that are closed in reverse order of opening. */
export class Resources {
  readonly #open = new Map<string, unknown>();
  readonly #closers: { key: string; close: Closer }[] = [];

  /** The resource named `key`, opened with `open` the first time it is asked for. */
  get<T>(key: string, open: () => T, close: (resource: T) => Promise<void> | void): T {
    if (this.#open.has(key)) return this.#open.get(key) as T;
    const resource = open();
    this.#open.set(key, resource);
    this.#closers.push({ key, close: () => close(resource) });
    return resource;
  }

  /**
   * Closes every resource, newest first. One failing close does not keep the
   * others open: all are attempted, then the first error is thrown.
   */
  async closeAll(): Promise<void> {
    const closers = this.#closers.splice(0).reverse();
    let firstError: unknown;
    for (const { key, close } of closers) {
      try {
        await close();
      } catch (err) {
        firstError ??= new Error(`closing ${key} failed: ${(err as Error)?.message ?? err}`, { cause: err });
      } finally {
        this.#open.delete(key);
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}

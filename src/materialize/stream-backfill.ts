/**
 * After an apply: the online tiles of the stream views it added or changed
 * (a changed aggregation changes the tile layout, and tiles of another layout
 * are not read), built from their raw events by a Materialize run, so each
 * view is right online before its first live event. Only entities with an
 * event inside the view's longest window (plus a slide) before now have a
 * non-empty window now; older history cannot change a value served from now on.
 */
import type { RepoConfig } from "../config/types.js";
import { openDuckDb } from "../offline/index.js";
import { createOnlineStore } from "../online/create-online-store.js";
import type { FeatureViewDef } from "../registry/model.js";
import { isStreamView } from "../registry/model.js";
import type { PlannedChange, Registry } from "../registry/registry.js";
import { materialize } from "./materialize.js";

/** The online stream views an apply's changes added or changed. */
export function streamViewsToBackfill(
  changes: readonly PlannedChange[],
  views: ReadonlyMap<string, FeatureViewDef>,
): FeatureViewDef[] {
  const out: FeatureViewDef[] = [];
  for (const c of changes) {
    if (c.objectType !== "feature_view" || c.kind === "remove") continue;
    const view = views.get(c.name);
    if (view?.online && isStreamView(view)) out.push(view);
  }
  return out;
}

/** Builds the tiles of `views` (online stream views of `registry`) as of `now`; returns their names. */
export async function backfillStreamViews(
  config: RepoConfig,
  registry: Registry,
  views: readonly FeatureViewDef[],
  now = new Date(),
): Promise<string[]> {
  if (views.length === 0) return [];
  const store = createOnlineStore(config);
  const db = openDuckDb(config.offlineStore.duckdb);
  try {
    for (const view of views) {
      let reachSeconds = 0;
      for (const a of view.aggregations ?? [])
        reachSeconds = Math.max(reachSeconds, a.windowSeconds + a.slideSeconds);
      const start = new Date(now.getTime() - reachSeconds * 1000);
      for await (const _ of materialize(
        { config, registry, onlineStore: store, duckdb: () => db },
        { start, end: now, incremental: false, views: [view.name] },
      )) {
        // Progress is not shown here; the run is recorded like any other.
      }
    }
  } finally {
    await store.close();
    (await db).closeSync();
  }
  return views.map((v) => v.name);
}

/**
 * Where a stored online row came from: the row's event time, read from the
 * online store, and the newest succeeded materialization run into that store
 * whose window holds it (a later run covering the same time rewrites the row
 * from the same offline data, so the newest one is the one to show). A row
 * no run covers was written by Push.
 */
import { failedPrecondition } from "../errors/index.js";
import { readStoredRows } from "../online/online-rows.js";
import type { EntityKeyValues, OnlineStore } from "../online/online-store.js";
import type { FeatureViewDef } from "../registry/model.js";
import type { LineageStore, MaterializationLineage } from "./lineage-store.js";

export interface OnlineRowLineage {
  featureView: string;
  entityKey: EntityKeyValues;
  /** Undefined when the store holds no row for the entity. */
  eventTime?: string;
  /** The run that wrote it; undefined when none covers its event time (pushed, or written before lineage). */
  run?: MaterializationLineage;
  /** Other (older) runs whose window also holds the event time. */
  olderRuns: string[];
}

export async function onlineRowLineage(
  store: LineageStore,
  online: OnlineStore,
  onlineStoreIdentity: string,
  view: FeatureViewDef,
  entityKey: EntityKeyValues,
): Promise<OnlineRowLineage> {
  if (entityKey.length !== view.entityColumns.length) {
    throw failedPrecondition(
      `feature view "${view.name}" is keyed by ${view.entityColumns.length} join key(s)`,
    );
  }
  const [rows] = await readStoredRows(online, [{ view, features: [], entityKeys: [entityKey] }]);
  const row = rows?.[0];
  if (!row) return { featureView: view.name, entityKey, olderRuns: [] };
  const eventTime = new Date(Math.floor(row.eventTimeUs / 1000));
  const runs = await store.materializationsCovering(onlineStoreIdentity, view.name, eventTime);
  return {
    featureView: view.name,
    entityKey,
    eventTime: eventTime.toISOString(),
    ...(runs[0] ? { run: runs[0] } : {}),
    olderRuns: runs.slice(1).map((r) => r.runId),
  };
}

/**
 * What a serving log holds for one feature service: the columns of
 * GetOnlineFeatures' response (join keys, then every feature of the
 * service) and, in the Parquet written, Feast's logging layout: per feature
 * `view__feature`, `view__feature__status` (the FieldStatus number) and
 * `view__feature__timestamp` (the event time served), then `__log_timestamp`
 * (the request time), `__log_date` and `__feature_service_version`. Pure.
 */
import { createHash } from "node:crypto";
import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { canonicalJson } from "../definitions/canonical-json.js";
import { invalidArgument } from "../errors/index.js";
import type { FeatureServiceDef } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";

/** One column of the response as logged: a join key, or a feature with its status and event time. */
export interface LogColumn {
  /** The join key's name, or the feature's full name `view__feature`. */
  name: string;
  dtype: ValueType;
  key: boolean;
  /**
   * Features: the position of the first logged column of the same view. A
   * view's features are read together and served with the same event times,
   * so the times are staged once per view (at that column) and repeated per
   * feature only in the Parquet file. -1 for join keys.
   */
  timesOf: number;
}

/** What the writer needs to log one service's responses (sent to the worker once per schema). */
export interface LogSchema {
  id: number;
  service: string;
  /** `__feature_service_version`: a hash of the service's features and their types. */
  version: string;
  /** Absolute folder the service's Parquet files go into. */
  folder: string;
  columns: LogColumn[];
}

/**
 * The logged columns of `service`'s responses: the response's leading join
 * key columns (whatever their number) and then the service's features in the
 * response's order, named in full whether or not the request asked for full
 * feature names (so every file of a service has the same columns).
 */
export function logColumnsOf(
  snapshot: RegistrySnapshot,
  service: FeatureServiceDef,
  response: readonly { name: string; dtype: ValueType }[],
): LogColumn[] {
  const features: { name: string; view: string }[] = [];
  for (const p of service.projections) {
    const names =
      p.features.length > 0
        ? p.features
        : (
            snapshot.featureViews.get(p.featureView)?.features ??
            snapshot.onDemandFeatureViews.get(p.featureView)?.features ??
            []
          ).map((f) => f.name);
    for (const f of names) {
      const name = `${p.featureView}__${f}`;
      if (!features.some((x) => x.name === name)) features.push({ name, view: p.featureView });
    }
  }
  const keys = response.length - features.length;
  if (keys < 0) {
    throw invalidArgument(
      `feature service "${service.name}": the response has ${response.length} columns, fewer than its ${features.length} features`,
    );
  }
  const firstOfView = new Map<string, number>();
  return response.map((c, i) => {
    if (i < keys) return { name: c.name, dtype: c.dtype, key: true, timesOf: -1 };
    const f = features[i - keys] as { name: string; view: string };
    if (!firstOfView.has(f.view)) firstOfView.set(f.view, i);
    return { name: f.name, dtype: c.dtype, key: false, timesOf: firstOfView.get(f.view) as number };
  });
}

/** A short stable hash of what the service serves (its features and their types; not its logging). */
export function serviceVersionOf(columns: readonly LogColumn[]): string {
  const shape = columns.map((c) => [c.name, c.dtype, c.key]);
  return createHash("sha256").update(canonicalJson(shape)).digest("hex").slice(0, 12);
}

/**
 * What a push names: a push source (every feature view it feeds) or one
 * feature view, with the batch source that keeps its history and the columns
 * a push must carry (pure).
 */
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { failedPrecondition, invalidArgument, notFound } from "../errors/index.js";
import type { FeatureViewDef, FileSourceDef } from "../registry/model.js";
import { batchSourceOf } from "../registry/model.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import { valueTypeName } from "../values/index.js";

/** One column a push carries, by the name users see (after field_mapping). */
export interface PushColumn {
  name: string;
  dtype: ValueType;
  role: "join_key" | "feature" | "timestamp";
}

export interface PushTarget {
  /** The name pushed to. */
  name: string;
  /** Feature views fed by the push, in name order. */
  views: FeatureViewDef[];
  /** Where the offline history lives. */
  batchSource: FileSourceDef;
  /** Expected columns: join keys, features, then the timestamp field. */
  columns: PushColumn[];
}

/** Resolves a push source or feature view name; NOT_FOUND when it names neither. */
export function resolvePushTarget(snap: RegistrySnapshot, name: string): PushTarget {
  const source = snap.dataSources.get(name);
  let views: FeatureViewDef[];
  let batchSource: FileSourceDef;
  if (source?.kind === "push") {
    views = [...snap.featureViews.values()]
      .filter((v) => v.source.kind === "push" && v.source.name === name)
      .sort((a, b) => a.name.localeCompare(b.name));
    if (views.length === 0) {
      throw failedPrecondition(`push source "${name}" feeds no feature view, so its columns are unknown`);
    }
    batchSource = source.batchSource;
  } else {
    const view = snap.featureViews.get(name);
    if (!view) {
      if (source)
        throw invalidArgument(`"${name}" is a file source; push to a push source or a feature view`);
      throw notFound(`no push source or feature view named "${name}"`);
    }
    views = [view];
    batchSource = batchSourceOf(view);
  }
  return { name, views, batchSource, columns: expectedColumns(views, batchSource) };
}

function expectedColumns(views: FeatureViewDef[], source: FileSourceDef): PushColumn[] {
  const byName = new Map<string, PushColumn>();
  const add = (col: PushColumn, owner: string) => {
    const seen = byName.get(col.name);
    if (seen && seen.dtype !== col.dtype) {
      throw failedPrecondition(
        `column "${col.name}" is ${valueTypeName(seen.dtype)} in one view and ${valueTypeName(col.dtype)} in "${owner}"`,
      );
    }
    if (!seen) byName.set(col.name, col);
  };
  for (const v of views)
    for (const k of v.entityColumns) add({ name: k.name, dtype: k.dtype, role: "join_key" }, v.name);
  for (const v of views)
    for (const f of v.features) add({ name: f.name, dtype: f.dtype, role: "feature" }, v.name);
  add({ name: source.timestampField, dtype: ValueType.UNIX_TIMESTAMP, role: "timestamp" }, source.name);
  return [...byName.values()];
}

/**
 * Recording a training set's manifest: the facts of the retrieval (the
 * query, the files the join read, the result) plus what only lineage looks
 * up, the version of every definition used and the file fingerprints.
 */
import { createHash, randomBytes } from "node:crypto";
import { toBinary } from "@bufbuild/protobuf";
import { RepeatedValueSchema } from "../../gen/fstore/v1/value_pb.js";
import type { HistoricalQuery, HistoricalResult } from "../offline/index.js";
import type { FeatureSelection } from "../registry/feature-selection.js";
import type { DatasetManifest, EntityInputRecord, UsedDefinition } from "./dataset-manifest.js";
import { fingerprintFiles } from "./file-fingerprint.js";
import type { LineageStore } from "./lineage-store.js";
import { contentHash, parseVersionedName } from "./object-versions.js";

/** Keys of the manifest in a training set's Parquet key-value metadata. */
export const PARQUET_MANIFEST_KEY = "fstore.lineage.manifest";
export const PARQUET_DATASET_ID_KEY = "fstore.lineage.dataset_id";

export function newDatasetId(): string {
  return `ds-${randomBytes(8).toString("hex")}`;
}

export interface TrainingSetFacts {
  id: string;
  via: DatasetManifest["via"];
  output: DatasetManifest["output"];
  /** The selection as asked (pinned services as "name@N"), before pins were resolved. */
  requested: FeatureSelection;
  query: HistoricalQuery;
  result: HistoricalResult;
  createdAt?: Date;
}

/** The manifest of a retrieval: fingerprints its files and looks up the definitions' versions. */
export async function buildDatasetManifest(
  store: LineageStore,
  facts: TrainingSetFacts,
): Promise<DatasetManifest> {
  const { query, result } = facts;
  const snapshot = query.snapshot;
  const viewFiles = result.inputs.views.map((v) => v.files);
  const all = await fingerprintFiles([...viewFiles.flat(), ...result.inputs.entityFiles]);
  let at = 0;
  const sources = result.inputs.views.map((v) => {
    const files = all.slice(at, at + v.files.length);
    at += v.files.length;
    return { featureView: v.featureView, source: v.source, files };
  });
  const entityFiles = all.slice(at);

  const used: UsedDefinition[] = [];
  const lookup = async (kind: UsedDefinition["kind"], name: string, def: unknown, pinned?: number) => {
    const hash = contentHash(def);
    const version = pinned ?? (await store.versionByHash(kind, name, hash))?.version ?? 0;
    const stored = pinned !== undefined ? await store.version(kind, name, pinned) : undefined;
    used.push({ kind, name, version, contentHash: stored?.contentHash ?? hash });
  };
  for (const v of result.inputs.views) {
    const def = snapshot.featureViews.get(v.featureView);
    if (def) await lookup("feature_view", v.featureView, def);
  }
  for (const ref of facts.requested.kind === "features" ? facts.requested.refs : []) {
    const view = ref.slice(0, Math.max(0, ref.indexOf(":")));
    const odfv = snapshot.onDemandFeatureViews.get(view);
    if (odfv && !used.some((u) => u.kind === "on_demand_feature_view" && u.name === view))
      await lookup("on_demand_feature_view", view, odfv);
  }
  for (const text of facts.requested.kind === "services" ? facts.requested.names : []) {
    const { name, version } = parseVersionedName(text);
    const def = snapshot.featureServices.get(name);
    if (version !== undefined || def) await lookup("feature_service", name, def ?? {}, version);
    for (const p of def?.projections ?? []) {
      const odfv = snapshot.onDemandFeatureViews.get(p.featureView);
      if (odfv && !used.some((u) => u.kind === "on_demand_feature_view" && u.name === p.featureView))
        await lookup("on_demand_feature_view", p.featureView, odfv);
    }
  }

  const e = query.entities;
  let entities: EntityInputRecord;
  if (e.kind === "inline") {
    const hash = createHash("sha256");
    const columns = e.columns instanceof Map ? [...e.columns] : Object.entries(e.columns);
    for (const [name, values] of columns.sort(([a], [b]) => a.localeCompare(b))) {
      hash.update(`${name}\0`);
      hash.update(toBinary(RepeatedValueSchema, values));
    }
    for (const t of e.timestamps) hash.update(`${t.seconds}.${t.nanos};`);
    entities = { kind: "inline", rows: e.timestamps.length, fingerprint: `sha256:${hash.digest("hex")}` };
  } else {
    const micros = (m: bigint | undefined) =>
      m === undefined ? undefined : new Date(Number(m / 1000n)).toISOString();
    const start = micros(e.startMicros);
    const end = micros(e.endMicros);
    entities = {
      kind: "source",
      source: e.kind === "registered" ? e.name : e.source.path,
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
      files: entityFiles,
    };
  }

  return {
    id: facts.id,
    project: snapshot.project,
    createdAt: (facts.createdAt ?? new Date()).toISOString(),
    via: facts.via,
    output: facts.output,
    request: {
      features: facts.requested.kind === "features" ? [...facts.requested.refs] : [],
      featureServices: facts.requested.kind === "services" ? [...facts.requested.names] : [],
      fullFeatureNames: query.fullFeatureNames,
      options: { ...query.options },
    },
    registryVersion: snapshot.version,
    definitions: used,
    sources,
    entities,
    rowCount: result.rowCount,
    matchCounts: result.matchCounts,
    leakageAudit: { violations: result.violations, passed: result.violations === 0 },
    outputPath: result.outputPath,
    columns: result.columns.map((c) => c.name),
  };
}

/** The Parquet key-value metadata carrying a manifest. */
export function manifestKvMetadata(manifest: DatasetManifest): Record<string, string> {
  return { [PARQUET_DATASET_ID_KEY]: manifest.id, [PARQUET_MANIFEST_KEY]: JSON.stringify(manifest) };
}

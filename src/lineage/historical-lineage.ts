/**
 * Lineage around one historical retrieval (RPC or CLI, streamed or Parquet):
 * a dataset id up front, the manifest built from the result (and, for
 * Parquet, embedded in the file before it is written), recorded in the
 * lineage store, and OpenLineage START / COMPLETE / FAIL events.
 */
import { randomUUID } from "node:crypto";
import type { HistoricalQuery, HistoricalResult, WriteHistoricalOptions } from "../offline/index.js";
import type { FeatureSelection } from "../registry/feature-selection.js";
import type { DatasetManifest } from "./dataset-manifest.js";
import { dataset, fileDataset, runEvent } from "./openlineage-events.js";
import type { Lineage } from "./shared-lineage.js";
import { buildDatasetManifest, manifestKvMetadata, newDatasetId } from "./training-set-lineage.js";

export interface HistoricalRun {
  readonly id: string;
  /** For `writeHistorical`: embeds the manifest in the Parquet file. */
  readonly writeOptions: WriteHistoricalOptions;
  /** Records the manifest of the finished retrieval and emits COMPLETE. */
  finish(result: HistoricalResult): Promise<DatasetManifest>;
  /** Emits FAIL (never throws). */
  fail(err: unknown): void;
}

export function startHistoricalRun(
  lineage: Lineage,
  args: {
    via: DatasetManifest["via"];
    output: DatasetManifest["output"];
    requested: FeatureSelection;
    query: HistoricalQuery;
  },
): HistoricalRun {
  const id = newDatasetId();
  const runId = randomUUID();
  const ol = lineage.openLineage;
  const emit = ol.enabled && lineage.config.openLineage.emitOnHistorical;
  const ctx = ol.context;
  const job = "historical_features";
  const views = () =>
    [...new Set(requestedViews(args.requested, args.query))].map((v) => dataset(ctx, ctx.namespace, v));
  if (emit) ol.emit(runEvent(ctx, "START", { runId, job }, views(), []));
  let embedded: DatasetManifest | undefined;
  const build = (result: HistoricalResult) =>
    buildDatasetManifest(lineage.store, {
      id,
      via: args.via,
      output: args.output,
      requested: args.requested,
      query: args.query,
      result,
    });
  return {
    id,
    writeOptions: {
      kvMetadata: async (result) => {
        embedded = await build(result);
        return manifestKvMetadata(embedded);
      },
    },
    async finish(result) {
      const manifest = embedded ?? (await build(result));
      await lineage.store.recordDataset(manifest);
      if (emit) {
        const inputs = [
          ...views(),
          ...manifest.sources.flatMap((s) => s.files.map((f) => fileDataset(ctx, f.path))),
          ...(manifest.entities.files ?? []).map((f) => fileDataset(ctx, f.path)),
        ];
        const fields = result.columns.map((c) => ({ name: c.name, type: c.valueType }));
        const output = result.outputPath
          ? fileDataset(ctx, result.outputPath, fields)
          : dataset(ctx, ctx.namespace, `training_set/${id}`, fields);
        ol.emit(runEvent(ctx, "COMPLETE", { runId, job }, inputs, [output]));
      }
      return manifest;
    },
    fail(err) {
      if (!emit) return;
      const message = err instanceof Error ? err.message : String(err);
      ol.emit(runEvent(ctx, "FAIL", { runId, job, error: message }, views(), []));
    },
  };
}

function requestedViews(selection: FeatureSelection, query: HistoricalQuery): string[] {
  if (selection.kind === "features")
    return selection.refs.map((r) => r.slice(0, Math.max(0, r.indexOf(":"))));
  return selection.names.flatMap(
    (n) =>
      query.snapshot.featureServices.get(n.split("@")[0] as string)?.projections.map((p) => p.featureView) ??
      [],
  );
}

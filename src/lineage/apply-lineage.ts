/**
 * OpenLineage events of `fstore apply`: START, then COMPLETE with the
 * applied feature views as output datasets (with their schema) and their
 * sources' files as inputs, or FAIL with the error.
 */
import { randomUUID } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { batchSourceOf, type FeatureViewDef, type RepoDefinitions } from "../registry/model.js";
import type { PlannedChange } from "../registry/registry.js";
import { dataset, fileDataset, runEvent } from "./openlineage-events.js";
import type { Lineage } from "./shared-lineage.js";

export interface ApplyRun {
  complete(definitions: RepoDefinitions, changes: readonly PlannedChange[]): void;
  fail(err: unknown): void;
}

export function startApplyRun(lineage: Lineage): ApplyRun {
  const ol = lineage.openLineage;
  const emit = ol.enabled && lineage.config.openLineage.emitOnApply;
  const ctx = ol.context;
  const runId = randomUUID();
  const job = "apply";
  if (emit) ol.emit(runEvent(ctx, "START", { runId, job }, [], []));
  return {
    complete(definitions, changes) {
      if (!emit) return;
      const changed = new Set(
        changes.filter((c) => c.kind !== "remove").map((c) => `${c.objectType}/${c.name}`),
      );
      const views = definitions.featureViews;
      const viewDataset = (v: FeatureViewDef) =>
        dataset(
          ctx,
          ctx.namespace,
          v.name,
          [...v.entityColumns, ...v.features].map((f) => ({ name: f.name, type: f.dtype })),
        );
      const inputs = [...new Set(views.map((v) => batchSourceOf(v).path))].map((p) =>
        fileDataset(ctx, isAbsolute(p) ? p : resolve(lineage.config.repoPath, p)),
      );
      const outputs = [
        ...views.map(viewDataset),
        ...[...changed]
          .filter((key) => !key.startsWith("feature_view/"))
          .map((key) => dataset(ctx, ctx.namespace, key)),
      ];
      ol.emit(runEvent(ctx, "COMPLETE", { runId, job }, inputs, outputs));
    },
    fail(err) {
      if (!emit) return;
      ol.emit(
        runEvent(
          ctx,
          "FAIL",
          { runId, job, error: err instanceof Error ? err.message : String(err) },
          [],
          [],
        ),
      );
    },
  };
}

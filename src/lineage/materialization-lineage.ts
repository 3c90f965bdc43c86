/**
 * Lineage of a materialization run of one view: the view's version, the
 * files it read (fingerprinted), its window and outcome, recorded in the
 * lineage store under a run id, plus OpenLineage START / COMPLETE / FAIL.
 *
 * Nothing is added to the rows written: a stored row is traced back to its
 * run by its event time (the newest succeeded run into that store whose
 * window holds it; see online-row-lineage.ts), so the write path costs
 * nothing more.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { FeatureViewDef } from "../registry/model.js";
import type { FileFingerprint } from "./file-fingerprint.js";
import { fingerprintFiles } from "./file-fingerprint.js";
import type { MaterializationLineage } from "./lineage-store.js";
import { contentHash } from "./object-versions.js";
import { dataset, fileDataset, runEvent } from "./openlineage-events.js";
import type { Lineage } from "./shared-lineage.js";

export interface MaterializationRunLineage {
  readonly runId: string;
  /** The files the run is about to read. */
  reading(files: readonly string[]): Promise<void>;
  /** Records the run's end (never throws: a lineage failure is reported through `onError`). */
  finish(
    outcome: MaterializationLineage["outcome"],
    counts: { rowsRead: number; entitiesWritten: number },
    error: string,
  ): Promise<void>;
}

export function startMaterializationLineage(
  lineage: Lineage,
  args: {
    onlineStore: string;
    view: FeatureViewDef;
    start: Date;
    end: Date;
    scheduled: boolean;
  },
): MaterializationRunLineage {
  const runId = `mat-${randomBytes(8).toString("hex")}`;
  const olRunId = randomUUID();
  const startedAt = new Date();
  const ol = lineage.openLineage;
  const emit = ol.enabled && lineage.config.openLineage.emitOnMaterialize;
  const ctx = ol.context;
  const job = `materialize.${args.view.name}`;
  const fields = [...args.view.entityColumns, ...args.view.features].map((f) => ({
    name: f.name,
    type: f.dtype,
  }));
  const output = dataset(
    ctx,
    `${lineage.config.onlineStore.type}://${args.onlineStore}`,
    `${lineage.config.project}.${args.view.name}`,
    fields,
  );
  let files: FileFingerprint[] = [];
  const hash = contentHash(args.view);
  const version = lineage.store.versionByHash("feature_view", args.view.name, hash).catch(() => undefined);
  if (emit)
    ol.emit(
      runEvent(
        ctx,
        "START",
        { runId: olRunId, job, at: startedAt },
        [dataset(ctx, ctx.namespace, args.view.name)],
        [output],
      ),
    );
  return {
    runId,
    async reading(paths) {
      try {
        files = await fingerprintFiles(paths);
      } catch (err) {
        lineage.report(
          `materialization lineage of "${args.view.name}": fingerprinting its files failed: ${(err as Error).message}`,
        );
      }
    },
    async finish(outcome, counts, error) {
      const finishedAt = new Date();
      try {
        await lineage.store.recordMaterialization(args.onlineStore, {
          runId,
          featureView: args.view.name,
          view: {
            kind: "feature_view",
            name: args.view.name,
            version: (await version)?.version ?? 0,
            contentHash: hash,
          },
          windowStart: args.start.toISOString(),
          windowEnd: args.end.toISOString(),
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          outcome,
          rowsRead: counts.rowsRead,
          entitiesWritten: counts.entitiesWritten,
          files,
          scheduled: args.scheduled,
          error,
        });
      } catch (err) {
        lineage.report(
          `materialization lineage of "${args.view.name}" not recorded: ${(err as Error).message}`,
        );
      }
      if (emit) {
        const inputs = [
          dataset(ctx, ctx.namespace, args.view.name),
          ...files.map((f) => fileDataset(ctx, f.path)),
        ];
        ol.emit(
          runEvent(
            ctx,
            outcome === "failed" ? "FAIL" : "COMPLETE",
            { runId: olRunId, job, at: finishedAt, ...(outcome === "failed" ? { error } : {}) },
            inputs,
            [output],
          ),
        );
      }
    },
  };
}

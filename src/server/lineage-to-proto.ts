/**
 * Versions and lineage (lineage/) as protobuf messages (lineage.proto).
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type DatasetManifest as DatasetManifestMessage,
  DatasetManifestSchema,
  type MaterializationLineage as MaterializationLineageMessage,
  MaterializationLineageSchema,
  type ObjectVersion as ObjectVersionMessage,
  ObjectVersionSchema,
  type OnlineRowLineage as OnlineRowLineageMessage,
  OnlineRowLineageSchema,
  SourceFileSchema,
} from "../../gen/fstore/v1/lineage_pb.js";
import type {
  DatasetManifest,
  FileFingerprint,
  MaterializationLineage,
  ObjectVersion,
  OnlineRowLineage,
} from "../lineage/index.js";

const ts = (iso: string | undefined) => (iso ? timestampFromDate(new Date(iso)) : undefined);

export function objectVersionToProto(v: ObjectVersion): ObjectVersionMessage {
  return create(ObjectVersionSchema, {
    kind: v.kind,
    name: v.name,
    version: v.version,
    contentHash: v.contentHash,
    createdTime: timestampFromDate(v.createdAt),
    appliedBy: v.appliedBy,
    gitCommit: v.gitCommit,
    gitDirty: v.gitDirty,
    definitionJson: JSON.stringify(v.definition),
    dependencies: v.dependencies,
  });
}

function fileToProto(f: FileFingerprint) {
  return create(SourceFileSchema, {
    path: f.path,
    size: BigInt(f.size),
    modifiedTime: ts(f.mtime),
    fingerprint: f.fingerprint,
  });
}

export function manifestToProto(m: DatasetManifest): DatasetManifestMessage {
  return create(DatasetManifestSchema, {
    id: m.id,
    project: m.project,
    createdTime: ts(m.createdAt),
    via: m.via,
    output: m.output,
    features: m.request.features,
    featureServices: m.request.featureServices,
    fullFeatureNames: m.request.fullFeatureNames,
    options: m.request.options,
    registryVersion: BigInt(m.registryVersion),
    definitions: m.definitions,
    sources: m.sources.map((s) => ({
      featureView: s.featureView,
      source: s.source,
      files: s.files.map(fileToProto),
    })),
    entities: {
      kind: m.entities.kind,
      rows: BigInt(m.entities.rows ?? 0),
      fingerprint: m.entities.fingerprint ?? "",
      source: m.entities.source ?? "",
      startTime: ts(m.entities.start),
      endTime: ts(m.entities.end),
      files: (m.entities.files ?? []).map(fileToProto),
    },
    rowCount: BigInt(m.rowCount),
    matchCounts: m.matchCounts.map((c) => ({
      featureView: c.featureView,
      matchedRows: BigInt(c.matchedRows),
    })),
    leakageViolations: BigInt(m.leakageAudit.violations),
    outputPath: m.outputPath,
    columns: m.columns,
    manifestJson: JSON.stringify(m),
  });
}

export function materializationToProto(r: MaterializationLineage): MaterializationLineageMessage {
  return create(MaterializationLineageSchema, {
    runId: r.runId,
    featureView: r.featureView,
    view: r.view,
    windowStart: ts(r.windowStart),
    windowEnd: ts(r.windowEnd),
    startedTime: ts(r.startedAt),
    finishedTime: ts(r.finishedAt),
    outcome: r.outcome,
    rowsRead: BigInt(r.rowsRead),
    entitiesWritten: BigInt(r.entitiesWritten),
    files: r.files.map(fileToProto),
    scheduled: r.scheduled,
    error: r.error,
  });
}

export function onlineRowLineageToProto(l: OnlineRowLineage): OnlineRowLineageMessage {
  return create(OnlineRowLineageSchema, {
    featureView: l.featureView,
    found: l.eventTime !== undefined,
    eventTime: ts(l.eventTime),
    ...(l.run ? { run: materializationToProto(l.run) } : {}),
    olderRunIds: l.olderRuns,
  });
}

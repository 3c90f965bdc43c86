/**
 * Materialize, Push and ValidateConsistency in plain JS.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type MaterializeProgress,
  type MaterializeRequestSchema,
  type MaterializeResponse,
  type PushRequestSchema,
  type PushResponse,
  PushTo,
  SampleFrom,
  type ValidateConsistencyRequestSchema,
  type ValidateConsistencyResponse,
} from "../gen/fstore/v1/feature_service_pb.js";
import { type FeatureSelectionInput, featureSelection } from "./feature-selection.js";
import { fromValue, type InputValue, type NativeValue, toColumns } from "./native-values.js";
import { dateOf, msOf } from "./registry-objects.js";

export interface MaterializeOptions {
  /** Start of the window (inclusive); ignored when `incremental`. */
  start?: Date;
  /** End of the window (inclusive); now when unset. */
  end?: Date;
  /** Start from the end of each view's last materialized interval. */
  incremental?: boolean;
  /** Views to materialize; every online view when unset. */
  featureViews?: string[];
}

export interface MaterializeProgressInfo {
  featureView: string;
  rowsRead: number;
  entitiesWritten: number;
  elapsedMs: number;
  start: Date | null;
  end: Date | null;
  done: boolean;
}

export type MaterializeEvent =
  | { kind: "progress"; progress: MaterializeProgressInfo }
  | { kind: "summary"; views: MaterializeProgressInfo[]; elapsedMs: number };

export function materializeRequest(o: MaterializeOptions): MessageInitShape<typeof MaterializeRequestSchema> {
  return {
    startTime: o.start ? timestampFromDate(o.start) : undefined,
    endTime: o.end ? timestampFromDate(o.end) : undefined,
    incremental: o.incremental ?? false,
    featureViews: o.featureViews ?? [],
  };
}

function progressInfo(p: MaterializeProgress): MaterializeProgressInfo {
  return {
    featureView: p.featureView,
    rowsRead: Number(p.rowsRead),
    entitiesWritten: Number(p.entitiesWritten),
    elapsedMs: msOf(p.elapsed),
    start: dateOf(p.startTime),
    end: dateOf(p.endTime),
    done: p.done,
  };
}

export function materializeEvent(m: MaterializeResponse): MaterializeEvent | undefined {
  const k = m.kind;
  if (k.case === "progress") return { kind: "progress", progress: progressInfo(k.value) };
  if (k.case === "summary") {
    return { kind: "summary", views: k.value.views.map(progressInfo), elapsedMs: msOf(k.value.elapsed) };
  }
  return undefined;
}

export type PushDestination = "online" | "offline" | "online_and_offline";

export interface PushOptions {
  /** A push source's name, or a feature view's. */
  source: string;
  /** Column -> one value per row: every join key, the timestamp field and the features. */
  columns: Record<string, readonly InputValue[]>;
  /** Default "online". */
  to?: PushDestination;
}

export interface PushResult {
  rows: number;
  onlineEntitiesWritten: number;
  onlineRowsSkippedStale: number;
  offlinePath: string;
}

const pushTo: Record<PushDestination, PushTo> = {
  online: PushTo.ONLINE,
  offline: PushTo.OFFLINE,
  online_and_offline: PushTo.ONLINE_AND_OFFLINE,
};

export function pushRequest(o: PushOptions): MessageInitShape<typeof PushRequestSchema> {
  return { pushSourceName: o.source, columns: toColumns(o.columns), to: pushTo[o.to ?? "online"] };
}

export function pushResult(r: PushResponse): PushResult {
  return {
    rows: Number(r.rows),
    onlineEntitiesWritten: Number(r.onlineEntitiesWritten),
    onlineRowsSkippedStale: Number(r.onlineRowsSkippedStale),
    offlinePath: r.offlinePath,
  };
}

/**
 * What to check: `featureViews` (every feature of each) and/or a selection
 * (`features` or `featureServices`); every online view when none is given.
 */
export interface ValidateConsistencyOptions extends FeatureSelectionInput {
  featureViews?: string[];
  /** Entities to sample (server default 1,000); ignored with `entities`. */
  sampleSize?: number;
  sampleFrom?: "online" | "offline";
  /** Explicit entities, columnar like getOnlineFeatures. */
  entities?: Record<string, readonly InputValue[]>;
  /** Relative tolerance for numbers (server default 1e-6). */
  tolerance?: number;
  maxMismatchRate?: number;
  maxExamples?: number;
}

export interface ConsistencyExampleInfo {
  entityKey: Record<string, NativeValue>;
  onlineValue: NativeValue;
  offlineValue: NativeValue;
  onlineEventTimestamp: Date | null;
  offlineEventTimestamp: Date | null;
  relativeDifference: number;
  kind: string;
}

export interface FeatureConsistencyInfo {
  featureView: string;
  feature: string;
  compared: number;
  equal: number;
  mismatched: number;
  staleOnline: number;
  missingOnline: number;
  onlineOnly: number;
  mismatchRate: number;
  passed: boolean;
  examples: ConsistencyExampleInfo[];
}

export interface ConsistencyReport {
  passed: boolean;
  entitiesChecked: number;
  features: FeatureConsistencyInfo[];
  elapsedMs: number;
  tolerance: number;
  maxMismatchRate: number;
}

export function validateRequest(
  o: ValidateConsistencyOptions,
): MessageInitShape<typeof ValidateConsistencyRequestSchema> {
  return {
    featureViews: o.featureViews ?? [],
    selection: featureSelection(o, "validateConsistency"),
    sampleSize: o.sampleSize ?? 0,
    sampleFrom:
      o.sampleFrom === "offline"
        ? SampleFrom.OFFLINE
        : o.sampleFrom === "online"
          ? SampleFrom.ONLINE
          : SampleFrom.UNSPECIFIED,
    entities: toColumns(o.entities ?? {}),
    tolerance: o.tolerance,
    maxMismatchRate: o.maxMismatchRate ?? 0,
    maxExamples: o.maxExamples ?? 0,
  };
}

export function consistencyReport(r: ValidateConsistencyResponse): ConsistencyReport {
  return {
    passed: r.passed,
    entitiesChecked: Number(r.entitiesChecked),
    elapsedMs: msOf(r.elapsed),
    tolerance: r.tolerance,
    maxMismatchRate: r.maxMismatchRate,
    features: r.features.map((f) => ({
      featureView: f.featureView,
      feature: f.feature,
      compared: Number(f.compared),
      equal: Number(f.equal),
      mismatched: Number(f.mismatched),
      staleOnline: Number(f.staleOnline),
      missingOnline: Number(f.missingOnline),
      onlineOnly: Number(f.onlineOnly),
      mismatchRate: f.mismatchRate,
      passed: f.passed,
      examples: f.examples.map((e) => ({
        entityKey: Object.fromEntries(Object.entries(e.entityKey).map(([k, v]) => [k, fromValue(v)])),
        onlineValue: fromValue(e.onlineValue),
        offlineValue: fromValue(e.offlineValue),
        onlineEventTimestamp: dateOf(e.onlineEventTimestamp),
        offlineEventTimestamp: dateOf(e.offlineEventTimestamp),
        relativeDifference: e.relativeDifference,
        kind: e.kind,
      })),
    })),
  };
}

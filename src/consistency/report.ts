/**
 * The consistency report in domain form (the server maps it to protobuf, the
 * CLI prints it), and the per-feature tally that builds it.
 */
import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import type { NativeValue } from "../values/index.js";
import type { Outcome } from "./compare.js";

/** One entity where online and offline disagree. */
export interface ConsistencyExample {
  /** Join key name -> value, with its type. */
  entityKey: { name: string; dtype: ValueType; value: NativeValue }[];
  kind: Exclude<Outcome, "equal">;
  /** undefined: no online value. */
  onlineValue: NativeValue | undefined;
  /** undefined: no offline value compared (online only). */
  offlineValue: NativeValue | undefined;
  onlineEventTime: Date | undefined;
  offlineEventTime: Date | undefined;
  relativeDifference: number | undefined;
}

export interface FeatureReport {
  featureView: string;
  feature: string;
  dtype: ValueType;
  compared: number;
  equal: number;
  mismatched: number;
  staleOnline: number;
  missingOnline: number;
  onlineOnly: number;
  mismatchRate: number;
  passed: boolean;
  examples: ConsistencyExample[];
}

export interface ConsistencyReport {
  /** True only when every feature passes. */
  passed: boolean;
  entitiesChecked: number;
  features: FeatureReport[];
  elapsedMs: number;
  tolerance: number;
  maxMismatchRate: number;
}

/** (mismatched + stale + missing + online-only) / compared; 0 when nothing was compared. */
export function mismatchRate(r: Pick<FeatureReport, "compared" | "equal">): number {
  return r.compared === 0 ? 0 : (r.compared - r.equal) / r.compared;
}

/** A feature passes when its mismatch rate is at most the threshold (an equal rate passes). */
export function featurePasses(rate: number, maxMismatchRate: number): boolean {
  return rate <= maxMismatchRate;
}

/** Counts outcomes of one feature and keeps its first few examples. */
export class FeatureTally {
  readonly report: FeatureReport;
  /** Examples whose offline side still has to be fetched (stale and missing ones), by sample index. */
  readonly pendingOffline: { index: number; example: ConsistencyExample }[] = [];

  constructor(
    featureView: string,
    feature: string,
    dtype: ValueType,
    private readonly maxExamples: number,
  ) {
    this.report = {
      featureView,
      feature,
      dtype,
      compared: 0,
      equal: 0,
      mismatched: 0,
      staleOnline: 0,
      missingOnline: 0,
      onlineOnly: 0,
      mismatchRate: 0,
      passed: true,
      examples: [],
    };
  }

  /** Counts one outcome. Returns true when the caller should build an example for it. */
  count(outcome: Outcome): boolean {
    const r = this.report;
    r.compared++;
    switch (outcome) {
      case "equal":
        r.equal++;
        return false;
      case "mismatched":
        r.mismatched++;
        break;
      case "stale_online":
        r.staleOnline++;
        break;
      case "missing_online":
        r.missingOnline++;
        break;
      case "online_only":
        r.onlineOnly++;
        break;
    }
    return r.examples.length < this.maxExamples;
  }

  addExample(example: ConsistencyExample, pendingIndex?: number): void {
    this.report.examples.push(example);
    if (pendingIndex !== undefined) this.pendingOffline.push({ index: pendingIndex, example });
  }

  /** Sets the rate and the verdict. */
  finish(maxMismatchRate: number): FeatureReport {
    this.report.mismatchRate = mismatchRate(this.report);
    this.report.passed = featurePasses(this.report.mismatchRate, maxMismatchRate);
    return this.report;
  }
}

/**
 * Protobuf form of the consistency report (ValidateConsistencyResponse) and
 * of the request's knobs, for the gRPC handler and the CLI's `--server` mode.
 */
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ConsistencyExampleSchema,
  FeatureConsistencySchema,
  SampleFrom,
  type ValidateConsistencyRequest,
  type ValidateConsistencyResponse,
  ValidateConsistencyResponseSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { readFeatureSelection } from "../registry/feature-selection.js";
import { toValue } from "../values/index.js";
import type { ConsistencyExample, ConsistencyReport } from "./report.js";
import type { ValidateConsistencyInput } from "./validate-consistency.js";

/**
 * The validation input a request asks for. proto3 cannot tell an unset
 * `sample_size` or `max_examples` from 0, so 0 means "the default" over gRPC.
 */
export function inputFromRequest(req: ValidateConsistencyRequest): ValidateConsistencyInput {
  return {
    featureViews: req.featureViews,
    features: readFeatureSelection(req.selection),
    sampleFrom: req.sampleFrom === SampleFrom.OFFLINE ? "offline" : "online",
    entities: req.entities,
    options: {
      sampleSize: req.sampleSize === 0 ? undefined : req.sampleSize,
      tolerance: req.tolerance,
      maxMismatchRate: req.maxMismatchRate,
      maxExamples: req.maxExamples === 0 ? undefined : req.maxExamples,
    },
  };
}

function exampleToProto(e: ConsistencyExample, dtype: ValueType) {
  return create(ConsistencyExampleSchema, {
    entityKey: Object.fromEntries(e.entityKey.map((k) => [k.name, toValue(k.value, k.dtype)])),
    ...(e.onlineValue !== undefined ? { onlineValue: toValue(e.onlineValue, dtype) } : {}),
    ...(e.offlineValue !== undefined ? { offlineValue: toValue(e.offlineValue, dtype) } : {}),
    ...(e.onlineEventTime ? { onlineEventTimestamp: timestampFromMs(e.onlineEventTime.getTime()) } : {}),
    ...(e.offlineEventTime ? { offlineEventTimestamp: timestampFromMs(e.offlineEventTime.getTime()) } : {}),
    relativeDifference: e.relativeDifference ?? 0,
    kind: e.kind,
  });
}

/** The report as a ValidateConsistencyResponse. */
export function reportToProto(report: ConsistencyReport): ValidateConsistencyResponse {
  return create(ValidateConsistencyResponseSchema, {
    passed: report.passed,
    entitiesChecked: BigInt(report.entitiesChecked),
    features: report.features.map((f) =>
      create(FeatureConsistencySchema, {
        featureView: f.featureView,
        feature: f.feature,
        compared: BigInt(f.compared),
        equal: BigInt(f.equal),
        mismatched: BigInt(f.mismatched),
        staleOnline: BigInt(f.staleOnline),
        missingOnline: BigInt(f.missingOnline),
        onlineOnly: BigInt(f.onlineOnly),
        mismatchRate: f.mismatchRate,
        passed: f.passed,
        examples: f.examples.map((e) => exampleToProto(e, f.dtype)),
      }),
    ),
    // Whole milliseconds: durationFromMs keeps fractions, which do not encode as int32 nanos.
    elapsed: durationFromMs(Math.round(report.elapsedMs)),
    tolerance: report.tolerance,
    maxMismatchRate: report.maxMismatchRate,
  });
}

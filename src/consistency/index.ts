/**
 * Consistency validation: proves that what a model sees online is what it
 * was trained on (see SPEC.md, "Consistency validation").
 */

// The pure rules, for tests and for other modules that compare values.
export type { Outcome, PairFacts, PairResult, ValueComparison } from "./compare.js";
export { classifyPair, compareValues, exactlyEqual, relativeDifference } from "./compare.js";
export type { ConsistencyExample, ConsistencyReport, FeatureReport } from "./report.js";
export { featurePasses, mismatchRate } from "./report.js";
export { formatConsistencyReport, formatValue, NOTHING_COMPARED } from "./report-format.js";
export { inputFromRequest, reportToProto } from "./report-proto.js";
export type { ViewTarget } from "./targets.js";
export { resolveTargets } from "./targets.js";
// For the server and the CLI.
export type { ConsistencyContext, ValidateConsistencyInput } from "./validate-consistency.js";
export { validateConsistency } from "./validate-consistency.js";
export type { RawValidateOptions, ValidateOptions } from "./validate-options.js";
export {
  DEFAULT_MAX_EXAMPLES,
  DEFAULT_SAMPLE_SIZE,
  DEFAULT_TOLERANCE,
  MAX_EXAMPLES,
  MAX_SAMPLE_SIZE,
  resolveValidateOptions,
} from "./validate-options.js";

/**
 * Validation and defaults of ValidateConsistency's knobs, as one pure function
 * shared by the RPC and the CLI so both reject the same inputs with the same
 * messages.
 */
import { invalidArgument } from "../errors/index.js";

/** Entities sampled per view when no sample size (or, over gRPC, 0) is given. */
export const DEFAULT_SAMPLE_SIZE = 1000;
/** Upper bound on sampled or given entities per call: larger checks belong in a batch job split in parts. */
export const MAX_SAMPLE_SIZE = 1_000_000;
/** Relative tolerance for numbers. */
export const DEFAULT_TOLERANCE = 1e-6;
/** Examples per feature with failures. */
export const DEFAULT_MAX_EXAMPLES = 3;
/** Upper bound on examples per feature, so a report stays readable and small. */
export const MAX_EXAMPLES = 100;

export interface ValidateOptions {
  sampleSize: number;
  tolerance: number;
  maxMismatchRate: number;
  maxExamples: number;
}

export interface RawValidateOptions {
  /**
   * undefined means "default". Over gRPC a proto3 uint32 cannot tell 0 from
   * unset, so the RPC passes undefined for 0; the CLI passes what the user
   * typed, and an explicit 0 is rejected.
   */
  sampleSize?: number | undefined;
  tolerance?: number | undefined;
  maxMismatchRate?: number | undefined;
  /** undefined (or 0 over gRPC) means the default. */
  maxExamples?: number | undefined;
}

/** Checks and completes the options; INVALID_ARGUMENT naming the option and the allowed range otherwise. */
export function resolveValidateOptions(raw: RawValidateOptions): ValidateOptions {
  const sampleSize = raw.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(sampleSize) || sampleSize < 1) {
    throw invalidArgument(
      `sample size must be a whole number from 1 to ${MAX_SAMPLE_SIZE}, got ${raw.sampleSize}`,
    );
  }
  if (sampleSize > MAX_SAMPLE_SIZE) {
    throw invalidArgument(
      `sample size ${sampleSize} is above the limit of ${MAX_SAMPLE_SIZE} entities per call; validate in several calls`,
    );
  }
  const tolerance = raw.tolerance ?? DEFAULT_TOLERANCE;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw invalidArgument(
      `tolerance must be a finite number >= 0 (a relative difference), got ${raw.tolerance}`,
    );
  }
  const maxMismatchRate = raw.maxMismatchRate ?? 0;
  if (!Number.isFinite(maxMismatchRate) || maxMismatchRate < 0 || maxMismatchRate > 1) {
    throw invalidArgument(`max mismatch rate must be a number from 0 to 1, got ${raw.maxMismatchRate}`);
  }
  const maxExamples = raw.maxExamples ?? DEFAULT_MAX_EXAMPLES;
  if (!Number.isInteger(maxExamples) || maxExamples < 0 || maxExamples > MAX_EXAMPLES) {
    throw invalidArgument(
      `max examples must be a whole number from 0 to ${MAX_EXAMPLES}, got ${raw.maxExamples}`,
    );
  }
  return { sampleSize, tolerance, maxMismatchRate, maxExamples };
}

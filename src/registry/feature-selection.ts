/**
 * The one "which features" of every RPC that selects features
 * (GetOnlineFeatures, GetHistoricalFeatures, ValidateConsistency): feature
 * references, or one or more feature services, never both. Read here once
 * from the FeatureSelection message, so every RPC accepts and rejects the
 * same shapes with the same messages; each planner then expands it against
 * its registry snapshot.
 */
import type { FeatureSelection as FeatureSelectionMessage } from "../../gen/fstore/v1/feature_service_pb.js";
import { invalidArgument } from "../errors/index.js";

/** References "view:feature", or feature service names; never empty. */
export type FeatureSelection =
  | { kind: "features"; refs: readonly string[] }
  | { kind: "services"; names: readonly string[] };

/**
 * The selection a FeatureSelection message asks for, or undefined when it
 * selects nothing (each RPC decides what that means). Both lists set, or an
 * empty name, is INVALID_ARGUMENT.
 */
export function readFeatureSelection(
  message: FeatureSelectionMessage | undefined,
): FeatureSelection | undefined {
  const refs = message?.features ?? [];
  const names = message?.featureServices ?? [];
  if (refs.length > 0 && names.length > 0) {
    throw invalidArgument(
      "selection sets both features and feature_services: give feature references or feature services, not both",
    );
  }
  if (names.length > 0) {
    if (names.includes("")) throw invalidArgument("selection.feature_services holds an empty name");
    return { kind: "services", names };
  }
  if (refs.length > 0) return { kind: "features", refs };
  return undefined;
}

/** The selection, or INVALID_ARGUMENT when the message selects nothing. */
export function requireFeatureSelection(message: FeatureSelectionMessage | undefined): FeatureSelection {
  const selection = readFeatureSelection(message);
  if (!selection) {
    throw invalidArgument(
      'no features requested: set selection.features (e.g. ["view:feature"]) or selection.feature_services',
    );
  }
  return selection;
}

/** Splits a reference "view:feature"; anything else is INVALID_ARGUMENT. */
export function parseFeatureRef(ref: string): { view: string; feature: string } {
  const i = ref.indexOf(":");
  if (i <= 0 || i === ref.length - 1 || ref.indexOf(":", i + 1) >= 0) {
    throw invalidArgument(`malformed feature reference "${ref}": expected "view:feature"`);
  }
  return { view: ref.slice(0, i), feature: ref.slice(i + 1) };
}

/**
 * Label values derived from a call: the feature service a request names, and
 * the gRPC status code's name. Pure, so label cardinality rules are tested.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";

/**
 * The feature service a request's FeatureSelection names, if any
 * (GetOnlineFeatures, GetHistoricalFeatures, ValidateConsistency): the name,
 * or the distinct names sorted and joined with "," when several.
 */
export function featureServiceOfRequest(request: unknown): string | undefined {
  if (typeof request !== "object" || request === null) return undefined;
  const names = (request as { selection?: { featureServices?: unknown } }).selection?.featureServices;
  if (!Array.isArray(names) || names.length === 0) return undefined;
  if (names.length === 1) return names[0] === "" ? undefined : String(names[0]);
  return [...new Set(names.map(String))].sort().join(",");
}

/** "NOT_FOUND" for 5, and so on; "CODE_n" for codes grpc-js does not name. */
export function grpcCodeLabel(code: number): string {
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? `CODE_${code}`;
}

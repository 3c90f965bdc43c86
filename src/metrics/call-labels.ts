/**
 * Label values derived from a call: the feature service a request names, and
 * the gRPC status code's name. Pure, so label cardinality rules are tested.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";

/**
 * The feature service a FeatureService request names, if any:
 * GetOnlineFeatures (`kind` oneof), ValidateConsistency (`featureService`) and
 * GetHistoricalFeatures (`featureServices`, joined with "," when several).
 */
export function featureServiceOfRequest(request: unknown): string | undefined {
  if (typeof request !== "object" || request === null) return undefined;
  const r = request as {
    kind?: { case?: string; value?: unknown };
    featureService?: unknown;
    featureServices?: unknown;
  };
  if (r.kind?.case === "featureService" && typeof r.kind.value === "string" && r.kind.value !== "") {
    return r.kind.value;
  }
  if (typeof r.featureService === "string" && r.featureService !== "") return r.featureService;
  if (Array.isArray(r.featureServices) && r.featureServices.length > 0) {
    return [...new Set(r.featureServices.map(String))].sort().join(",");
  }
  return undefined;
}

/** "NOT_FOUND" for 5, and so on; "CODE_n" for codes grpc-js does not name. */
export function grpcCodeLabel(code: number): string {
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? `CODE_${code}`;
}

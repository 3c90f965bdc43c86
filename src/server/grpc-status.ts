/**
 * The one place that turns domain errors into gRPC statuses.
 */
import { status as GrpcStatus, Metadata, type ServiceError } from "@grpc/grpc-js";
import { Code, FstoreError, truncated } from "../errors/index.js";

const grpcCodeOf: Record<Code, GrpcStatus> = {
  [Code.InvalidArgument]: GrpcStatus.INVALID_ARGUMENT,
  [Code.NotFound]: GrpcStatus.NOT_FOUND,
  [Code.AlreadyExists]: GrpcStatus.ALREADY_EXISTS,
  [Code.FailedPrecondition]: GrpcStatus.FAILED_PRECONDITION,
  [Code.ResourceExhausted]: GrpcStatus.RESOURCE_EXHAUSTED,
  [Code.PermissionDenied]: GrpcStatus.PERMISSION_DENIED,
  [Code.Unauthenticated]: GrpcStatus.UNAUTHENTICATED,
  [Code.Unavailable]: GrpcStatus.UNAVAILABLE,
  [Code.DeadlineExceeded]: GrpcStatus.DEADLINE_EXCEEDED,
  [Code.Cancelled]: GrpcStatus.CANCELLED,
  [Code.Unimplemented]: GrpcStatus.UNIMPLEMENTED,
  [Code.Internal]: GrpcStatus.INTERNAL,
};

export function toGrpcCode(code: Code): GrpcStatus {
  return grpcCodeOf[code];
}

/**
 * Normalizes anything thrown by a handler into a status grpc-js can send.
 * The message is cut to MAX_MESSAGE_CHARS whatever built it: a driver's
 * message may quote client input in full.
 */
export function toServiceError(err: unknown): Partial<ServiceError> & { code: GrpcStatus; details: string } {
  const e = FstoreError.from(err);
  const metadata = new Metadata();
  // A handler answers UNAVAILABLE only for a dependency every replica shares (the online store, the
  // registry, the identity provider), after waiting its bound: a client's retry policy (several
  // replicas, clients/*/replicas) must not send the call again (gRFC A6 pushback). A replica that is
  // down or draining fails in transport, and that is still retried.
  if (e.code === Code.Unavailable) metadata.set("grpc-retry-pushback-ms", "-1");
  return { code: grpcCodeOf[e.code], details: truncated(e.message), metadata };
}

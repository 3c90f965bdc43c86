/**
 * The one error type of fstore's domain code. It carries a closed `Code`
 * (the gRPC canonical codes fstore uses) but knows nothing of the transport:
 * `server/grpc-status.ts` is the single place that maps it onto a gRPC status.
 */
export enum Code {
  InvalidArgument = "INVALID_ARGUMENT",
  NotFound = "NOT_FOUND",
  AlreadyExists = "ALREADY_EXISTS",
  FailedPrecondition = "FAILED_PRECONDITION",
  ResourceExhausted = "RESOURCE_EXHAUSTED",
  PermissionDenied = "PERMISSION_DENIED",
  Unauthenticated = "UNAUTHENTICATED",
  Unavailable = "UNAVAILABLE",
  DeadlineExceeded = "DEADLINE_EXCEEDED",
  Cancelled = "CANCELLED",
  Unimplemented = "UNIMPLEMENTED",
  Internal = "INTERNAL",
}

export class FstoreError extends Error {
  override readonly name = "FstoreError";

  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Wraps anything thrown: an FstoreError passes through, anything else is INTERNAL (a bug). */
  static from(err: unknown): FstoreError {
    if (err instanceof FstoreError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new FstoreError(Code.Internal, message, { cause: err });
  }
}

/** Shorthands for the codes used most, so call sites read as sentences. */
export const invalidArgument = (message: string, cause?: unknown) =>
  new FstoreError(Code.InvalidArgument, message, { cause });
export const notFound = (message: string, cause?: unknown) =>
  new FstoreError(Code.NotFound, message, { cause });
export const unavailable = (message: string, cause?: unknown) =>
  new FstoreError(Code.Unavailable, message, { cause });
export const failedPrecondition = (message: string, cause?: unknown) =>
  new FstoreError(Code.FailedPrecondition, message, { cause });

/**
 * The one error type the client throws: every failed call becomes an
 * FstoreClientError carrying the gRPC status, so callers branch on `code`
 * (e.g. retry UNAVAILABLE, report NOT_FOUND) instead of parsing messages.
 */
import { status as GrpcStatus, Metadata } from "@grpc/grpc-js";

/** gRPC status code names, e.g. "NOT_FOUND". */
export type StatusCodeName = keyof typeof GrpcStatus;

export class FstoreClientError extends Error {
  override readonly name = "FstoreClientError";

  constructor(
    /** The gRPC status code (grpc-js `status`), e.g. 5 for NOT_FOUND. */
    readonly code: GrpcStatus,
    /** The server's message, meant for humans. */
    readonly details: string,
    /** The RPC that failed, e.g. "GetFeatureView". */
    readonly method: string,
    /** Trailing metadata sent with the status. */
    readonly metadata: Metadata = new Metadata(),
    options?: { cause?: unknown },
  ) {
    super(`${method}: ${GrpcStatus[code] ?? code}: ${details}`, options);
  }

  /** The status code's name, e.g. "NOT_FOUND". */
  get codeName(): StatusCodeName {
    return (GrpcStatus[this.code] ?? "UNKNOWN") as StatusCodeName;
  }

  /** True for statuses worth retrying after a pause (the server or a store is briefly unavailable). */
  get retryable(): boolean {
    return this.code === GrpcStatus.UNAVAILABLE || this.code === GrpcStatus.RESOURCE_EXHAUSTED;
  }

  /** Wraps anything a call threw; grpc-js errors keep their status. */
  static from(err: unknown, method: string): FstoreClientError {
    if (err instanceof FstoreClientError) return err;
    const e = err as { code?: unknown; details?: unknown; message?: unknown; metadata?: unknown };
    if (typeof e?.code === "number") {
      const details = typeof e.details === "string" ? e.details : String(e.message ?? "");
      const md = e.metadata instanceof Metadata ? e.metadata : new Metadata();
      return new FstoreClientError(e.code, details, method, md, { cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new FstoreClientError(GrpcStatus.UNKNOWN, message, method, new Metadata(), { cause: err });
  }
}

/**
 * gRPC's standard "retry after" signal: a `google.rpc.Status` carrying a
 * `google.rpc.RetryInfo` detail, sent as `grpc-status-details-bin` trailing
 * metadata (what grpcio-status, grpc-go's status.Details and Google's client
 * libraries read). Hand-encoded: two tiny messages do not warrant vendoring
 * the google/rpc protos.
 */

import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Metadata } from "@grpc/grpc-js";

const RETRY_INFO_TYPE_URL = "type.googleapis.com/google.rpc.RetryInfo";

/** `google.rpc.Status{code, message, details: [Any(RetryInfo{retry_delay})]}` bytes. */
export function retryStatusDetails(code: number, message: string, retryAfterMs: number): Uint8Array {
  const seconds = Math.floor(retryAfterMs / 1000);
  const nanos = (retryAfterMs % 1000) * 1_000_000;
  const duration = new BinaryWriter();
  if (seconds) duration.tag(1, 0).int64(seconds);
  if (nanos) duration.tag(2, 0).int32(nanos);
  const retryInfo = new BinaryWriter().tag(1, 2).bytes(duration.finish()).finish();
  const any = new BinaryWriter().tag(1, 2).string(RETRY_INFO_TYPE_URL).tag(2, 2).bytes(retryInfo).finish();
  return new BinaryWriter().tag(1, 0).int32(code).tag(2, 2).string(message).tag(3, 2).bytes(any).finish();
}

/** Trailing metadata telling a client to retry after `retryAfterMs`. */
export function retryMetadata(code: number, message: string, retryAfterMs: number): Metadata {
  const metadata = new Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(retryStatusDetails(code, message, retryAfterMs)));
  metadata.set("retry-after-ms", String(Math.ceil(retryAfterMs)));
  return metadata;
}

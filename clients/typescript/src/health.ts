/**
 * grpc.health.v1 Check, without generated code: the two messages are tiny
 * (`HealthCheckRequest { string service = 1 }`, `HealthCheckResponse {
 * ServingStatus status = 1 }`), so they are encoded by hand. Also the cheapest
 * RPC the server answers, used as the "no-op" floor in benchmarks.
 */
import type { Client } from "@grpc/grpc-js";
import { FstoreClientError } from "./errors.js";
import { type CallOptions, type ConnectOptions, callSetup } from "./raw-client.js";

export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";
const statuses: ServingStatus[] = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

/** Encodes a HealthCheckRequest. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, "utf8");
  if (name.length === 0) return Buffer.alloc(0);
  const len: number[] = [];
  let n = name.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), name]);
}

/** Decodes a HealthCheckResponse; unknown fields are skipped as protobuf requires. */
export function decodeHealthCheckResponse(buf: Buffer): ServingStatus {
  let status = 0;
  let i = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error("truncated HealthCheckResponse");
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) status = v;
    } else if (wire === 2) {
      const length = varint(); // read first: `i += varint()` would use i from before the read
      i += length;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unexpected wire type ${wire} in HealthCheckResponse`);
  }
  return statuses[status] ?? "UNKNOWN";
}

/** Calls grpc.health.v1.Health/Check for `service` ("" = the whole server). */
export function healthCheck(
  client: Client,
  connect: ConnectOptions,
  service = "",
  options?: CallOptions,
): Promise<ServingStatus> {
  const { metadata, grpcOptions } = callSetup(connect, options);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (s: string) => encodeHealthCheckRequest(s),
      decodeHealthCheckResponse,
      service,
      metadata,
      grpcOptions,
      (err, res) => (err ? reject(FstoreClientError.from(err, "Health/Check")) : resolve(res ?? "UNKNOWN")),
    );
  });
}

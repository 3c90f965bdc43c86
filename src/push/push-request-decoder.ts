/**
 * A hand-written decoder for PushRequest: its columns are thousands of
 * `Value`s, which protobuf-es decoded in about 21 ms of event-loop time per
 * 1,000-row push (see values/repeated-value-decoder.ts for the measurement).
 * Anything but the expected layout goes to `fromBinary`; the result always
 * equals `fromBinary`'s (push-request-decoder.spec.ts).
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import { type PushRequest, PushRequestSchema } from "../../gen/fstore/v1/feature_service_pb.js";
import { decodeRepeatedValueEntry, orLibrary, WireReader } from "../values/index.js";

const library = (bytes: Uint8Array) => fromBinary(PushRequestSchema, bytes);

/** Decodes PushRequest bytes; throws on invalid input like `fromBinary`. */
export function decodePushRequest(bytes: Uint8Array): PushRequest {
  return orLibrary(bytes, (buf) => decode(buf, bytes), library);
}

function decode(buf: Buffer, bytes: Uint8Array): PushRequest {
  const r = new WireReader(buf, 0, buf.length);
  const message = create(PushRequestSchema);
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) {
      message.pushSourceName = r.string();
    } else if (tag === 0x12) {
      const [s, e] = r.delimited();
      const [key, value] = decodeRepeatedValueEntry(buf, s, e);
      message.columns[key] = value;
    } else if (tag === 0x18) {
      message.to = r.int32();
    } else {
      // Unknown fields or a packed enum: let protobuf-es decide.
      return library(bytes);
    }
  }
  return message;
}

/**
 * The handler's return value: a GetOnlineFeaturesResponse that carries its
 * hand-encoded wire bytes (sent as they are) and builds its protobuf-es
 * fields only if an in-process caller reads them.
 */
import type { GetOnlineFeaturesResponse } from "../../gen/fstore/v1/feature_service_pb.js";
import {
  encodeOnlineResponse,
  type OnlineResult,
  ReusableOutput,
  toOnlineResponseMessage,
} from "./online-response.js";

/** A response whose fields are built on first read (cheap to create: no protobuf-es work per request). */
class LazyOnlineResponse {
  readonly $typeName = "fstore.v1.GetOnlineFeaturesResponse";
  #full: GetOnlineFeaturesResponse | undefined;
  constructor(readonly result: OnlineResult) {}
  #built(): GetOnlineFeaturesResponse {
    this.#full ??= toOnlineResponseMessage(this.result);
    return this.#full;
  }
  get metadata() {
    return this.#built().metadata;
  }
  get results() {
    return this.#built().results;
  }
}

/** The serializer's output buffer, shared by every response of the process (see `onlineResponseMessage`). */
const serializerOutput = new ReusableOutput();

/**
 * A response message for `result` with its wire encoder attached via
 * `attachWire` (e.g. the service adapter's `withWireEncoder`). The encoder
 * writes into one buffer shared by all responses, so its bytes are valid
 * only until it runs again: the caller must use them before that (grpc-js's
 * serializer copies them into its frame as soon as it has them).
 */
export function onlineResponseMessage(
  result: OnlineResult,
  attachWire: (message: GetOnlineFeaturesResponse, encode: () => Uint8Array) => GetOnlineFeaturesResponse,
): GetOnlineFeaturesResponse {
  const message = new LazyOnlineResponse(result) as unknown as GetOnlineFeaturesResponse;
  return attachWire(message, () => encodeOnlineResponse(result, serializerOutput));
}

/**
 * The handler's return value: a GetOnlineFeaturesResponse that carries its
 * hand-encoded wire bytes (sent as they are) and builds its protobuf-es
 * fields only if an in-process caller reads them.
 */
import type { GetOnlineFeaturesResponse } from "../../gen/fstore/v1/feature_service_pb.js";
import { encodeOnlineResponse, type OnlineResult, toOnlineResponseMessage } from "./online-response.js";

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

/** A response message for `result`, pre-encoded via `attachWire` (e.g. the service adapter's `withWireBytes`). */
export function onlineResponseMessage(
  result: OnlineResult,
  attachWire: (message: GetOnlineFeaturesResponse, bytes: Uint8Array) => GetOnlineFeaturesResponse,
): GetOnlineFeaturesResponse {
  const message = new LazyOnlineResponse(result) as unknown as GetOnlineFeaturesResponse;
  return attachWire(message, encodeOnlineResponse(result));
}

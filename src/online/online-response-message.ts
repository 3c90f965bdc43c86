/**
 * The handler's return value: a GetOnlineFeaturesResponse that carries its
 * hand-encoded wire bytes (sent as they are) and builds its protobuf-es
 * fields only if an in-process caller reads them.
 */
import { create } from "@bufbuild/protobuf";
import {
  type GetOnlineFeaturesResponse,
  GetOnlineFeaturesResponseSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import { encodeOnlineResponse, type OnlineResult, toOnlineResponseMessage } from "./online-response.js";

/** A response message for `result`, pre-encoded via `attachWire` (e.g. the service adapter's `withWireBytes`). */
export function onlineResponseMessage(
  result: OnlineResult,
  attachWire: (message: GetOnlineFeaturesResponse, bytes: Uint8Array) => GetOnlineFeaturesResponse,
): GetOnlineFeaturesResponse {
  const message = create(GetOnlineFeaturesResponseSchema);
  let full: GetOnlineFeaturesResponse | undefined;
  const built = () => {
    full ??= toOnlineResponseMessage(result);
    return full;
  };
  Object.defineProperty(message, "metadata", {
    get: () => built().metadata,
    enumerable: true,
    configurable: true,
  });
  Object.defineProperty(message, "results", {
    get: () => built().results,
    enumerable: true,
    configurable: true,
  });
  return attachWire(message, encodeOnlineResponse(result));
}

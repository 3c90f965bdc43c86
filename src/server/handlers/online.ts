/**
 * GetOnlineFeatures: a thin handler over `online/`'s retrieval, answering
 * with hand-encoded bytes (the hot path of serving).
 */
import { GetOnlineFeaturesRequestSchema } from "../../../gen/fstore/v1/feature_service_pb.js";
import {
  createOnlineRetrieval,
  decodeOnlineRequest,
  onlineResponseMessage,
  sharedOnlineStore,
} from "../../online/index.js";
import type { ServerDeps } from "../deps.js";
import { setRequestDecoder, withWireEncoder } from "../service-adapter.js";
import type { HandlerGroup } from "./handler-group.js";

// Requests are decoded by hand too (the feature list is cached by its bytes).
setRequestDecoder(GetOnlineFeaturesRequestSchema, decodeOnlineRequest);

export function createOnlineHandlers(deps: ServerDeps): HandlerGroup {
  const retrieval = createOnlineRetrieval({
    registry: deps.registry,
    store: () => sharedOnlineStore(deps),
    maxEntitiesPerRequest: deps.config.server.maxEntitiesPerRequest,
    ...(deps.clock ? { now: deps.clock } : {}),
    // Set by the metrics when enabled (after the handlers may be created): asked per request.
    observer: () => deps.metrics,
  });
  return {
    getOnlineFeatures: async (request, call) =>
      // The call context as a free cancellation check (no AbortSignal per call).
      onlineResponseMessage(await retrieval.getOnlineFeatures(request, call), withWireEncoder),
  };
}

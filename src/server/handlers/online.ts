/**
 * GetOnlineFeatures: a thin handler over `online/`'s retrieval, answering
 * with hand-encoded bytes (the hot path of serving). A feature service with
 * `logging` gets those same bytes copied to its serving log (feature-logging/).
 */
import { GetOnlineFeaturesRequestSchema } from "../../../gen/fstore/v1/feature_service_pb.js";
import { createFeatureLogger, type FeatureLogger } from "../../feature-logging/index.js";
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

/** Key of the server's feature logger among its resources. */
export const FEATURE_LOGGER_RESOURCE = "feature logger";

/** The server's feature logger (created on first use, its worker on the first logged request). */
export function serverFeatureLogger(deps: ServerDeps): FeatureLogger {
  return deps.resources.get(
    FEATURE_LOGGER_RESOURCE,
    () =>
      createFeatureLogger({
        registry: deps.registry,
        offlineStore: deps.config.offlineStore,
        featureLogging: deps.config.featureLogging,
        onError: (message) => deps.logger.warn({ err: message }, "feature logging"),
      }),
    (logger) => logger.close(),
  );
}

export function createOnlineHandlers(deps: ServerDeps): HandlerGroup {
  const retrieval = createOnlineRetrieval({
    registry: deps.registry,
    store: () => sharedOnlineStore(deps),
    maxEntitiesPerRequest: deps.config.server.maxEntitiesPerRequest,
    // Set by the metrics when enabled (after the handlers may be created): asked per request.
    observer: () => deps.metrics,
  });
  const logger = serverFeatureLogger(deps);
  return {
    getOnlineFeatures: async (request, call) => {
      const requestMs = Date.now();
      // The call context as a free cancellation check (no AbortSignal per call).
      const result = await retrieval.getOnlineFeatures(request, call);
      const sink = logger.sinkFor(request, result, requestMs);
      if (sink === undefined) return onlineResponseMessage(result, withWireEncoder);
      return onlineResponseMessage(result, (message, encode) =>
        withWireEncoder(message, () => {
          const bytes = encode();
          sink(bytes);
          return bytes;
        }),
      );
    },
  };
}

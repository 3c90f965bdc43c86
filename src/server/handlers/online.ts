/**
 * GetOnlineFeatures: a thin handler over `online/`'s retrieval, answering
 * with hand-encoded bytes (the hot path of serving). A feature service with
 * `logging` gets those same bytes copied to its serving log (feature-logging/).
 */
import { create } from "@bufbuild/protobuf";
import {
  FeatureSelectionSchema,
  type GetOnlineFeaturesRequest,
  GetOnlineFeaturesRequestSchema,
} from "../../../gen/fstore/v1/feature_service_pb.js";
import { createFeatureLogger, type FeatureLogger } from "../../feature-logging/index.js";
import { hasPinnedService, sharedLineage } from "../../lineage/index.js";
import {
  createOnlineRetrieval,
  decodeOnlineRequest,
  onlineResponseMessage,
  sharedOnlineStore,
} from "../../online/index.js";
import { requireFeatureSelection } from "../../registry/index.js";
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
    ...(deps.clock ? { now: deps.clock } : {}),
    // Set by the metrics when enabled (after the handlers may be created): asked per request.
    observer: () => deps.metrics,
  });
  const logger = serverFeatureLogger(deps);
  const pins = () => sharedLineage(deps).pins;
  /** The request with pinned services ("name@N") as the features their version selected. */
  const unpinned = async (request: GetOnlineFeaturesRequest): Promise<GetOnlineFeaturesRequest> => {
    const selection = await pins().resolve(
      requireFeatureSelection(request.selection),
      deps.registry.snapshot(),
    );
    const refs = selection.kind === "features" ? selection.refs : [];
    return { ...request, selection: create(FeatureSelectionSchema, { features: [...refs] }) };
  };
  return {
    getOnlineFeatures: async (request, call) => {
      const requestMs = Date.now();
      // The call context as a free cancellation check (no AbortSignal per call).
      const result = await retrieval.getOnlineFeatures(
        hasPinnedService(request.selection?.featureServices) ? await unpinned(request) : request,
        call,
      );
      // The original request: a service pinned to a version ("name@N") is not one with logging.
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

/**
 * GetOnlineFeatures: a thin handler over `online/`'s retrieval, answering
 * with hand-encoded bytes (the hot path of serving).
 */
import { create } from "@bufbuild/protobuf";
import {
  FeatureSelectionSchema,
  type GetOnlineFeaturesRequest,
  GetOnlineFeaturesRequestSchema,
} from "../../../gen/fstore/v1/feature_service_pb.js";
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

export function createOnlineHandlers(deps: ServerDeps): HandlerGroup {
  const retrieval = createOnlineRetrieval({
    registry: deps.registry,
    store: () => sharedOnlineStore(deps),
    maxEntitiesPerRequest: deps.config.server.maxEntitiesPerRequest,
    ...(deps.clock ? { now: deps.clock } : {}),
    // Set by the metrics when enabled (after the handlers may be created): asked per request.
    observer: () => deps.metrics,
  });
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
    getOnlineFeatures: async (request, call) =>
      // The call context as a free cancellation check (no AbortSignal per call).
      onlineResponseMessage(
        await retrieval.getOnlineFeatures(
          hasPinnedService(request.selection?.featureServices) ? await unpinned(request) : request,
          call,
        ),
        withWireEncoder,
      ),
  };
}

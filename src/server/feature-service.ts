/**
 * FeatureService's implementation: each concern's handlers, merged. Handlers
 * stay thin; the work lives in registry/, online/, offline/, materialize/ and
 * consistency/.
 */
import type { FeatureService } from "../../gen/fstore/v1/feature_service_pb.js";
import type { ServerDeps } from "./deps.js";
import { createConsistencyHandlers } from "./handlers/consistency.js";
import { createHistoricalHandlers } from "./handlers/historical.js";
import { createLineageHandlers } from "./handlers/lineage.js";
import { createMaterializeHandlers } from "./handlers/materialize.js";
import { createMonitoringHandlers } from "./handlers/monitoring.js";
import { createOnlineHandlers } from "./handlers/online.js";
import { createPushHandlers } from "./handlers/push.js";
import { createRegistryHandlers } from "./handlers/registry.js";
import type { ServiceImpl } from "./service-adapter.js";

export function createFeatureServiceImpl(deps: ServerDeps): ServiceImpl<typeof FeatureService> {
  return {
    ...createRegistryHandlers(deps),
    ...createOnlineHandlers(deps),
    ...createHistoricalHandlers(deps),
    ...createMaterializeHandlers(deps),
    ...createPushHandlers(deps),
    ...createConsistencyHandlers(deps),
    ...createMonitoringHandlers(deps),
    ...createLineageHandlers(deps),
  } as ServiceImpl<typeof FeatureService>;
}

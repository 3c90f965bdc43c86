/**
 * ValidateConsistency: a thin handler over consistency/ (request -> input,
 * validation on the shared online store and DuckDB, report -> response), and
 * the last result per feature recorded in the metrics.
 */

import { inputFromRequest, reportToProto, validateConsistency } from "../../consistency/index.js";
import { sharedDuckDb } from "../../offline/index.js";
import { sharedOnlineStore } from "../../online/index.js";
import { sharedRetrievalPins } from "../../push/index.js";
import type { ServerDeps } from "../deps.js";
import { checkValidateLimits } from "../request-limits.js";
import type { HandlerGroup } from "./handler-group.js";

export function createConsistencyHandlers(deps: ServerDeps): HandlerGroup {
  return {
    validateConsistency: async (req, call) => {
      checkValidateLimits(req, deps.config.server);
      const unpin = sharedRetrievalPins(deps.resources).pin();
      const report = await validateConsistency(
        {
          repoPath: deps.config.repoPath,
          snapshot: deps.registry.snapshot(),
          registry: deps.registry,
          // Validation reads the store directly: serving metrics come from GetOnlineFeatures only.
          onlineStore: sharedOnlineStore(deps),
          connect: async () =>
            (await sharedDuckDb(deps.resources, deps.config.offlineStore.duckdb)).connect(),
          signal: call.signal,
        },
        inputFromRequest(req),
      ).finally(unpin);
      deps.metrics?.recordConsistency(report.features);
      return reportToProto(report);
    },
  };
}

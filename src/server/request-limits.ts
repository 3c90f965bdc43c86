/**
 * Per-request bounds (server.max_* in feature_store.yaml), checked on the
 * decoded request before any work starts (pure). A request over a bound is
 * INVALID_ARGUMENT saying the bound, its key and what to do; a message over
 * server.max_message_bytes never gets this far (grpc-js answers
 * RESOURCE_EXHAUSTED). GetOnlineFeatures' bound is checked by online/ and
 * Push's by push/, where the rows are counted anyway.
 */
import type {
  GetHistoricalFeaturesRequest,
  ValidateConsistencyRequest,
} from "../../gen/fstore/v1/feature_service_pb.js";
import type { ServerConfig } from "../config/types.js";
import { invalidArgument } from "../errors/index.js";

export type RequestLimits = Pick<ServerConfig, "maxValidateEntities" | "maxHistoricalEntityRows">;

export function checkValidateLimits(req: ValidateConsistencyRequest, limits: RequestLimits): void {
  const max = limits.maxValidateEntities;
  let given = 0;
  for (const column of Object.values(req.entities)) given = Math.max(given, column.val.length);
  if (given > max) {
    throw invalidArgument(
      `${given} entities given; at most ${max} per ValidateConsistency call (server.max_validate_entities): validate in several calls`,
    );
  }
  if (req.sampleSize > max) {
    throw invalidArgument(
      `sample_size ${req.sampleSize} is above ${max} entities per call (server.max_validate_entities): validate in several calls`,
    );
  }
}

export function checkHistoricalLimits(req: GetHistoricalFeaturesRequest, limits: RequestLimits): void {
  if (req.entities.case !== "entityRows") return;
  const max = limits.maxHistoricalEntityRows;
  const rows = req.entities.value;
  let given = rows.eventTimestamps.length;
  for (const column of Object.values(rows.columns)) given = Math.max(given, column.val.length);
  if (given > max) {
    throw invalidArgument(
      `${given} entity rows given; at most ${max} inline rows per GetHistoricalFeatures call (server.max_historical_entity_rows): ` +
        "split the rows, or register them as a data source and use entity_source",
    );
  }
}

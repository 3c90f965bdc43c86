/**
 * Push RPC: rows for a push source or feature view to the online store, the
 * offline store or both (push/ does the validation and writing).
 */
import { create } from "@bufbuild/protobuf";
import { PushRequestSchema, PushResponseSchema, PushTo } from "../../../gen/fstore/v1/feature_service_pb.js";
import { invalidArgument } from "../../errors/index.js";
import { sharedDuckDb } from "../../offline/index.js";
import { sharedOnlineStore } from "../../online/index.js";
import type { PushDestination } from "../../push/index.js";
import { decodePushRequest, push, sharedPushCompactor } from "../../push/index.js";
import type { ServerDeps } from "../deps.js";
import { setRequestDecoder } from "../service-adapter.js";
import type { HandlerGroup } from "./handler-group.js";

// Decoded by hand: a large push is thousands of Values, too slow for protobuf-es on the event loop.
setRequestDecoder(PushRequestSchema, decodePushRequest);

const DESTINATIONS: Record<PushTo, PushDestination> = {
  [PushTo.UNSPECIFIED]: "online",
  [PushTo.ONLINE]: "online",
  [PushTo.OFFLINE]: "offline",
  [PushTo.ONLINE_AND_OFFLINE]: "online_and_offline",
};

export function createPushHandlers(deps: ServerDeps): HandlerGroup {
  return {
    push: async (req) => {
      const to = DESTINATIONS[req.to];
      if (to === undefined) throw invalidArgument(`unknown push destination ${req.to}`);
      const result = await push(
        {
          config: deps.config,
          registry: deps.registry,
          // Opened on first use: an offline-only push never touches the online store.
          onlineStore: () => sharedOnlineStore(deps),
          duckdb: () => sharedDuckDb(deps.resources, deps.config.offlineStore.duckdb),
          // Small pushed files are merged in the background (push/compaction.ts).
          afterOfflineAppend: (folder) =>
            sharedPushCompactor(
              deps.resources,
              () => sharedDuckDb(deps.resources, deps.config.offlineStore.duckdb),
              deps.logger,
            ).afterPush(folder),
        },
        { name: req.pushSourceName, columns: req.columns, to },
      );
      return create(PushResponseSchema, {
        rows: BigInt(result.rows),
        onlineEntitiesWritten: BigInt(result.onlineEntitiesWritten),
        onlineRowsSkippedStale: BigInt(result.onlineRowsSkippedStale),
        offlinePath: result.offlinePath,
      });
    },
  };
}

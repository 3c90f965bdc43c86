/**
 * Versions and lineage: ListObjectVersions, GetObjectVersion, GetLineage,
 * ListDatasets. The work lives in lineage/; this maps it to messages.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  GetLineageResponseSchema,
  GetObjectVersionResponseSchema,
  ListDatasetsResponseSchema,
  ListObjectVersionsResponseSchema,
} from "../../../gen/fstore/v1/lineage_pb.js";
import { onlineStoreIdentity } from "../../config/online-store-identity.js";
import { invalidArgument, notFound } from "../../errors/index.js";
import { objectHistory, objectVersion, onlineRowLineage, sharedLineage } from "../../lineage/index.js";
import { sharedOnlineStore } from "../../online/index.js";
import { fromValue } from "../../values/index.js";
import type { ServerDeps } from "../deps.js";
import {
  manifestToProto,
  materializationToProto,
  objectVersionToProto,
  onlineRowLineageToProto,
} from "../lineage-to-proto.js";
import type { HandlerGroup } from "./handler-group.js";

const MAX_DATASETS = 1000;

export function createLineageHandlers(deps: ServerDeps): HandlerGroup {
  const lineage = () => sharedLineage(deps);
  return {
    listObjectVersions: async (req) =>
      create(ListObjectVersionsResponseSchema, {
        versions: (await objectHistory(lineage().store, req.name, req.kind)).map(objectVersionToProto),
      }),

    getObjectVersion: async (req) =>
      create(GetObjectVersionResponseSchema, {
        version: objectVersionToProto(await objectVersion(lineage().store, req.name, req.version, req.kind)),
      }),

    getLineage: async (req) => {
      const store = lineage().store;
      const target = req.target;
      if (target.case === "datasetId") {
        const manifest = await store.dataset(target.value);
        if (!manifest)
          throw notFound(`no training set "${target.value}" is recorded in project "${deps.config.project}"`);
        return create(GetLineageResponseSchema, {
          lineage: { case: "dataset", value: manifestToProto(manifest) },
        });
      }
      if (target.case === "materializationRunId") {
        const run = await store.materialization(target.value);
        if (!run) throw notFound(`no materialization run "${target.value}" is recorded`);
        return create(GetLineageResponseSchema, {
          lineage: { case: "materialization", value: materializationToProto(run) },
        });
      }
      if (target.case === "onlineRow") {
        const { featureView, entity } = target.value;
        const view = deps.registry.snapshot().featureViews.get(featureView);
        if (!view) throw notFound(`feature view "${featureView}" is not in the registry`);
        const key = view.entityColumns.map((c) => {
          const value = entity[c.name];
          if (!value) {
            throw invalidArgument(
              `online_row.entity lacks join key "${c.name}" of view "${view.name}" (keys: ${view.entityColumns.map((k) => k.name).join(", ")})`,
            );
          }
          return fromValue(value, c.dtype, `online_row.entity["${c.name}"]`);
        });
        const traced = await onlineRowLineage(
          store,
          sharedOnlineStore(deps),
          onlineStoreIdentity(deps.config.onlineStore),
          view,
          key,
        );
        return create(GetLineageResponseSchema, {
          lineage: { case: "onlineRow", value: onlineRowLineageToProto(traced) },
        });
      }
      throw invalidArgument("no lineage target: set dataset_id, online_row or materialization_run_id");
    },

    listDatasets: async (req) => {
      const limit = Math.min(req.limit || 100, MAX_DATASETS);
      const datasets = await lineage().store.listDatasets(limit);
      return create(ListDatasetsResponseSchema, {
        datasets: datasets.map((d) => ({
          id: d.id,
          createdTime: timestampFromDate(new Date(d.createdAt)),
          rowCount: BigInt(d.rowCount),
        })),
      });
    },
  };
}

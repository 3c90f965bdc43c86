/**
 * Registry reads: ListEntities, ListFeatureViews, ListFeatureServices,
 * ListPermissions, GetFeatureView. Each call reads `deps.registry.snapshot()` (cheap, cached),
 * so a change applied by `fstore apply` shows without a restart.
 */
import { create } from "@bufbuild/protobuf";
import {
  GetFeatureViewResponseSchema,
  ListEntitiesResponseSchema,
  ListFeatureServicesResponseSchema,
  ListFeatureViewsResponseSchema,
  ListPermissionsResponseSchema,
} from "../../../gen/fstore/v1/feature_service_pb.js";
import { invalidArgument, notFound } from "../../errors/index.js";
import type { ServerDeps } from "../deps.js";
import { featureViewFreshness } from "../freshness.js";
import {
  entityToProto,
  featureServiceToProto,
  featureViewToProto,
  matchesTags,
  metaKey,
  onDemandFeatureViewToProto,
  permissionToProto,
} from "../registry-to-proto.js";
import type { HandlerGroup } from "./handler-group.js";

/** The values of `map` carrying all of `tags`, sorted by name. */
function selected<T extends { name: string; tags: Record<string, string> }>(
  map: ReadonlyMap<string, T>,
  tags: Record<string, string>,
): T[] {
  return [...map.values()]
    .filter((o) => matchesTags(o.tags, tags))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Up to `limit` names of `names`, for "did you mean" hints in NOT_FOUND messages. */
function known(names: Iterable<string>, limit = 10): string {
  const all = [...names].sort();
  if (all.length === 0) return "the registry has none (run `fstore apply`)";
  const shown = all.slice(0, limit).join(", ");
  return `known: ${shown}${all.length > limit ? `, ... (${all.length} in all)` : ""}`;
}

export function createRegistryHandlers(deps: ServerDeps): HandlerGroup {
  return {
    listEntities: async (req) => {
      const snap = deps.registry.snapshot();
      return create(ListEntitiesResponseSchema, {
        entities: selected(snap.entities, req.tags).map((e) =>
          entityToProto(e, snap.meta.get(metaKey("entity", e.name))),
        ),
      });
    },

    listFeatureViews: async (req) => {
      const snap = deps.registry.snapshot();
      return create(ListFeatureViewsResponseSchema, {
        featureViews: selected(snap.featureViews, req.tags).map((v) =>
          featureViewToProto(v, { times: snap.meta.get(metaKey("feature_view", v.name)) }),
        ),
        onDemandFeatureViews: selected(snap.onDemandFeatureViews, req.tags).map((v) =>
          onDemandFeatureViewToProto(v, snap, snap.meta.get(metaKey("on_demand_feature_view", v.name))),
        ),
      });
    },

    listFeatureServices: async (req) => {
      const snap = deps.registry.snapshot();
      return create(ListFeatureServicesResponseSchema, {
        featureServices: selected(snap.featureServices, req.tags).map((s) =>
          featureServiceToProto(s, snap, snap.meta.get(metaKey("feature_service", s.name))),
        ),
      });
    },

    listPermissions: async () => {
      const snap = deps.registry.snapshot();
      return create(ListPermissionsResponseSchema, {
        permissions: [...snap.permissions.values()]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((p) => permissionToProto(p, snap.meta.get(metaKey("permission", p.name)))),
      });
    },

    getFeatureView: async (req) => {
      if (req.name === "") throw invalidArgument("GetFeatureView: `name` is required");
      const snap = deps.registry.snapshot();
      const view = snap.featureViews.get(req.name);
      if (!view) {
        const hint = snap.onDemandFeatureViews.has(req.name)
          ? `"${req.name}" is an on-demand feature view: list it with ListFeatureViews`
          : known(snap.featureViews.keys());
        throw notFound(`feature view "${req.name}" not found in project "${snap.project}"; ${hint}`);
      }
      const intervals = await deps.registry.materializationIntervals(view.name);
      const lastRun = await deps.registry.lastMaterializationRun(view.name);
      const times = snap.meta.get(metaKey("feature_view", view.name));
      const freshness = featureViewFreshness({
        intervals,
        online: view.online,
        schedule: deps.config.materialization.schedule,
        created: times?.created,
        now: new Date(),
        materializedElsewhere: (await deps.registry.otherOnlineStores(view.name)).length > 0,
      });
      return create(GetFeatureViewResponseSchema, {
        featureView: featureViewToProto(view, {
          times,
          intervals,
          lastRun,
          freshness,
        }),
      });
    },
  };
}

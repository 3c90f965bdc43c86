/**
 * Enforcement of the repository's permissions on every FeatureService call,
 * and the audit line of each call. Each RPC names the objects and actions it
 * needs (src/permissions/object-checks.ts); the first check the caller fails
 * is PERMISSION_DENIED naming the action and the object. Registry lists are
 * filtered to what the caller may DESCRIBE.
 *
 * GetOnlineFeatures is the serving hot path: its decision is cached per
 * request selection (the decoder hands back the same selection object for the
 * same bytes) and identity, for the registry version it was made against, so
 * a repeated request costs two map lookups.
 */

import { status as GrpcStatus } from "@grpc/grpc-js";
import type { FeatureService } from "../../gen/fstore/v1/feature_service_pb.js";
import { PushTo } from "../../gen/fstore/v1/feature_service_pb.js";
import { Code, FstoreError, notFound } from "../errors/index.js";
import type { Profile } from "../monitoring/index.js";
import {
  type AccessCheck,
  type Action,
  denialMessage,
  firstDenied,
  type Identity,
  isAllowed,
  materializeChecks,
  namedObjectChecks,
  type PermissionDef,
  type ProtectedType,
  protectedObject,
  pushedViews,
  selectionChecks,
  storedProfileChecks,
  viewChecks,
} from "../permissions/index.js";
import { readFeatureSelection } from "../registry/feature-selection.js";
import type { RegistrySnapshot } from "../registry/registry.js";
import type { AuditLog } from "./audit-log.js";
import { identityOf } from "./call-identity.js";
import type { ServerDeps } from "./deps.js";
import { toServiceError } from "./grpc-status.js";
import { serverProfileStore } from "./handlers/monitoring.js";
import type { CallContext, ServiceImpl } from "./service-adapter.js";

type Impl = ServiceImpl<typeof FeatureService>;
type Decision = "allow" | "deny";

const NO_CHECKS: readonly AccessCheck[] = Object.freeze([]);
/** Decisions remembered per selection; cleared when more identities than this called with it. */
const MAX_IDENTITIES_PER_SELECTION = 1000;

const permissionLists = new WeakMap<RegistrySnapshot, PermissionDef[]>();
function permissionsOf(snapshot: RegistrySnapshot): PermissionDef[] {
  let list = permissionLists.get(snapshot);
  if (!list) {
    list = [...snapshot.permissions.values()];
    permissionLists.set(snapshot, list);
  }
  return list;
}

function denied(identity: Identity, check: AccessCheck): FstoreError {
  return new FstoreError(Code.PermissionDenied, denialMessage(identity, check));
}

/**
 * Checks on objects the caller did not name (those of a stored profile read
 * by id), with the NOT_FOUND message to answer when such a check fails on an
 * object the caller may not DESCRIBE: naming it would reveal what the List
 * RPCs and the console hide.
 */
const concealedAs = new WeakMap<AccessCheck, string>();

function codeName(err: unknown): string {
  return GrpcStatus[toServiceError(err).code] ?? "UNKNOWN";
}

/**
 * `impl` with permissions enforced (when the server authenticates callers)
 * and every call audited (when `audit` is given). Without either, `impl` itself.
 */
export function withAccessControl(impl: Impl, deps: ServerDeps, audit: AuditLog | undefined): Impl {
  const enforcing = deps.config.server.auth !== null;
  if (!enforcing && !audit) return impl;

  const record = (
    identity: Identity | undefined,
    rpc: string,
    checks: readonly AccessCheck[],
    decision: Decision,
    code: string,
    rows: number,
  ) => audit?.write({ identity, rpc, checks, decision, code, rows });

  /** The first check `identity` fails under the snapshot's permissions (none without auth). */
  const decide = (
    identity: Identity | undefined,
    snapshot: RegistrySnapshot,
    checks: readonly AccessCheck[],
  ) => (enforcing && identity ? firstDenied(permissionsOf(snapshot), identity, checks) : undefined);

  const count = (rpc: string, decision: Decision) => deps.metrics?.countAccessDecision(rpc, decision);

  /** The error for a failed check: PERMISSION_DENIED, or NOT_FOUND for a concealed object the caller may not describe. */
  const refusal = (identity: Identity, snapshot: RegistrySnapshot, failed: AccessCheck): FstoreError => {
    const concealed = concealedAs.get(failed);
    if (concealed !== undefined && !isAllowed(permissionsOf(snapshot), identity, failed.object, "DESCRIBE")) {
      return notFound(concealed);
    }
    return denied(identity, failed);
  };

  function unary<Req, Res>(
    rpc: string,
    handler: (req: Req, call: CallContext) => Promise<Res>,
    checksOf: (
      req: Req,
      snapshot: RegistrySnapshot,
    ) => readonly AccessCheck[] | Promise<readonly AccessCheck[]>,
    rowsOf: (req: Req, res: Res) => number,
  ) {
    return async (req: Req, call: CallContext): Promise<Res> => {
      const identity = identityOf(call.metadata);
      let checks = NO_CHECKS;
      try {
        const snapshot = deps.registry.snapshot();
        const pending = checksOf(req, snapshot);
        checks = pending instanceof Promise ? await pending : pending;
        const failed = decide(identity, snapshot, checks);
        count(rpc, failed ? "deny" : "allow");
        if (failed && identity) throw refusal(identity, snapshot, failed);
      } catch (err) {
        record(identity, rpc, checks, "deny", codeName(err), 0);
        throw err;
      }
      try {
        const res = await handler(req, call);
        record(identity, rpc, checks, "allow", "OK", rowsOf(req, res));
        return res;
      } catch (err) {
        record(identity, rpc, checks, "allow", codeName(err), 0);
        throw err;
      }
    };
  }

  function streaming<Req, Res>(
    rpc: string,
    handler: (req: Req, call: CallContext) => AsyncIterable<Res>,
    checksOf: (req: Req, snapshot: RegistrySnapshot) => readonly AccessCheck[],
    rowsOf: (message: Res) => number,
  ) {
    return (req: Req, call: CallContext): AsyncIterable<Res> =>
      (async function* () {
        const identity = identityOf(call.metadata);
        let checks = NO_CHECKS;
        try {
          const snapshot = deps.registry.snapshot();
          checks = checksOf(req, snapshot);
          const failed = decide(identity, snapshot, checks);
          count(rpc, failed ? "deny" : "allow");
          if (failed && identity) throw denied(identity, failed);
        } catch (err) {
          record(identity, rpc, checks, "deny", codeName(err), 0);
          throw err;
        }
        let rows = 0;
        let code = "CANCELLED";
        try {
          for await (const message of handler(req, call)) {
            rows += rowsOf(message);
            yield message;
          }
          code = "OK";
        } catch (err) {
          code = codeName(err);
          throw err;
        } finally {
          record(identity, rpc, checks, "allow", code, rows);
        }
      })();
  }

  /** A registry list: every item checked for DESCRIBE; the response keeps those allowed. */
  function listing<Req, Res>(
    rpc: string,
    handler: (req: Req, call: CallContext) => Promise<Res>,
    filter: (
      res: Res,
      allowed: (type: ProtectedType, item: { name: string; tags: Record<string, string> }) => boolean,
    ) => number,
  ) {
    return async (req: Req, call: CallContext): Promise<Res> => {
      const identity = identityOf(call.metadata);
      const checks: AccessCheck[] = [];
      let res: Res;
      try {
        res = await handler(req, call);
      } catch (err) {
        record(identity, rpc, checks, "allow", codeName(err), 0);
        throw err;
      }
      const may = describeCheck(deps.config, deps.registry.snapshot(), identity);
      const rows = filter(res, (type, item) => {
        if (!may(type, item)) return false;
        checks.push({ object: protectedObject(type, item), action: "DESCRIBE" });
        return true;
      });
      count(rpc, "allow");
      record(identity, rpc, checks, "allow", "OK", rows);
      return res;
    };
  }

  const onlineDecisions = new WeakMap<
    object,
    {
      version: number;
      byIdentity: Map<Identity | undefined, { checks: readonly AccessCheck[]; failed?: AccessCheck }>;
    }
  >();
  const readOnline: readonly Action[] = ["READ_ONLINE"];
  const readOffline: readonly Action[] = ["READ_OFFLINE"];
  const readBoth: readonly Action[] = ["READ_ONLINE", "READ_OFFLINE"];

  const getOnlineFeatures: Impl["getOnlineFeatures"] = async (req, call) => {
    const identity = identityOf(call.metadata);
    const snapshot = deps.registry.snapshot();
    const key = req.selection;
    let entry = key ? onlineDecisions.get(key) : undefined;
    if (!entry || entry.version !== snapshot.version) {
      entry = { version: snapshot.version, byIdentity: new Map() };
      if (key) onlineDecisions.set(key, entry);
    }
    let decision = entry.byIdentity.get(identity);
    if (!decision) {
      let checks = NO_CHECKS;
      try {
        const selection = readFeatureSelection(req.selection);
        checks = selection ? selectionChecks(snapshot, selection, readOnline) : NO_CHECKS;
      } catch (err) {
        record(identity, "GetOnlineFeatures", NO_CHECKS, "deny", codeName(err), 0);
        throw err;
      }
      decision = { checks, failed: decide(identity, snapshot, checks) };
      if (entry.byIdentity.size >= MAX_IDENTITIES_PER_SELECTION) entry.byIdentity.clear();
      entry.byIdentity.set(identity, decision);
    }
    const rows = entityRows(req.entities);
    if (decision.failed && identity) {
      count("GetOnlineFeatures", "deny");
      record(identity, "GetOnlineFeatures", decision.checks, "deny", "PERMISSION_DENIED", 0);
      throw denied(identity, decision.failed);
    }
    count("GetOnlineFeatures", "allow");
    try {
      const res = await impl.getOnlineFeatures(req, call);
      record(identity, "GetOnlineFeatures", decision.checks, "allow", "OK", rows);
      return res;
    } catch (err) {
      record(identity, "GetOnlineFeatures", decision.checks, "allow", codeName(err), 0);
      throw err;
    }
  };

  const onlineViews = (snapshot: RegistrySnapshot) =>
    [...snapshot.featureViews.values()].filter((v) => v.online);

  /**
   * READ_OFFLINE on what stored profile `id` covers (concealed: see
   * `concealedAs`); none when there is no such profile (the handler then
   * answers NOT_FOUND, as to everyone).
   */
  const storedProfileReads = async (id: bigint, snapshot: RegistrySnapshot): Promise<AccessCheck[]> => {
    let profile: Profile;
    try {
      profile = await serverProfileStore(deps).getProfile(Number(id));
    } catch (err) {
      if (FstoreError.from(err).code === Code.NotFound) return [];
      throw err;
    }
    const checks = storedProfileChecks(snapshot, profile, readOffline);
    const message = `profile ${id} is not in the registry`;
    for (const check of checks) concealedAs.set(check, message);
    return checks;
  };

  return {
    getOnlineFeatures,
    getHistoricalFeatures: streaming(
      "GetHistoricalFeatures",
      impl.getHistoricalFeatures,
      (req, snapshot) => {
        const selection = readFeatureSelection(req.selection);
        const checks = selection ? selectionChecks(snapshot, selection, readOffline) : [];
        if (req.entities.case === "entitySource") {
          const source = snapshot.dataSources.get(req.entities.value.source);
          if (source) checks.push({ object: protectedObject("DataSource", source), action: "READ_OFFLINE" });
        }
        return checks;
      },
      (m) => (m.kind.case === "summary" ? Number(m.kind.value.rowCount) : 0),
    ),
    materialize: streaming(
      "Materialize",
      impl.materialize,
      (req, snapshot) =>
        materializeChecks(
          req.featureViews.length === 0
            ? onlineViews(snapshot)
            : req.featureViews.flatMap((name) => snapshot.featureViews.get(name) ?? []),
        ),
      (m) =>
        m.kind.case === "summary" ? m.kind.value.views.reduce((n, v) => n + Number(v.entitiesWritten), 0) : 0,
    ),
    push: unary(
      "Push",
      impl.push,
      (req, snapshot) => {
        const actions: Action[] =
          req.to === PushTo.OFFLINE
            ? ["WRITE_OFFLINE"]
            : req.to === PushTo.ONLINE_AND_OFFLINE
              ? ["WRITE_ONLINE", "WRITE_OFFLINE"]
              : ["WRITE_ONLINE"];
        return viewChecks(
          snapshot,
          pushedViews(snapshot, req.pushSourceName).map((v) => v.name),
          actions,
        );
      },
      (_, res) => Number(res.rows),
    ),
    validateConsistency: unary(
      "ValidateConsistency",
      impl.validateConsistency,
      (req, snapshot) => {
        const selection = readFeatureSelection(req.selection);
        // Neither views nor a selection: every online view is checked.
        if (req.featureViews.length === 0 && !selection) {
          return viewChecks(
            snapshot,
            onlineViews(snapshot).map((v) => v.name),
            readBoth,
          );
        }
        return [
          ...viewChecks(snapshot, req.featureViews, readBoth),
          ...(selection ? selectionChecks(snapshot, selection, readBoth) : []),
        ];
      },
      (_, res) => Number(res.entitiesChecked),
    ),
    // Statistics summarize a source's rows (top values included): READ_OFFLINE on what is profiled,
    // or on what a stored profile asked for by id covers.
    getFeatureStatistics: unary(
      "GetFeatureStatistics",
      impl.getFeatureStatistics,
      (req, snapshot) => {
        if (req.profileId !== 0n) return storedProfileReads(req.profileId, snapshot);
        const s = req.source?.source;
        if (s?.case === "featureView") return viewChecks(snapshot, [s.value], readOffline);
        const service =
          s?.case === "featureService" || s?.case === "servingLogs"
            ? s.value
            : s?.case === "trainingSet"
              ? req.source?.trainingSetFeatureService
              : undefined;
        return service ? selectionChecks(snapshot, { kind: "services", names: [service] }, readOffline) : [];
      },
      (_, res) => res.profile?.features.length ?? 0,
    ),
    detectDrift: unary(
      "DetectDrift",
      impl.detectDrift,
      async (req, snapshot) => {
        const checks = selectionChecks(
          snapshot,
          { kind: "services", names: [req.featureService] },
          readOffline,
        );
        // A baseline by id is reported feature by feature: its objects are read too.
        if (req.baselineProfileId !== 0n)
          checks.push(...(await storedProfileReads(req.baselineProfileId, snapshot)));
        return checks;
      },
      (_, res) => res.features.length,
    ),
    getFeatureView: unary(
      "GetFeatureView",
      impl.getFeatureView,
      (req, snapshot) => viewChecks(snapshot, [req.name], ["DESCRIBE"]),
      () => 1,
    ),
    listEntities: listing("ListEntities", impl.listEntities, (res, allowed) => {
      res.entities = res.entities.filter((e) => allowed("Entity", e));
      return res.entities.length;
    }),
    listFeatureViews: listing("ListFeatureViews", impl.listFeatureViews, (res, allowed) => {
      res.featureViews = res.featureViews.filter((v) => allowed("FeatureView", v));
      res.onDemandFeatureViews = res.onDemandFeatureViews.filter((v) => allowed("OnDemandFeatureView", v));
      return res.featureViews.length + res.onDemandFeatureViews.length;
    }),
    listFeatureServices: listing("ListFeatureServices", impl.listFeatureServices, (res, allowed) => {
      res.featureServices = res.featureServices.filter((s) => allowed("FeatureService", s));
      return res.featureServices.length;
    }),
    listPermissions: listing("ListPermissions", impl.listPermissions, (res, allowed) => {
      res.permissions = res.permissions.filter((p) => allowed("Permission", { name: p.name, tags: {} }));
      return res.permissions.length;
    }),
    listObjectVersions: unary(
      "ListObjectVersions",
      impl.listObjectVersions,
      (req, snapshot) => namedObjectChecks(snapshot, req.name, ["DESCRIBE"]),
      (_, res) => res.versions.length,
    ),
    getObjectVersion: unary(
      "GetObjectVersion",
      impl.getObjectVersion,
      (req, snapshot) => namedObjectChecks(snapshot, req.name, ["DESCRIBE"]),
      () => 1,
    ),
    getLineage: unary(
      "GetLineage",
      impl.getLineage,
      (req, snapshot) =>
        req.target.case === "onlineRow"
          ? viewChecks(snapshot, [req.target.value.featureView], ["DESCRIBE"])
          : NO_CHECKS,
      () => 1,
    ),
    listDatasets: unary(
      "ListDatasets",
      impl.listDatasets,
      () => NO_CHECKS,
      (_, res) => res.datasets.length,
    ),
  };
}

/**
 * Whether `identity` may DESCRIBE an object of `snapshot` (or take another
 * action on it: the console shows statistics of a view's data only with
 * READ_OFFLINE, as GetFeatureStatistics asks): the decision the List RPCs
 * filter with, and the web console (src/console) shows only what it allows.
 * Everything is allowed when the server does not authenticate callers.
 */
export function describeCheck(
  config: Pick<ServerDeps["config"], "server">,
  snapshot: RegistrySnapshot,
  identity: Identity | undefined,
): (
  type: ProtectedType,
  item: { name: string; tags: Readonly<Record<string, string>> },
  action?: Action,
) => boolean {
  if (config.server.auth === null || !identity) return () => true;
  const permissions = permissionsOf(snapshot);
  return (type, item, action = "DESCRIBE") =>
    isAllowed(permissions, identity, protectedObject(type, item), action);
}

/** Entity rows of a GetOnlineFeatures request: the length of its first entity column. */
function entityRows(entities: Record<string, { val: unknown[] }>): number {
  for (const key in entities) return entities[key]?.val.length ?? 0;
  return 0;
}

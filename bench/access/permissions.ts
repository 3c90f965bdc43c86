/**
 * The access benchmark's permissions: several, as a real repository has, and
 * the one that lets the benchmark's reader read `fv50` is the last to match
 * (a decision that is not cached would test every one of them each call).
 */
import { ACTIONS, type PermissionDef, PROTECTED_TYPES } from "../../src/permissions/index.js";

const role = (roles: string[]) => ({ kind: "role_based" as const, roles });

export const benchPermissions: PermissionDef[] = [
  {
    name: "admin",
    types: [...PROTECTED_TYPES],
    namePatterns: [],
    requiredTags: {},
    actions: [...ACTIONS],
    policy: role(["admin"]),
  },
  {
    name: "pii_read",
    types: ["FeatureView", "OnDemandFeatureView", "FeatureService"],
    namePatterns: [],
    requiredTags: { pii: "true" },
    actions: ["READ_ONLINE", "READ_OFFLINE"],
    policy: role(["pii-reader"]),
  },
  {
    name: "writers",
    types: ["FeatureView"],
    namePatterns: ["fv.*"],
    requiredTags: {},
    actions: ["WRITE_ONLINE", "WRITE_OFFLINE"],
    policy: role(["writer"]),
  },
  {
    name: "describe_all",
    types: [...PROTECTED_TYPES],
    namePatterns: [],
    requiredTags: {},
    actions: ["DESCRIBE"],
    policy: role(["reader", "writer"]),
  },
  {
    name: "serving_read",
    types: ["FeatureView", "FeatureService"],
    namePatterns: ["fv[0-9]+"],
    requiredTags: {},
    actions: ["READ_ONLINE"],
    policy: role(["reader"]),
  },
];

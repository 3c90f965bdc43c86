/**
 * Permissions in model form (Feast's `Permission`): which identities may do
 * which actions on which registry objects. Built by `definitions/permission.ts`,
 * stored by the registry like every other object, decided by `decide.ts`.
 */
import type { Tags } from "../registry/model.js";

/** Feast's `AuthzedAction`, by name. */
export const ACTIONS = [
  "CREATE",
  "DESCRIBE",
  "UPDATE",
  "DELETE",
  "READ_ONLINE",
  "READ_OFFLINE",
  "WRITE_ONLINE",
  "WRITE_OFFLINE",
] as const;
export type Action = (typeof ACTIONS)[number];

/** The object types a permission can match (Feast's class names). */
export const PROTECTED_TYPES = [
  "Entity",
  "DataSource",
  "FeatureView",
  "OnDemandFeatureView",
  "FeatureService",
  "Permission",
] as const;
export type ProtectedType = (typeof PROTECTED_TYPES)[number];

/** A role-based policy: granted when the identity holds any of `roles`. */
export interface RoleBasedPolicyDef {
  kind: "role_based";
  roles: string[];
}

export interface PermissionDef {
  name: string;
  /** Object types it applies to (all when written without `types`). */
  types: ProtectedType[];
  /** Regular expressions that must each match the whole object name; none: any name. */
  namePatterns: string[];
  /** Tags the object must carry with these values; none: any object. */
  requiredTags: Tags;
  /** Actions it governs (all when written without `actions`). */
  actions: Action[];
  policy: RoleBasedPolicyDef;
}

/** Who is calling: from a static token, a JWT or a client certificate. */
export interface Identity {
  /** For audit lines and messages, e.g. "token:reader" or "jwt:alice". */
  name: string;
  roles: readonly string[];
}

/** An object of the registry as a permission sees it. */
export interface ProtectedObject {
  type: ProtectedType;
  name: string;
  tags: Tags;
}

/** One action on one object, as an RPC needs it. */
export interface AccessCheck {
  object: ProtectedObject;
  action: Action;
}

import { invalidArgument } from "../errors/index.js";
import {
  ACTIONS,
  type Action,
  type PermissionDef,
  PROTECTED_TYPES,
  type ProtectedType,
  type RoleBasedPolicyDef,
} from "../permissions/model.js";
import type { Tags } from "../registry/model.js";
import { DEFINITION_KIND, kindOf, readName } from "./definition-kind.js";
import { checkKnownOptions } from "./known-options.js";

export interface RoleBasedPolicyOptions {
  /** Granted to an identity holding any of these roles. */
  roles: string[];
}

/** Grants to identities holding any of its roles (Feast's `RoleBasedPolicy`). */
export class RoleBasedPolicy {
  readonly [DEFINITION_KIND] = "role_based_policy" as const;
  readonly def: RoleBasedPolicyDef;

  constructor(options: RoleBasedPolicyOptions) {
    const label = "RoleBasedPolicy";
    if (typeof options !== "object" || options === null)
      throw invalidArgument(`${label}: expected { roles }`);
    checkKnownOptions(label, options, ["roles"]);
    const roles = options.roles;
    if (!Array.isArray(roles) || roles.length === 0 || roles.some((r) => typeof r !== "string" || r === "")) {
      throw invalidArgument(`${label}: roles: expected a non-empty list of role names`);
    }
    this.def = { kind: "role_based", roles: [...roles] };
  }
}

/** An object type: its name ("FeatureView") or the definition class itself (`FeatureView`). */
export type PermissionTypeOption = ProtectedType | { name: string };

export interface PermissionOptions {
  name: string;
  /** Object types it applies to; default: every type. */
  types?: PermissionTypeOption[];
  /** Regular expressions each matching the whole object name; default: any name. */
  namePatterns?: string[];
  /** Tags the object must carry, e.g. `{ pii: "true" }`; default: none. */
  requiredTags?: Tags;
  /** Actions it governs, e.g. ["READ_ONLINE"]; default: every action. */
  actions?: Action[];
  policy: RoleBasedPolicy;
}

/**
 * Who may do what on which objects (Feast's `Permission`). Applied with the
 * rest of the repository; enforced by the server on every call.
 */
export class Permission {
  readonly [DEFINITION_KIND] = "permission" as const;
  readonly name: string;
  readonly def: PermissionDef;

  constructor(options: PermissionOptions) {
    const { name, label } = readName("permission", options);
    checkKnownOptions(label, options, ["name", "types", "namePatterns", "requiredTags", "actions", "policy"]);
    this.name = name;
    this.def = {
      name,
      types: readTypes(label, options.types),
      namePatterns: readPatterns(label, options.namePatterns),
      requiredTags: readTags(label, options.requiredTags),
      actions: readActions(label, options.actions),
      policy: readPolicy(label, options.policy),
    };
  }
}

function readTypes(label: string, types: unknown): ProtectedType[] {
  if (types === undefined) return [...PROTECTED_TYPES];
  if (!Array.isArray(types) || types.length === 0) {
    throw invalidArgument(
      `${label}: types: expected a non-empty list, e.g. [FeatureView] or ["FeatureView"]`,
    );
  }
  return types.map((t, i) => {
    const name =
      typeof t === "string" ? t : typeof t === "function" ? (t as { name: string }).name : undefined;
    if (!name || !(PROTECTED_TYPES as readonly string[]).includes(name)) {
      throw invalidArgument(
        `${label}: types[${i}]: unknown type ${JSON.stringify(name ?? t)}; expected one of ${PROTECTED_TYPES.join(", ")}`,
      );
    }
    return name as ProtectedType;
  });
}

function readPatterns(label: string, patterns: unknown): string[] {
  if (patterns === undefined) return [];
  if (!Array.isArray(patterns))
    throw invalidArgument(`${label}: namePatterns: expected a list of regular expressions`);
  return patterns.map((p, i) => {
    if (typeof p !== "string" || p === "") {
      throw invalidArgument(`${label}: namePatterns[${i}]: expected a non-empty regular expression`);
    }
    try {
      new RegExp(p, "u");
    } catch (err) {
      throw invalidArgument(
        `${label}: namePatterns[${i}]: invalid regular expression: ${(err as Error).message}`,
      );
    }
    return p;
  });
}

function readTags(label: string, tags: unknown): Tags {
  if (tags === undefined) return {};
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    throw invalidArgument(
      `${label}: requiredTags: expected an object of string values, e.g. { pii: "true" }`,
    );
  }
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== "string")
      throw invalidArgument(`${label}: requiredTags.${key}: expected a string value`);
  }
  return { ...(tags as Tags) };
}

function readActions(label: string, actions: unknown): Action[] {
  if (actions === undefined) return [...ACTIONS];
  if (!Array.isArray(actions) || actions.length === 0) {
    throw invalidArgument(`${label}: actions: expected a non-empty list, e.g. ["READ_ONLINE"]`);
  }
  return actions.map((a, i) => {
    if (typeof a !== "string" || !(ACTIONS as readonly string[]).includes(a)) {
      throw invalidArgument(
        `${label}: actions[${i}]: unknown action ${JSON.stringify(a)}; expected one of ${ACTIONS.join(", ")}`,
      );
    }
    return a as Action;
  });
}

function readPolicy(label: string, policy: unknown): RoleBasedPolicyDef {
  if (kindOf(policy) !== "role_based_policy") {
    throw invalidArgument(`${label}: policy: expected new RoleBasedPolicy({ roles: [...] })`);
  }
  return (policy as RoleBasedPolicy).def;
}

/**
 * Feast's permission semantics, pure. A permission applies to an object when
 * its types include the object's type, every name pattern matches the whole
 * name, and every required tag is carried with the same value. Among the
 * permissions that apply and govern the action, the decision is affirmative:
 * one granting policy is enough. When permissions are defined and none
 * applies, the request is denied; with no permissions at all every
 * authenticated caller is allowed (fstore's behaviour before permissions).
 */
import type { AccessCheck, Action, Identity, PermissionDef, ProtectedObject } from "./model.js";

/** Compiled name patterns, shared by every decision (patterns are validated at apply). */
const compiled = new Map<string, RegExp>();

function fullMatch(pattern: string, name: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, "u");
    compiled.set(pattern, re);
  }
  return re.test(name);
}

/** Whether `permission` applies to `object` (type, every pattern, every required tag). */
export function appliesTo(permission: PermissionDef, object: ProtectedObject): boolean {
  if (!permission.types.includes(object.type)) return false;
  if (!permission.namePatterns.every((p) => fullMatch(p, object.name))) return false;
  return Object.entries(permission.requiredTags).every(([k, v]) => object.tags[k] === v);
}

/** Whether `identity` may do `action` on `object` under `permissions`. */
export function isAllowed(
  permissions: readonly PermissionDef[],
  identity: Identity,
  object: ProtectedObject,
  action: Action,
): boolean {
  if (permissions.length === 0) return true;
  return permissions.some(
    (p) =>
      p.actions.includes(action) &&
      appliesTo(p, object) &&
      p.policy.roles.some((role) => identity.roles.includes(role)),
  );
}

/** The first check `identity` fails, or undefined when every one is allowed. */
export function firstDenied(
  permissions: readonly PermissionDef[],
  identity: Identity,
  checks: readonly AccessCheck[],
): AccessCheck | undefined {
  return checks.find((c) => !isAllowed(permissions, identity, c.object, c.action));
}

/** The caller's message for a denial: the action and the object, never any values. */
export function denialMessage(identity: Identity, check: AccessCheck): string {
  return `${identity.name} may not ${check.action} ${check.object.type} "${check.object.name}"`;
}

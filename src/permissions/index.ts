export { appliesTo, denialMessage, firstDenied, isAllowed } from "./decide.js";
export type {
  AccessCheck,
  Action,
  Identity,
  PermissionDef,
  ProtectedObject,
  ProtectedType,
  RoleBasedPolicyDef,
} from "./model.js";
export { ACTIONS, PROTECTED_TYPES } from "./model.js";
export {
  materializeChecks,
  namedObjectChecks,
  protectedObject,
  pushedViews,
  type StoredProfileScope,
  selectionChecks,
  storedProfileChecks,
  viewChecks,
} from "./object-checks.js";

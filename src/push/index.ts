// For the server and tests.

export { appendParquet, pushFileName } from "./offline-append.js";
export type { PushContext, PushDestination, PushRequest, PushResult } from "./push.js";
export { push } from "./push.js";
// For other modules.
export type { PushColumn, PushTarget } from "./push-target.js";
export { resolvePushTarget } from "./push-target.js";
export type { PushTable } from "./validate-push.js";
export { validatePushColumns } from "./validate-push.js";

// For the server and tests.
export type { CompactionOptions, CompactionResult } from "./compaction.js";
export { compactFolder, DEFAULT_COMPACTION, planCompaction } from "./compaction.js";
export { appendParquet, pushFileName } from "./offline-append.js";
export type { PushContext, PushDestination, PushRequest, PushResult } from "./push.js";
export { push } from "./push.js";
export { PushCompactor, sharedPushCompactor } from "./push-compactor.js";
export { decodePushRequest } from "./push-request-decoder.js";
// For other modules.
export type { PushColumn, PushTarget } from "./push-target.js";
export { resolvePushTarget } from "./push-target.js";
export { RetrievalPins, sharedRetrievalPins } from "./retrieval-pins.js";
export type { PushTable } from "./validate-push.js";
export { validatePushColumns } from "./validate-push.js";

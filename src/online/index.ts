// The online side of fstore: online stores (Redis, SQLite) and GetOnlineFeatures.

export type { OnlineStoreTuning } from "./create-online-store.js";
export { createOnlineStore } from "./create-online-store.js";
// Encodings (Feast-compatible keys and fields; fstore's packed rows).
export type { EntityKeyEncoder } from "./entity-key.js";
export { createEntityKeyEncoder, deserializeEntityKey, serializeEntityKey } from "./entity-key.js";
export {
  decodeFeastTimestamp,
  decodeFeastValue,
  encodeFeastTimestamp,
  encodeFeastValue,
  feastFeatureField,
  feastTimestampField,
} from "./feast-fields.js";
export { murmur3_32, murmur3_32String } from "./murmur3.js";
export { decodeOnlineRequest } from "./online-request-decoder.js";
export type {
  ColumnValues,
  OnlineResult,
  PackedRead,
  ResultColumn,
  StandaloneColumn,
} from "./online-response.js";
export { encodeOnlineResponse, onlineResult, toOnlineResponseMessage } from "./online-response.js";
export { onlineResponseMessage } from "./online-response-message.js";
// GetOnlineFeatures.
export type { OnlineRetrieval, OnlineRetrievalOptions, ServingObserver } from "./online-retrieval.js";
export { createOnlineRetrieval } from "./online-retrieval.js";
export { encodeOnlineRows, readStoredRows, writeOnlineRows } from "./online-rows.js";
// Stores.
export type {
  EncodedRows,
  EntityKeyValues,
  OnlineRow,
  OnlineStore,
  StoredRow,
  ViewLookup,
  WriteResult,
} from "./online-store.js";
export type { ServingStatusCount } from "./packed-cells.js";
export type { RedisConnectionOptions, RedisEndpoint } from "./redis-connection.js";
export { parseRedisConnectionString } from "./redis-connection.js";
export type { RedisOnlineStoreOptions } from "./redis-online-store.js";
export { createRedisOnlineStore } from "./redis-online-store.js";
export type {
  OdfvInput,
  PlannedOdfv,
  PlannedOutput,
  PlannedRead,
  RetrievalPlan,
} from "./retrieval-plan.js";
export { planRetrieval, selectedRefs } from "./retrieval-plan.js";
export { ONLINE_STORE_RESOURCE, sharedOnlineStore } from "./shared-online-store.js";
export type { SqliteOnlineStoreOptions } from "./sqlite-online-store.js";
export { createSqliteOnlineStore } from "./sqlite-online-store.js";

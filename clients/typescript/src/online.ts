/**
 * GetOnlineFeatures in plain JS: columnar entities in, one column per join
 * key and feature out, plus the same data as rows.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  FieldStatus,
  type GetOnlineFeaturesRequestSchema,
  type GetOnlineFeaturesResponse,
} from "../gen/fstore/v1/feature_service_pb.js";
import { type FeatureSelectionInput, featureSelection } from "./feature-selection.js";
import { fromValue, type InputValue, type NativeValue, toColumns } from "./native-values.js";
import { dateOf } from "./registry-objects.js";

export type FieldStatusName = "UNSPECIFIED" | "PRESENT" | "NULL_VALUE" | "NOT_FOUND" | "OUTSIDE_MAX_AGE";

/** What to read (`features` or `featureServices`) for which entities. */
export interface OnlineFeaturesRequest extends FeatureSelectionInput {
  /** Join-key name -> one value per entity row, e.g. `{ vehicle_id: [1n, 2n] }`. */
  entities: Record<string, readonly InputValue[]>;
  /** Name output columns "view__feature" instead of "feature". */
  fullFeatureNames?: boolean;
  /** Request data for on-demand feature views, columnar like `entities`. */
  requestContext?: Record<string, readonly InputValue[]>;
}

export interface OnlineColumn {
  name: string;
  values: NativeValue[];
  statuses: FieldStatusName[];
  /** Event time of each value, as sent: epoch 0 (`new Date(0)`) for NOT_FOUND; null only if the server sent none. */
  eventTimestamps: (Date | null)[];
}

export interface OnlineFeaturesResult {
  /** Output column names: join keys first, then features. */
  featureNames: string[];
  /** One column per name, in `featureNames` order. */
  columns: OnlineColumn[];
  /** The same values as one object per entity row. */
  rows: Record<string, NativeValue>[];
}

export function onlineRequest(
  req: OnlineFeaturesRequest,
): MessageInitShape<typeof GetOnlineFeaturesRequestSchema> {
  return {
    selection: featureSelection(req, "getOnlineFeatures"),
    entities: toColumns(req.entities),
    fullFeatureNames: req.fullFeatureNames ?? false,
    requestContext: toColumns(req.requestContext ?? {}),
  };
}

function statusName(s: FieldStatus): FieldStatusName {
  return (FieldStatus[s] ?? "UNSPECIFIED") as FieldStatusName;
}

export function onlineResult(res: GetOnlineFeaturesResponse): OnlineFeaturesResult {
  const featureNames = [...(res.metadata?.featureNames?.val ?? [])];
  const columns = res.results.map((vector, i) => {
    const statuses = vector.statuses.map(statusName);
    return {
      name: featureNames[i] ?? `column_${i}`,
      values: vector.values.map(fromValue),
      statuses,
      // As sent: a repeated Timestamp cannot hold "unset", so a value not found carries epoch 0 (Feast's way).
      eventTimestamps: vector.values.map((_, r) => dateOf(vector.eventTimestamps[r])),
    };
  });
  const rowCount = Math.max(0, ...columns.map((c) => c.values.length));
  const rows: Record<string, NativeValue>[] = [];
  for (let r = 0; r < rowCount; r++) {
    const row: Record<string, NativeValue> = {};
    for (const c of columns) row[c.name] = c.values[r] ?? null;
    rows.push(row);
  }
  return { featureNames, columns, rows };
}

/**
 * GetHistoricalFeatures in plain JS: the stream's schema, record batches
 * decoded into columns of native values, and the summary.
 */
import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type {
  Column,
  GetHistoricalFeaturesRequestSchema,
  GetHistoricalFeaturesResponse,
  HistoricalSummary,
  TableSchema,
} from "../gen/fstore/v1/feature_service_pb.js";
import { GetHistoricalFeaturesResponseSchema } from "../gen/fstore/v1/feature_service_pb.js";
import { type FeatureSelectionInput, featureSelection } from "./feature-selection.js";
import { fromValue, type InputValue, type NativeValue, toColumns } from "./native-values.js";
import { type DecodedBatch, type DecodedColumn, decodeBatchMessage } from "./record-batch-decoder.js";
import { type FieldInfo, fieldInfo, msOf } from "./registry-objects.js";

/** What to join (`features` or `featureServices`) onto which entity rows. */
export interface HistoricalFeaturesRequest extends FeatureSelectionInput {
  /** Entity rows given inline: join-key columns plus one event timestamp per row. */
  entityRows?: { columns: Record<string, readonly InputValue[]>; eventTimestamps: readonly Date[] };
  /** Or entity rows read from a registered source. */
  entitySource?: { source: string; start?: Date; end?: Date };
  fullFeatureNames?: boolean;
  options?: {
    strict?: boolean;
    dropUnmatched?: boolean;
    excludeCreatedAfter?: boolean;
    includeFeatureTimestamps?: boolean;
  };
  /** Write Parquet to this path (inside the server's output directory) instead of streaming rows. */
  parquetOutput?: string;
  /** Rows per streamed batch; the server's default when unset. */
  batchSize?: number;
}

export interface HistoricalSummaryInfo {
  rowCount: number;
  matchCounts: { featureView: string; matchedRows: number }[];
  elapsedMs: number;
  leakageViolations: number;
  leakagePassed: boolean;
  /** With parquet output: the absolute path written. */
  outputPath: string;
  fields: FieldInfo[];
  /** The id of the training set's recorded manifest (GetLineage, `fstore lineage ID`). */
  datasetId: string;
}

/** One message of the stream. Batches hold columns of native values (timestamps as Dates, int64 as bigint). */
export type HistoricalEvent =
  | { kind: "schema"; fields: FieldInfo[] }
  | { kind: "batch"; numRows: number; columns: Record<string, NativeValue[]> }
  | { kind: "summary"; summary: HistoricalSummaryInfo };

/**
 * One message of the stream with batches as typed columns (see
 * record-batch-decoder.ts): the fast way to consume a large training set.
 */
export type HistoricalColumnsEvent =
  | { kind: "schema"; fields: FieldInfo[] }
  | { kind: "batch"; numRows: number; columns: DecodedColumn[] }
  | { kind: "summary"; summary: HistoricalSummaryInfo };

/** A stream message as read off the wire: a batch decoded to typed arrays, anything else by protobuf-es. */
export type HistoricalWireMessage = { batch: DecodedBatch } | { message: GetHistoricalFeaturesResponse };

export function readHistoricalMessage(b: Uint8Array): HistoricalWireMessage {
  const batch = decodeBatchMessage(b);
  return batch ? { batch } : { message: fromBinary(GetHistoricalFeaturesResponseSchema, b) };
}

export function historicalColumnsEvent(m: HistoricalWireMessage): HistoricalColumnsEvent | undefined {
  if ("batch" in m) return { kind: "batch", numRows: m.batch.numRows, columns: m.batch.columns };
  const e = historicalEvent(m.message);
  return e?.kind === "batch" ? undefined : e;
}

export function historicalRequest(
  req: HistoricalFeaturesRequest,
): MessageInitShape<typeof GetHistoricalFeaturesRequestSchema> {
  if (req.entityRows && req.entitySource) {
    throw new TypeError("getHistoricalFeatures: give `entityRows` or `entitySource`, not both");
  }
  const entities = req.entityRows
    ? {
        case: "entityRows" as const,
        value: {
          columns: toColumns(req.entityRows.columns),
          eventTimestamps: req.entityRows.eventTimestamps.map((d) => timestampFromDate(d)),
        },
      }
    : req.entitySource
      ? {
          case: "entitySource" as const,
          value: {
            source: req.entitySource.source,
            startTime: req.entitySource.start ? timestampFromDate(req.entitySource.start) : undefined,
            endTime: req.entitySource.end ? timestampFromDate(req.entitySource.end) : undefined,
          },
        }
      : { case: undefined };
  return {
    selection: featureSelection(req, "getHistoricalFeatures"),
    entities,
    fullFeatureNames: req.fullFeatureNames ?? false,
    options: req.options ?? {},
    parquetOutput: req.parquetOutput ? { path: req.parquetOutput } : undefined,
    batchSize: req.batchSize ?? 0,
  };
}

const microsToDate = (us: bigint) => new Date(Number(us / 1000n));

/** The native values of a record-batch column (null where `nulls[i]`). */
export function columnValues(c: Column): NativeValue[] {
  const v = c.values;
  let values: NativeValue[];
  switch (v.case) {
    case undefined:
      return [];
    case "timestampMicrosValues":
      values = v.value.val.map(microsToDate);
      break;
    case "listValues":
      values = v.value.val.map(fromValue);
      break;
    default:
      values = [...v.value.val];
  }
  if (c.nulls.length > 0) values = values.map((x, i) => (c.nulls[i] ? null : x));
  return values;
}

function schemaFields(s: TableSchema | undefined): FieldInfo[] {
  return (s?.fields ?? []).map(fieldInfo);
}

export function summaryInfo(s: HistoricalSummary): HistoricalSummaryInfo {
  return {
    rowCount: Number(s.rowCount),
    matchCounts: s.matchCounts.map((m) => ({
      featureView: m.featureView,
      matchedRows: Number(m.matchedRows),
    })),
    elapsedMs: msOf(s.elapsed),
    leakageViolations: Number(s.leakageAudit?.violations ?? 0n),
    leakagePassed: s.leakageAudit?.passed ?? false,
    outputPath: s.outputPath,
    fields: schemaFields(s.schema),
    datasetId: s.datasetId,
  };
}

export function historicalEvent(m: GetHistoricalFeaturesResponse): HistoricalEvent | undefined {
  const k = m.kind;
  switch (k.case) {
    case "schema":
      return { kind: "schema", fields: schemaFields(k.value) };
    case "batch": {
      const columns: Record<string, NativeValue[]> = {};
      for (const c of k.value.columns) columns[c.name] = columnValues(c);
      return { kind: "batch", numRows: k.value.numRows, columns };
    }
    case "summary":
      return { kind: "summary", summary: summaryInfo(k.value) };
    default:
      return undefined;
  }
}

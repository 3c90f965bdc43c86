/**
 * The ergonomic fstore client: plain objects and native JS values in and out
 * (bigint for int64, Date for timestamps, arrays for lists, null for null),
 * `FstoreClientError` for every failure. `client.raw` gives the protobuf-level
 * client for anything this layer does not cover.
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import { FeatureService } from "../gen/fstore/v1/feature_service_pb.js";
import type {
  DetectDriftRequestSchema,
  DetectDriftResponse,
  FeatureProfileSet,
  GetFeatureStatisticsRequestSchema,
} from "../gen/fstore/v1/monitoring_pb.js";
import { healthCheck, type ServingStatus } from "./health.js";
import {
  type HistoricalColumnsEvent,
  type HistoricalEvent,
  type HistoricalFeaturesRequest,
  type HistoricalSummaryInfo,
  historicalColumnsEvent,
  historicalRequest,
  readHistoricalMessage,
} from "./historical.js";
import type { NativeValue } from "./native-values.js";
import {
  type OnlineFeaturesRequest,
  type OnlineFeaturesResult,
  onlineRequest,
  onlineResult,
} from "./online.js";
import {
  type ConsistencyReport,
  consistencyReport,
  type MaterializeEvent,
  type MaterializeOptions,
  materializeEvent,
  materializeRequest,
  type PushOptions,
  type PushResult,
  pushRequest,
  pushResult,
  type ValidateConsistencyOptions,
  validateRequest,
} from "./operations.js";
import {
  type CallOptions,
  type ConnectOptions,
  createRawClient,
  type RawFeatureServiceClient,
  streamingCall,
} from "./raw-client.js";
import { nativeColumnValues } from "./record-batch-decoder.js";
import {
  type EntityInfo,
  entityInfo,
  type FeatureServiceInfo,
  type FeatureViewInfo,
  type FieldInfo,
  featureServiceInfo,
  featureViewInfo,
  type OnDemandFeatureViewInfo,
  onDemandFeatureViewInfo,
} from "./registry-objects.js";

/** Only objects carrying all of these tags. */
export type TagFilter = Record<string, string>;

/** A whole training set collected in memory (for small sets; stream big ones). */
export interface HistoricalFeaturesResult {
  fields: FieldInfo[];
  /** Column name -> one value per row. */
  columns: Record<string, NativeValue[]>;
  summary: HistoricalSummaryInfo;
}

export interface FstoreClient {
  /** The protobuf-level client. */
  readonly raw: RawFeatureServiceClient;
  getOnlineFeatures(request: OnlineFeaturesRequest, options?: CallOptions): Promise<OnlineFeaturesResult>;
  /**
   * Streams the training set with each batch's columns as typed arrays
   * (BigInt64Array for int64 and timestamp microseconds, Float64Array, ...,
   * plus a null mask): the cheapest way to read a large set.
   */
  streamHistoricalColumns(
    request: HistoricalFeaturesRequest,
    options?: CallOptions,
  ): AsyncIterable<HistoricalColumnsEvent>;
  /** Streams the training set: a schema, batches of rows, then the summary. */
  streamHistoricalFeatures(
    request: HistoricalFeaturesRequest,
    options?: CallOptions,
  ): AsyncIterable<HistoricalEvent>;
  /** The whole training set in memory. */
  getHistoricalFeatures(
    request: HistoricalFeaturesRequest,
    options?: CallOptions,
  ): Promise<HistoricalFeaturesResult>;
  /** Progress per view, ending with a summary. */
  materialize(request?: MaterializeOptions, options?: CallOptions): AsyncIterable<MaterializeEvent>;
  push(request: PushOptions, options?: CallOptions): Promise<PushResult>;
  validateConsistency(
    request?: ValidateConsistencyOptions,
    options?: CallOptions,
  ): Promise<ConsistencyReport>;
  listEntities(tags?: TagFilter, options?: CallOptions): Promise<EntityInfo[]>;
  listFeatureViews(
    tags?: TagFilter,
    options?: CallOptions,
  ): Promise<{ featureViews: FeatureViewInfo[]; onDemandFeatureViews: OnDemandFeatureViewInfo[] }>;
  listFeatureServices(tags?: TagFilter, options?: CallOptions): Promise<FeatureServiceInfo[]>;
  /** One view with its materialization intervals, freshness and last run; NOT_FOUND names an unknown view. */
  getFeatureView(name: string, options?: CallOptions): Promise<FeatureViewInfo>;
  /**
   * A data-quality profile (GetFeatureStatistics), e.g.
   * `{ source: { source: { case: "servingLogs", value: "model_v1" } }, save: true }`.
   */
  getFeatureStatistics(
    request: MessageInitShape<typeof GetFeatureStatisticsRequestSchema>,
    options?: CallOptions,
  ): Promise<FeatureProfileSet>;
  /** Drift of a feature service's current window from its baseline (DetectDrift). */
  detectDrift(
    request: MessageInitShape<typeof DetectDriftRequestSchema>,
    options?: CallOptions,
  ): Promise<DetectDriftResponse>;
  /** grpc.health.v1 Check for `service` ("" = the whole server). */
  healthCheck(service?: string, options?: CallOptions): Promise<ServingStatus>;
  close(): void;
}

/** Connects to an fstore server (the channel opens lazily on the first call). */
export function createFstoreClient(connect: ConnectOptions): FstoreClient {
  const raw = createRawClient(connect);

  const historicalCall = streamingCall(
    raw.grpcClient,
    connect,
    FeatureService.method.getHistoricalFeatures,
    readHistoricalMessage,
  );

  async function* streamHistoricalColumns(request: HistoricalFeaturesRequest, options?: CallOptions) {
    for await (const m of historicalCall(historicalRequest(request), options)) {
      const event = historicalColumnsEvent(m);
      if (event) yield event;
    }
  }

  async function* streamHistoricalFeatures(
    request: HistoricalFeaturesRequest,
    options?: CallOptions,
  ): AsyncGenerator<HistoricalEvent> {
    for await (const event of streamHistoricalColumns(request, options)) {
      if (event.kind !== "batch") yield event;
      else {
        const columns: Record<string, NativeValue[]> = {};
        for (const c of event.columns) columns[c.name] = nativeColumnValues(c);
        yield { kind: "batch", numRows: event.numRows, columns };
      }
    }
  }

  return {
    raw,
    async getOnlineFeatures(request, options) {
      return onlineResult(await raw.getOnlineFeatures(onlineRequest(request), options));
    },
    streamHistoricalColumns,
    streamHistoricalFeatures,
    async getHistoricalFeatures(request, options) {
      let fields: FieldInfo[] = [];
      const columns: Record<string, NativeValue[]> = {};
      let summary: HistoricalSummaryInfo | undefined;
      for await (const event of streamHistoricalFeatures(request, options)) {
        if (event.kind === "schema") fields = event.fields;
        else if (event.kind === "batch") {
          for (const [name, values] of Object.entries(event.columns)) {
            const column = columns[name];
            if (column) for (const v of values) column.push(v);
            else columns[name] = values;
          }
        } else summary = event.summary;
      }
      if (!summary) throw new Error("GetHistoricalFeatures: the stream ended without a summary");
      if (fields.length === 0) fields = summary.fields;
      return { fields, columns, summary };
    },
    async *materialize(request = {}, options) {
      for await (const m of raw.materialize(materializeRequest(request), options)) {
        const event = materializeEvent(m);
        if (event) yield event;
      }
    },
    async push(request, options) {
      return pushResult(await raw.push(pushRequest(request), options));
    },
    async validateConsistency(request = {}, options) {
      return consistencyReport(await raw.validateConsistency(validateRequest(request), options));
    },
    async listEntities(tags = {}, options) {
      return (await raw.listEntities({ tags }, options)).entities.map(entityInfo);
    },
    async listFeatureViews(tags = {}, options) {
      const res = await raw.listFeatureViews({ tags }, options);
      return {
        featureViews: res.featureViews.map(featureViewInfo),
        onDemandFeatureViews: res.onDemandFeatureViews.map(onDemandFeatureViewInfo),
      };
    },
    async listFeatureServices(tags = {}, options) {
      return (await raw.listFeatureServices({ tags }, options)).featureServices.map(featureServiceInfo);
    },
    async getFeatureStatistics(request, options) {
      const res = await raw.getFeatureStatistics(request, options);
      if (!res.profile) throw new Error("GetFeatureStatistics: the server returned no profile");
      return res.profile;
    },
    detectDrift: (request, options) => raw.detectDrift(request, options),
    async getFeatureView(name, options) {
      const res = await raw.getFeatureView({ name }, options);
      if (!res.featureView) throw new Error(`GetFeatureView: the server returned no view for "${name}"`);
      return featureViewInfo(res.featureView);
    },
    healthCheck(service = "", options) {
      return healthCheck(raw.grpcClient, connect, service, options);
    },
    close() {
      raw.close();
    },
  };
}

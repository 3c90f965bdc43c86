/**
 * GetHistoricalFeatures: parses the request, runs the offline store, and
 * turns its events into stream messages. The work lives in offline/.
 */
import { create } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import type {
  GetHistoricalFeaturesRequest,
  GetHistoricalFeaturesResponse,
  HistoricalSummary,
} from "../../../gen/fstore/v1/feature_service_pb.js";
import {
  GetHistoricalFeaturesResponseSchema,
  HistoricalSummarySchema,
  TableSchemaSchema,
} from "../../../gen/fstore/v1/feature_service_pb.js";
import { FieldSchema } from "../../../gen/fstore/v1/registry_pb.js";
import { invalidArgument } from "../../errors/index.js";
import { sharedLineage, startHistoricalRun } from "../../lineage/index.js";
import type {
  EntityInput,
  HistoricalQuery,
  HistoricalResult,
  OfflineStore,
  OutputColumn,
  RegisteredEntities,
} from "../../offline/index.js";
import { createOfflineStore, sharedDuckDb, timestampMicros } from "../../offline/index.js";
import { sharedRetrievalPins } from "../../push/index.js";
import { requireFeatureSelection } from "../../registry/index.js";
import type { ServerDeps } from "../deps.js";
import { checkHistoricalLimits } from "../request-limits.js";
import { withWireBytes } from "../service-adapter.js";
import type { HandlerGroup } from "./handler-group.js";

export function createHistoricalHandlers(deps: ServerDeps): HandlerGroup {
  let store: OfflineStore | undefined;
  const offline = () => {
    store ??= createOfflineStore({
      repoPath: deps.config.repoPath,
      outputDir: deps.config.offlineStore.outputDir,
      duckdb: sharedDuckDb(deps.resources, deps.config.offlineStore.duckdb),
    });
    return store;
  };
  return {
    async *getHistoricalFeatures(req, call) {
      checkHistoricalLimits(req, deps.config.server);
      const query = historicalQueryOf(req, deps);
      const lineage = sharedLineage(deps);
      // Pinned services ("name@N") become the features their version selected.
      const requested = query.selection;
      query.selection = await lineage.pins.resolve(requested, query.snapshot);
      const run = startHistoricalRun(lineage, {
        via: "rpc",
        output: req.parquetOutput ? "parquet" : "stream",
        requested,
        query,
      });
      // Compaction never swaps the files this query may have listed (push/retrieval-pins.ts).
      const unpin = sharedRetrievalPins(deps.resources).pin();
      try {
        if (req.parquetOutput) {
          const result = await offline().writeHistorical(
            query,
            req.parquetOutput.path,
            call.signal,
            run.writeOptions,
          );
          await run.finish(result);
          yield summaryMessage(result, run.id);
          return;
        }
        for await (const ev of offline().streamHistorical(query, req.batchSize, call.signal)) {
          if (ev.kind === "schema") {
            yield create(GetHistoricalFeaturesResponseSchema, {
              kind: { case: "schema", value: schemaOf(ev.columns) },
            });
          } else if (ev.kind === "batch") {
            yield batchMessage(ev.message);
          } else {
            await run.finish(ev.result);
            yield summaryMessage(ev.result, run.id);
          }
        }
      } catch (err) {
        run.fail(err);
        throw err;
      } finally {
        unpin();
      }
    },
  };
}

/** The domain query of a request (entity rows are checked by the offline store). */
export function historicalQueryOf(req: GetHistoricalFeaturesRequest, deps: ServerDeps): HistoricalQuery {
  const o = req.options;
  return {
    snapshot: deps.registry.snapshot(),
    selection: requireFeatureSelection(req.selection),
    entities: entitiesOf(req),
    fullFeatureNames: req.fullFeatureNames,
    options: {
      strict: o?.strict ?? false,
      dropUnmatched: o?.dropUnmatched ?? false,
      excludeCreatedAfter: o?.excludeCreatedAfter ?? false,
      includeFeatureTimestamps: o?.includeFeatureTimestamps ?? false,
    },
  };
}

function entitiesOf(req: GetHistoricalFeaturesRequest): EntityInput | RegisteredEntities {
  const e = req.entities;
  if (e.case === "entityRows") {
    return { kind: "inline", columns: e.value.columns, timestamps: e.value.eventTimestamps };
  }
  if (e.case === "entitySource") {
    const { source, startTime, endTime } = e.value;
    if (!source) throw invalidArgument("entity_source.source is empty: name a data source of the registry");
    const start = startTime ? timestampMicros(startTime, "entity_source.start_time") : undefined;
    const end = endTime ? timestampMicros(endTime, "entity_source.end_time") : undefined;
    if (start !== undefined && end !== undefined && start > end) {
      throw invalidArgument("entity_source.start_time is after entity_source.end_time");
    }
    return { kind: "registered", name: source, startMicros: start, endMicros: end };
  }
  throw invalidArgument("no entity rows: set entity_rows or entity_source");
}

/**
 * A response whose `batch` field (number 2) holds already-encoded RecordBatch
 * bytes. `message` is the whole response as the offline store framed it (tag
 * of field 2, length, batch): the adapter sends those bytes as they are
 * (withWireBytes), with no copy, and every client decodes an ordinary
 * `batch`. The message object carries the same bytes as an unknown field
 * (a view, not a copy), so protobuf-es would write them identically.
 */
function batchMessage(message: Uint8Array): GetHistoricalFeaturesResponse {
  const response = create(GetHistoricalFeaturesResponseSchema);
  // The one-byte tag of field 2 (length-delimited), then the length and the batch.
  if (message[0] !== ((2 << 3) | WireType.LengthDelimited)) throw new Error("not a framed batch");
  response.$unknown = [{ no: 2, wireType: WireType.LengthDelimited, data: message.subarray(1) }];
  return withWireBytes(response, message);
}

function schemaOf(columns: readonly OutputColumn[]) {
  return create(TableSchemaSchema, {
    fields: columns.map((c) => create(FieldSchema, { name: c.name, valueType: c.valueType })),
  });
}

function summaryMessage(r: HistoricalResult, datasetId: string): GetHistoricalFeaturesResponse {
  const ms = Math.max(0, r.elapsedMs);
  const summary: HistoricalSummary = create(HistoricalSummarySchema, {
    rowCount: BigInt(r.rowCount),
    matchCounts: r.matchCounts.map((m) => ({
      featureView: m.featureView,
      matchedRows: BigInt(m.matchedRows),
    })),
    elapsed: create(DurationSchema, {
      seconds: BigInt(Math.floor(ms / 1000)),
      nanos: Math.round((ms % 1000) * 1e6) % 1e9,
    }),
    leakageAudit: { violations: BigInt(r.violations), passed: r.violations === 0 },
    outputPath: r.outputPath,
    schema: schemaOf(r.columns),
    datasetId,
  });
  return create(GetHistoricalFeaturesResponseSchema, { kind: { case: "summary", value: summary } });
}

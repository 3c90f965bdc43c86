/**
 * Materialize RPC: parses the request, runs materialization (materialize/)
 * and streams progress, then a summary. Cancelling the call stops the run.
 */
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type MaterializeProgress,
  MaterializeProgressSchema,
  MaterializeResponseSchema,
} from "../../../gen/fstore/v1/feature_service_pb.js";
import { invalidArgument } from "../../errors/index.js";
import type { ViewProgress } from "../../materialize/index.js";
import { materialize, materializeContextOf } from "../../materialize/index.js";
import { sharedRetrievalPins } from "../../push/index.js";
import type { ServerDeps } from "../deps.js";
import type { HandlerGroup } from "./handler-group.js";

function progressMessage(p: ViewProgress): MaterializeProgress {
  return create(MaterializeProgressSchema, {
    featureView: p.featureView,
    rowsRead: BigInt(p.rowsRead),
    entitiesWritten: BigInt(p.entitiesWritten),
    elapsed: durationFromMs(Math.round(p.elapsedMs)),
    startTime: timestampFromDate(p.start),
    endTime: timestampFromDate(p.end),
    done: p.done,
  });
}

export function createMaterializeHandlers(deps: ServerDeps): HandlerGroup {
  return {
    materialize: async function* (req, call) {
      const end = req.endTime ? timestampDate(req.endTime) : new Date();
      if (!req.incremental && !req.startTime) {
        throw invalidArgument("start_time is required unless incremental is set");
      }
      // Compaction never swaps the files this run may have listed (push/retrieval-pins.ts).
      const unpin = sharedRetrievalPins(deps.resources).pin();
      const events = materialize(materializeContextOf(deps), {
        ...(req.startTime ? { start: timestampDate(req.startTime) } : {}),
        end,
        incremental: req.incremental,
        views: req.featureViews,
        signal: call.signal,
      });
      try {
        for await (const ev of events) {
          if (ev.kind === "progress") {
            yield create(MaterializeResponseSchema, {
              kind: { case: "progress", value: progressMessage(ev.progress) },
            });
          } else {
            yield create(MaterializeResponseSchema, {
              kind: {
                case: "summary",
                value: {
                  views: ev.views.map(progressMessage),
                  elapsed: durationFromMs(Math.round(ev.elapsedMs)),
                },
              },
            });
          }
        }
      } finally {
        unpin();
      }
    },
  };
}

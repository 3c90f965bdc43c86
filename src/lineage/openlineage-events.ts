/**
 * OpenLineage run events (spec 2-0-2) for apply, materialize and historical
 * retrieval: built here, purely, and sent by `openlineage-emitter.ts`. Every
 * event carries what the spec requires (eventType, eventTime, run.runId as a
 * UUID, job namespace and name, inputs, outputs, producer, schemaURL);
 * datasets carry a schema facet, failures an errorMessage facet.
 */
import { valueTypeName } from "../values/index.js";

export const OPENLINEAGE_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const SCHEMA_FACET_URL =
  "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
const ERROR_FACET_URL =
  "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";

export type RunEventType = "START" | "COMPLETE" | "FAIL";

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
}

export interface RunEvent {
  eventType: RunEventType;
  eventTime: string;
  run: { runId: string; facets?: Record<string, unknown> };
  job: { namespace: string; name: string; facets?: Record<string, unknown> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
  producer: string;
  schemaURL: string;
}

/** A column of a dataset's schema facet. */
export interface SchemaField {
  name: string;
  /** A Feast value type number (named in the facet) or a type name. */
  type: number | string;
}

export interface EventContext {
  producer: string;
  /** The job namespace (openlineage.namespace). */
  namespace: string;
}

/** A dataset with a schema facet (when fields are given). */
export function dataset(
  ctx: EventContext,
  namespace: string,
  name: string,
  fields?: readonly SchemaField[],
): OpenLineageDataset {
  if (!fields) return { namespace, name };
  return {
    namespace,
    name,
    facets: {
      schema: {
        _producer: ctx.producer,
        _schemaURL: SCHEMA_FACET_URL,
        fields: fields.map((f) => ({
          name: f.name,
          type: typeof f.type === "number" ? valueTypeName(f.type) : f.type,
        })),
      },
    },
  };
}

/** A local file as an OpenLineage dataset (the naming spec's "file" namespace). */
export function fileDataset(
  ctx: EventContext,
  path: string,
  fields?: readonly SchemaField[],
): OpenLineageDataset {
  return dataset(ctx, "file", path, fields);
}

export function runEvent(
  ctx: EventContext,
  eventType: RunEventType,
  run: { runId: string; job: string; at?: Date; error?: string },
  inputs: readonly OpenLineageDataset[],
  outputs: readonly OpenLineageDataset[],
): RunEvent {
  return {
    eventType,
    eventTime: (run.at ?? new Date()).toISOString(),
    run: {
      runId: run.runId,
      ...(run.error !== undefined
        ? {
            facets: {
              errorMessage: {
                _producer: ctx.producer,
                _schemaURL: ERROR_FACET_URL,
                message: run.error,
                programmingLanguage: "TypeScript",
              },
            },
          }
        : {}),
    },
    job: { namespace: ctx.namespace, name: run.job },
    inputs: [...inputs],
    outputs: [...outputs],
    producer: ctx.producer,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
  };
}

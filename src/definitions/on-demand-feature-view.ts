import { invalidArgument } from "../errors/index.js";
import type { FeatureViewProjectionDef, FieldDef, Tags } from "../registry/model.js";
import type { RequestSource } from "./data-sources.js";
import {
  DEFINITION_KIND,
  type DescribedOptions,
  kindOf,
  readDescribed,
  readName,
} from "./definition-kind.js";
import { projectionDefOf } from "./feature-service.js";
import type { FeatureView } from "./feature-view.js";
import { type Field, readSchema } from "./field.js";
import { checkKnownOptions } from "./known-options.js";
import { type FeatureViewProjection, projectionOf } from "./projection.js";
import type { StreamFeatureView } from "./stream.js";
import { compileUdf, type OnDemandUdf, udfSourceOf } from "./udf.js";

export interface OnDemandFeatureViewOptions extends DescribedOptions {
  name: string;
  /** Feature views (all features) or projections, and request sources, that the udf reads. */
  sources: (FeatureView | StreamFeatureView | FeatureViewProjection | RequestSource)[];
  /** The features the udf returns. */
  schema: Field[];
  /** Self-contained function over columnar inputs (see `OnDemandUdf`). */
  udf: OnDemandUdf;
}

/** Features computed at request time from other features and request data (Feast's `on_demand_feature_view`). */
export class OnDemandFeatureView {
  readonly [DEFINITION_KIND] = "on_demand_feature_view" as const;
  readonly name: string;
  readonly sources: FeatureViewProjectionDef[];
  readonly requestSchema: FieldDef[];
  readonly features: FieldDef[];
  readonly udfSource: string;
  readonly description: string;
  readonly tags: Tags;
  readonly owner: string;

  constructor(options: OnDemandFeatureViewOptions) {
    const { name, label } = readName("on_demand_feature_view", options);
    checkKnownOptions(label, options, ["name", "sources", "schema", "udf", "description", "tags", "owner"]);
    this.name = name;
    if (!Array.isArray(options.sources) || options.sources.length === 0) {
      throw invalidArgument(
        `${label}: sources: expected a non-empty list of feature views and request sources`,
      );
    }
    this.sources = [];
    this.requestSchema = [];
    options.sources.forEach((source, i) => {
      if (kindOf(source) === "request_source") this.requestSchema.push(...(source as RequestSource).schema);
      else this.sources.push(projectionDefOf(label, `sources[${i}]`, source));
    });
    this.features = readSchema(label, "schema", options.schema);
    this.udfSource = udfSourceOf(options.udf, label);
    checkUdfShape(label, this.udfSource, this.features);
    const described = readDescribed(label, options);
    this.description = described.description;
    this.tags = described.tags;
    this.owner = described.owner;
  }

  /** A projection of some output features, for a FeatureService. */
  select(features: string[]): FeatureViewProjection {
    return projectionOf(`OnDemandFeatureView "${this.name}"`, this.name, this.features, features);
  }
}

/** Runs the udf on zero rows: it must compile alone and return every declared feature. */
function checkUdfShape(label: string, source: string, features: FieldDef[]): void {
  const udf = compileUdf(source, label);
  let out: unknown;
  try {
    out = udf(new Proxy({}, { get: () => [] }));
  } catch (err) {
    throw invalidArgument(
      `${label}: udf failed on empty input (it must be self-contained, using only its inputs): ${(err as Error).message}`,
      err,
    );
  }
  if (typeof out !== "object" || out === null) {
    throw invalidArgument(`${label}: udf: expected it to return { feature: values[] }, got ${String(out)}`);
  }
  for (const feature of features) {
    if (!Array.isArray((out as Record<string, unknown>)[feature.name])) {
      throw invalidArgument(
        `${label}: udf: returns no array for feature "${feature.name}" declared in schema`,
      );
    }
  }
  // One row of zeros: values may not suit every udf (only a missing variable is an error here),
  // but a reference to something outside the function shows up as a ReferenceError.
  try {
    udf(new Proxy({}, { get: () => [0] }));
  } catch (err) {
    if (err instanceof ReferenceError) {
      throw invalidArgument(
        `${label}: udf: uses ${err.message.replace(/ is not defined$/, "")} from outside the function; a udf must be self-contained (it is stored as source text)`,
        err,
      );
    }
  }
}

import { invalidArgument } from "../errors/index.js";
import type { FeatureViewProjectionDef, Tags } from "../registry/model.js";
import {
  DEFINITION_KIND,
  type DescribedOptions,
  kindOf,
  readDescribed,
  readName,
} from "./definition-kind.js";
import type { FeatureView } from "./feature-view.js";
import { checkKnownOptions } from "./known-options.js";
import type { OnDemandFeatureView } from "./on-demand-feature-view.js";
import type { FeatureViewProjection } from "./projection.js";
import type { StreamFeatureView } from "./stream.js";

export interface FeatureServiceOptions extends DescribedOptions {
  name: string;
  /** Whole views (all their features) or `view.select([...])` projections. */
  features: (FeatureView | StreamFeatureView | OnDemandFeatureView | FeatureViewProjection)[];
}

/** A named bundle of features that one model consumes (Feast's `FeatureService`). */
export class FeatureService {
  readonly [DEFINITION_KIND] = "feature_service" as const;
  readonly name: string;
  readonly projections: FeatureViewProjectionDef[];
  readonly description: string;
  readonly tags: Tags;
  readonly owner: string;

  constructor(options: FeatureServiceOptions) {
    const { name, label } = readName("feature_service", options);
    checkKnownOptions(label, options, ["name", "features", "description", "tags", "owner"]);
    this.name = name;
    if (!Array.isArray(options.features) || options.features.length === 0) {
      throw invalidArgument(`${label}: features: expected a non-empty list of views or view.select([...])`);
    }
    this.projections = options.features.map((item, i) => projectionDefOf(label, `features[${i}]`, item));
    const described = readDescribed(label, options);
    this.description = described.description;
    this.tags = described.tags;
    this.owner = described.owner;
  }
}

/** A view (all features) or a projection, in model form. */
export function projectionDefOf(label: string, key: string, item: unknown): FeatureViewProjectionDef {
  switch (kindOf(item)) {
    case "projection": {
      const p = item as FeatureViewProjection;
      return { featureView: p.featureView, features: [...p.features] };
    }
    case "feature_view":
    case "stream_feature_view":
    case "on_demand_feature_view": {
      const v = item as FeatureView | StreamFeatureView | OnDemandFeatureView;
      return { featureView: v.name, features: v.features.map((f) => f.name) };
    }
    default:
      throw invalidArgument(
        `${label}: ${key}: expected a FeatureView, a StreamFeatureView, an OnDemandFeatureView or view.select([...])`,
      );
  }
}

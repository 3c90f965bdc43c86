import { invalidArgument } from "../errors/index.js";
import type { FeatureLoggingDef, FeatureViewProjectionDef, Tags } from "../registry/model.js";
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
  /**
   * Log a sample of what GetOnlineFeatures serves for this service to Parquet
   * (`sampleRate` in (0, 1]; `destination.path`: a folder under the offline
   * store's `log_dir`, default the service's name).
   */
  logging?: { sampleRate: number; destination?: { path?: string } };
}

/** A named bundle of features that one model consumes (Feast's `FeatureService`). */
export class FeatureService {
  readonly [DEFINITION_KIND] = "feature_service" as const;
  readonly name: string;
  readonly projections: FeatureViewProjectionDef[];
  readonly description: string;
  readonly tags: Tags;
  readonly owner: string;
  readonly logging: FeatureLoggingDef | undefined;

  constructor(options: FeatureServiceOptions) {
    const { name, label } = readName("feature_service", options);
    checkKnownOptions(label, options, ["name", "features", "description", "tags", "owner", "logging"]);
    this.name = name;
    if (!Array.isArray(options.features) || options.features.length === 0) {
      throw invalidArgument(`${label}: features: expected a non-empty list of views or view.select([...])`);
    }
    this.projections = options.features.map((item, i) => projectionDefOf(label, `features[${i}]`, item));
    const described = readDescribed(label, options);
    this.description = described.description;
    this.tags = described.tags;
    this.owner = described.owner;
    this.logging = options.logging === undefined ? undefined : loggingDefOf(label, options.logging, name);
  }
}

/** A service's `logging` option, checked: a sample rate in (0, 1] and a relative folder. */
function loggingDefOf(label: string, logging: unknown, service: string): FeatureLoggingDef {
  if (typeof logging !== "object" || logging === null || Array.isArray(logging)) {
    throw invalidArgument(`${label}: logging: expected { sampleRate, destination? }`);
  }
  const o = logging as { sampleRate?: unknown; destination?: unknown };
  checkKnownOptions(`${label}: logging`, o, ["sampleRate", "destination"]);
  const rate = o.sampleRate;
  if (typeof rate !== "number" || !(rate > 0 && rate <= 1)) {
    throw invalidArgument(`${label}: logging.sampleRate: expected a number in (0, 1], got ${String(rate)}`);
  }
  let path = service;
  if (o.destination !== undefined) {
    const d = o.destination as { path?: unknown };
    if (typeof d !== "object" || d === null) {
      throw invalidArgument(`${label}: logging.destination: expected { path }`);
    }
    checkKnownOptions(`${label}: logging.destination`, d, ["path"]);
    if (d.path !== undefined) {
      if (typeof d.path !== "string" || !isRelativeFolder(d.path)) {
        throw invalidArgument(
          `${label}: logging.destination.path: expected a relative folder inside the offline store's log_dir (no "..", not absolute), got ${JSON.stringify(d.path)}`,
        );
      }
      path = d.path;
    }
  }
  return { sampleRate: rate, destination: { path } };
}

function isRelativeFolder(path: string): boolean {
  if (path === "" || path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  return path.split("/").every((part) => part !== "" && part !== "." && part !== "..");
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

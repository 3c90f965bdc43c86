import { invalidArgument } from "../errors/index.js";
import type { DataSourceDef, FieldDef, Tags } from "../registry/model.js";
import type { FileSource, PushSource } from "./data-sources.js";
import {
  DEFINITION_KIND,
  type DescribedOptions,
  kindOf,
  readDescribed,
  readName,
} from "./definition-kind.js";
import type { Entity } from "./entity.js";
import type { Field } from "./field.js";
import { readSchema } from "./field.js";
import { checkKnownOptions } from "./known-options.js";
import { type FeatureViewProjection, projectionOf } from "./projection.js";
import { parseTtl } from "./ttl.js";

export interface FeatureViewOptions extends DescribedOptions {
  name: string;
  /** Entities (objects or names) whose join keys identify a row. Empty for an entity-less view. */
  entities?: (Entity | string)[];
  /**
   * How far back a value stays valid: seconds, or "30m", "2h", "30d"...;
   * 0 or absent means forever. Applies offline (point-in-time joins) and online.
   */
  ttl?: number | string;
  /** The features (not the join keys: their types come from the entities). */
  schema: Field[];
  source: FileSource | PushSource;
  /** Serve this view online (materialize and push to the online store). Default true. */
  online?: boolean;
}

/** A group of features read from one source and keyed by entities (Feast's `FeatureView`). */
export class FeatureView {
  readonly [DEFINITION_KIND] = "feature_view" as const;
  readonly name: string;
  /** Entity objects, or names resolved when the repository is loaded. */
  readonly entities: (Entity | string)[];
  readonly ttlSeconds: number;
  readonly features: FieldDef[];
  readonly source: DataSourceDef;
  readonly online: boolean;
  readonly description: string;
  readonly tags: Tags;
  readonly owner: string;

  constructor(options: FeatureViewOptions) {
    const { name, label } = readName("feature_view", options);
    checkKnownOptions(label, options, [
      "name",
      "entities",
      "ttl",
      "schema",
      "source",
      "online",
      "description",
      "tags",
      "owner",
    ]);
    this.name = name;
    const entities = options.entities ?? [];
    if (!Array.isArray(entities))
      throw invalidArgument(`${label}: entities: expected a list of Entity objects`);
    entities.forEach((entity, i) => {
      if (typeof entity !== "string" && kindOf(entity) !== "entity") {
        throw invalidArgument(`${label}: entities[${i}]: expected an Entity or an entity name`);
      }
    });
    this.entities = [...entities];
    this.ttlSeconds = parseTtl(options.ttl, `${label}: ttl`);
    this.features = readSchema(label, "schema", options.schema);
    const sourceKind = kindOf(options.source);
    if (sourceKind !== "file_source" && sourceKind !== "push_source") {
      throw invalidArgument(`${label}: source: expected a FileSource or a PushSource`);
    }
    this.source = (options.source as FileSource | PushSource).def;
    if (options.online !== undefined && typeof options.online !== "boolean") {
      throw invalidArgument(`${label}: online: expected true or false`);
    }
    this.online = options.online ?? true;
    const described = readDescribed(label, options);
    this.description = described.description;
    this.tags = described.tags;
    this.owner = described.owner;
  }

  /** A projection of some features, for a FeatureService or an OnDemandFeatureView (Feast's `fv[["a", "b"]]`). */
  select(features: string[]): FeatureViewProjection {
    return projectionOf(`FeatureView "${this.name}"`, this.name, this.features, features);
  }
}

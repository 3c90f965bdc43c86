import { invalidArgument } from "../errors/index.js";
import type { Tags } from "../registry/model.js";

/**
 * Brand carried by every definition object. A global symbol (not `instanceof`)
 * because a repository file may load its own copy of this module (tsx loads
 * each repository in a fresh namespace) and its objects must still count.
 */
export const DEFINITION_KIND = Symbol.for("fstore.definition.kind");

export type DefinitionKind =
  | "entity"
  | "file_source"
  | "push_source"
  | "stream_source"
  | "request_source"
  | "feature_view"
  | "stream_feature_view"
  | "aggregation"
  | "feature_service"
  | "on_demand_feature_view"
  | "projection"
  | "permission"
  | "role_based_policy";

/** Human names used in messages: `FeatureView "driver_stats"`. */
export const KIND_LABEL: Record<DefinitionKind, string> = {
  entity: "Entity",
  file_source: "FileSource",
  push_source: "PushSource",
  stream_source: "StreamSource",
  request_source: "RequestSource",
  feature_view: "FeatureView",
  stream_feature_view: "StreamFeatureView",
  aggregation: "Aggregation",
  feature_service: "FeatureService",
  on_demand_feature_view: "OnDemandFeatureView",
  projection: "projection",
  permission: "Permission",
  role_based_policy: "RoleBasedPolicy",
};

/** The definition kind of any value, or undefined if it is not a definition. */
export function kindOf(value: unknown): DefinitionKind | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const kind = (value as { [DEFINITION_KIND]?: unknown })[DEFINITION_KIND];
  return typeof kind === "string" && kind in KIND_LABEL ? (kind as DefinitionKind) : undefined;
}

/** Name rule for entities, views, features, services and join keys: usable in SQL and in "view:feature". */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Data source names are freer (Feast allows paths as names) but never empty. */
const SOURCE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;

/** Common options of every named definition. */
export interface DescribedOptions {
  description?: string;
  tags?: Tags;
  owner?: string;
}

/** Validated common fields; throws naming the object and the field. */
export function readDescribed(label: string, options: DescribedOptions) {
  const description = options.description ?? "";
  if (typeof description !== "string") throw invalidArgument(`${label}: description: expected a string`);
  const owner = options.owner ?? "";
  if (typeof owner !== "string") throw invalidArgument(`${label}: owner: expected a string`);
  const tags = options.tags ?? {};
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    throw invalidArgument(`${label}: tags: expected an object of string values, e.g. { team: "pricing" }`);
  }
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== "string") {
      throw invalidArgument(`${label}: tags.${key}: expected a string value, got ${typeof value}`);
    }
  }
  return { description, owner, tags: { ...tags } };
}

/** Checks `name` and returns the label used in messages, e.g. `Entity "vehicle"`. */
export function readName(kind: DefinitionKind, options: unknown): { name: string; label: string } {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument(`${KIND_LABEL[kind]}: expected an options object, got ${String(options)}`);
  }
  const name = (options as { name?: unknown }).name;
  const pattern =
    kind === "file_source" || kind === "push_source" || kind === "stream_source" ? SOURCE_NAME : IDENTIFIER;
  if (typeof name !== "string" || !pattern.test(name)) {
    const hint =
      pattern === IDENTIFIER
        ? "letters, digits and underscores, not starting with a digit"
        : "a non-empty name";
    throw invalidArgument(`${KIND_LABEL[kind]} ${JSON.stringify(name)}: name: expected ${hint}`);
  }
  return { name, label: `${KIND_LABEL[kind]} "${name}"` };
}

/** Checks a column or feature name. */
export function checkIdentifier(label: string, field: string, value: unknown): string {
  if (typeof value !== "string" || !IDENTIFIER.test(value)) {
    throw invalidArgument(
      `${label}: ${field}: expected letters, digits and underscores, not starting with a digit, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

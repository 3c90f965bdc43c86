import { invalidArgument } from "../errors/index.js";
import type { FieldDef } from "../registry/model.js";
import { DEFINITION_KIND } from "./definition-kind.js";

/** Some features of a view, as produced by `view.select([...])`. */
export interface FeatureViewProjection {
  readonly [DEFINITION_KIND]: "projection";
  readonly featureView: string;
  readonly features: string[];
}

/** Builds a projection, checking every name against the view's features. */
export function projectionOf(
  label: string,
  view: string,
  available: FieldDef[],
  selected: string[],
): FeatureViewProjection {
  if (!Array.isArray(selected) || selected.length === 0) {
    throw invalidArgument(`${label}: select(): expected a non-empty list of feature names`);
  }
  const names = new Set(available.map((f) => f.name));
  for (const feature of selected) {
    if (!names.has(feature)) {
      throw invalidArgument(
        `${label}: select(): unknown feature "${feature}" (features: ${[...names].join(", ")})`,
      );
    }
  }
  if (new Set(selected).size !== selected.length) {
    throw invalidArgument(`${label}: select(): a feature is selected more than once`);
  }
  return { [DEFINITION_KIND]: "projection", featureView: view, features: [...selected] };
}

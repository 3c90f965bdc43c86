/**
 * Sections of the console whose data comes from capabilities that are not
 * in this build (versions, training-set lineage): an empty
 * state that says what will be shown and where it comes from, instead of a
 * blank page or a broken link.
 */
import { html } from "../html.js";
import { emptyState, type Html } from "./layout.js";

export function versionsPending(): Html {
  return emptyState(
    "No version history in this build",
    "This registry keeps only the current definition of each object: apply overwrites it in place.",
    "With versioned registries, every apply that changes the object adds a version here, with what changed.",
  );
}

export function datasetsPending(): Html {
  return emptyState(
    "No training-set lineage in this build",
    "Training sets (GetHistoricalFeatures, fstore historical) are not recorded by this fstore yet.",
    html`When they are, each one is listed here with its manifest and its lineage: source files → views → service → training set.`,
  );
}

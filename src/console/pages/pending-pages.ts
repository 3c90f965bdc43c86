/**
 * Empty states of the versions and training-set sections: the lineage store
 * (src/lineage, in the registry's database) could not be opened, or nothing
 * is recorded yet. Each says why and what fills it, instead of a blank page.
 */
import { html } from "../html.js";
import { emptyState, type Html } from "./layout.js";

const UNAVAILABLE = "The lineage store (beside the registry) cannot be opened: see the server's log.";

export function versionsPending(): Html {
  return emptyState(
    "Versions are not available",
    UNAVAILABLE,
    "Every fstore apply that changes an object stores a version of it there, with what changed.",
  );
}

export function datasetsPending(): Html {
  return emptyState(
    "Training sets are not available",
    UNAVAILABLE,
    html`Every GetHistoricalFeatures call and fstore historical run records its manifest there: source files → views → service → training set.`,
  );
}

export function noDatasets(what: string): Html {
  return emptyState(
    `No training set ${what} that you may see`,
    "Every GetHistoricalFeatures call and fstore historical run records its training set here, with its manifest.",
  );
}

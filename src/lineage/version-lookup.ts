/**
 * Reading versions by name, as users ask for them: `fstore history NAME`,
 * `fstore describe NAME@N` and the registry RPCs (a name may belong to
 * several kinds, e.g. a view and its source).
 */
import { invalidArgument, notFound } from "../errors/index.js";
import { OBJECT_TYPES } from "../registry/plan-diff.js";
import type { LineageStore } from "./lineage-store.js";
import type { ObjectVersion } from "./object-versions.js";

function checkKind(kind: string | undefined): void {
  if (kind && !(OBJECT_TYPES as readonly string[]).includes(kind)) {
    throw invalidArgument(`unknown object kind "${kind}": expected one of ${OBJECT_TYPES.join(", ")}`);
  }
}

/** Every version of the objects named `name` (NOT_FOUND when there is none). */
export async function objectHistory(
  store: LineageStore,
  name: string,
  kind?: string,
): Promise<ObjectVersion[]> {
  if (!name) throw invalidArgument("name is empty: give the name of a registry object");
  checkKind(kind);
  const versions = await store.history(name, kind || undefined);
  if (versions.length === 0) {
    throw notFound(
      `no stored versions of ${kind ? `${kind} ` : ""}"${name}" (versions are stored by \`fstore apply\`)`,
    );
  }
  return versions;
}

/** Version `version` of the object named `name` (of `kind`, or the one kind that has it). */
export async function objectVersion(
  store: LineageStore,
  name: string,
  version: number,
  kind?: string,
): Promise<ObjectVersion> {
  if (!Number.isInteger(version) || version < 1)
    throw invalidArgument(`version must be 1 or more, got ${version}`);
  const history = await objectHistory(store, name, kind);
  const matching = history.filter((v) => v.version === version);
  const kinds = [...new Set(matching.map((v) => v.kind))];
  if (kinds.length > 1) {
    throw invalidArgument(
      `"${name}@${version}" is ambiguous: it names a ${kinds.join(" and a ")}; give the kind`,
    );
  }
  const found = matching[0];
  if (!found) {
    const latest = Math.max(...history.map((v) => v.version));
    throw notFound(`"${name}" has no version ${version} (latest: ${latest})`);
  }
  return found;
}

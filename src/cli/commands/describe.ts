/**
 * `fstore describe NAME`: everything the registry knows about one object:
 * for a feature view its schema, source, ttl, tags, materialized intervals
 * (for the configured online store), freshness and last run.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError, notFound } from "../../errors/index.js";
import { objectVersion, openLineageStore, parseVersionedName } from "../../lineage/index.js";
import { featureViewFreshness } from "../../materialize/freshness.js";
import { openRegistry } from "../../registry/index.js";
import type { FeatureViewDef, FieldDef } from "../../registry/model.js";
import type { Registry } from "../../registry/registry.js";
import { valueTypeName } from "../../values/index.js";
import { formatTable, formatTags, formatTtl } from "../text-table.js";

interface Described {
  kind: string;
  definition: unknown;
  /** `NAME@N`: the stored version shown. */
  version?: {
    version: number;
    contentHash: string;
    createdAt: string;
    appliedBy: string;
    gitCommit: string;
    gitDirty: boolean;
    dependencies: Record<string, number>;
  };
  /** Feature views only. */
  materialization?: {
    intervals: { start: string; end: string }[];
    lastMaterializedEnd: string | null;
    overdue: boolean;
    nextDue: string | null;
    lastRun: unknown;
  };
}

async function materializationOf(
  registry: Registry,
  view: FeatureViewDef,
  schedule: string | null,
  created?: Date,
) {
  const intervals = await registry.materializationIntervals(view.name);
  const f = featureViewFreshness({
    online: view.online,
    intervalEnds: intervals.map((i) => i.end),
    schedule,
    created,
    now: new Date(),
    materializedElsewhere: (await registry.otherOnlineStores(view.name)).length > 0,
  });
  const run = await registry.lastMaterializationRun(view.name);
  return {
    intervals: intervals.map((i) => ({ start: i.start.toISOString(), end: i.end.toISOString() })),
    lastMaterializedEnd: f.lastMaterializedEnd?.toISOString() ?? null,
    overdue: f.overdue,
    nextDue: f.dueAt?.toISOString() ?? null,
    lastRun: run ? { ...run, start: run.start.toISOString(), end: run.end.toISOString() } : null,
  };
}

/** Every object named `name` (a view and a data source may share a name). */
export async function describeObject(repo: string, name: string): Promise<Described[]> {
  const config = loadRepoConfig(resolve(repo));
  const registry = await openRegistry(config);
  try {
    const snap = registry.snapshot();
    const found: Described[] = [];
    const view = snap.featureViews.get(name);
    if (view) {
      const created = snap.meta.get(`feature_view/${name}`)?.created;
      found.push({
        kind: "feature_view",
        definition: view,
        materialization: await materializationOf(registry, view, config.materialization.schedule, created),
      });
    }
    const odfv = snap.onDemandFeatureViews.get(name);
    if (odfv) found.push({ kind: "on_demand_feature_view", definition: odfv });
    const entity = snap.entities.get(name);
    if (entity) found.push({ kind: "entity", definition: entity });
    const source = snap.dataSources.get(name);
    if (source) found.push({ kind: "data_source", definition: source });
    const service = snap.featureServices.get(name);
    if (service) found.push({ kind: "feature_service", definition: service });
    if (found.length === 0) {
      const names = [
        ...snap.entities.keys(),
        ...snap.dataSources.keys(),
        ...snap.featureViews.keys(),
        ...snap.onDemandFeatureViews.keys(),
        ...snap.featureServices.keys(),
      ].sort();
      throw notFound(
        `no object named "${name}" in project "${snap.project}"; ${names.length ? `known: ${names.join(", ")}` : "the registry is empty (run fstore apply)"}`,
      );
    }
    return found;
  } finally {
    await registry.close();
  }
}

/** Version `version` of the object named `name`, as stored by an apply. */
export async function describeVersion(
  repo: string,
  name: string,
  version: number,
  kind?: string,
): Promise<Described> {
  const config = loadRepoConfig(resolve(repo));
  const store = openLineageStore(config);
  try {
    const v = await objectVersion(store, name, version, kind);
    return {
      kind: v.kind,
      definition: v.definition,
      version: {
        version: v.version,
        contentHash: v.contentHash,
        createdAt: v.createdAt.toISOString(),
        appliedBy: v.appliedBy,
        gitCommit: v.gitCommit,
        gitDirty: v.gitDirty,
        dependencies: v.dependencies,
      },
    };
  } finally {
    await store.close();
  }
}

const fieldRows = (fields: FieldDef[]) =>
  fields.map((f) => [`  ${f.name}`, valueTypeName(f.dtype), f.description]);

function formatDescribed(d: Described): string {
  const def = d.definition as Record<string, unknown> & {
    name: string;
    description?: string;
    tags?: Record<string, string>;
    owner?: string;
  };
  const v = d.version;
  const lines = [`${d.kind} ${def.name}${v ? `@${v.version}` : ""}`];
  if (v) {
    const git = v.gitCommit ? `, git ${v.gitCommit.slice(0, 12)}${v.gitDirty ? " (dirty)" : ""}` : "";
    lines.push(
      `version ${v.version}: applied ${v.createdAt}${v.appliedBy ? ` by ${v.appliedBy}` : ""}${git}, ${v.contentHash}`,
    );
    const deps = Object.entries(v.dependencies);
    if (deps.length > 0) lines.push(`uses: ${deps.map(([k, n]) => `${k}@${n}`).join(", ")}`);
  }
  if (def.description) lines.push(`description: ${def.description}`);
  if (def.owner) lines.push(`owner: ${def.owner}`);
  if (def.tags) lines.push(`tags: ${formatTags(def.tags)}`);
  if (d.kind === "feature_view") {
    const v = d.definition as FeatureViewDef;
    lines.push(
      `entities: ${v.entities.join(", ") || "-"}`,
      `source: ${v.source.name} (${v.source.kind === "file" ? v.source.path : `${v.source.kind === "stream" ? `${v.source.stream.kind} stream "${v.source.stream.stream}"` : "push"}, history in ${v.source.batchSource.path}`})`,
      `ttl: ${formatTtl(v.ttlSeconds)}`,
      `online: ${v.online ? "yes" : "no"}`,
      "schema:",
      formatTable([
        ["  name", "type", "description"],
        ...fieldRows(v.entityColumns),
        ...fieldRows(v.features),
      ]),
    );
    const m = d.materialization;
    if (m) {
      lines.push(
        `materialized intervals: ${m.intervals.length ? m.intervals.map((i) => `[${i.start}, ${i.end}]`).join(", ") : "none"}`,
        `freshness: last end ${m.lastMaterializedEnd ?? "never"}, ${m.overdue ? "OVERDUE" : "not overdue"}, next due ${m.nextDue ?? "-"}`,
        `last run: ${m.lastRun ? JSON.stringify(m.lastRun) : "none"}`,
      );
    }
  } else {
    lines.push(JSON.stringify(d.definition, null, 2));
  }
  return lines.join("\n");
}

/** Registers `fstore describe`. */
export function registerDescribeCommand(program: Command): void {
  program
    .command("describe")
    .description("show one registry object: schema, source, ttl, tags, materialized intervals, freshness")
    .argument(
      "<name>",
      "an entity, data source, feature view, on-demand view or feature service; NAME@N: its version N",
    )
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--json", "print as JSON")
    .option("--kind <kind>", "with NAME@N: the object's kind when several share the name")
    .action(async (name: string, options: { repo: string; json?: boolean; kind?: string }) => {
      try {
        const pinned = parseVersionedName(name);
        const found =
          pinned.version === undefined
            ? await describeObject(options.repo, name)
            : [await describeVersion(options.repo, pinned.name, pinned.version, options.kind)];
        if (options.json) console.log(JSON.stringify(found, null, 2));
        else console.log(found.map(formatDescribed).join("\n\n"));
      } catch (err) {
        const e = FstoreError.from(err);
        console.error(`fstore describe: ${e.code}: ${e.message}`);
        process.exitCode = 1;
      }
    });
}

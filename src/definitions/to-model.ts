import { invalidArgument } from "../errors/index.js";
import type { PermissionDef } from "../permissions/model.js";
import type {
  DataSourceDef,
  EntityDef,
  FeatureServiceDef,
  FeatureViewDef,
  FeatureViewProjectionDef,
  FieldDef,
  OnDemandFeatureViewDef,
  RepoDefinitions,
} from "../registry/model.js";
import { batchSourceOf } from "../registry/model.js";
import { canonicalJson } from "./canonical-json.js";
import type { FileSource, PushSource } from "./data-sources.js";
import { type DefinitionKind, KIND_LABEL, kindOf } from "./definition-kind.js";
import type { Entity } from "./entity.js";
import type { FeatureService } from "./feature-service.js";
import type { FeatureView } from "./feature-view.js";
import type { OnDemandFeatureView } from "./on-demand-feature-view.js";
import type { Permission } from "./permission.js";
import type { StreamFeatureView, StreamSource } from "./stream.js";

/** A definition object found in a repository, with where it came from (for messages). */
export interface FoundDefinition {
  value: unknown;
  /** Repository-relative file, or "" when unknown. */
  file: string;
}

/** Named objects of one kind, deduplicated: the same definition reached twice is fine, two different ones are not. */
class NameTable<T> {
  readonly #items = new Map<string, { def: T; file: string; json: string }>();

  constructor(private readonly kindLabel: string) {}

  add(name: string, def: T, file: string): void {
    const json = canonicalJson(def);
    const existing = this.#items.get(name);
    if (!existing) {
      this.#items.set(name, { def, file, json });
      return;
    }
    if (existing.json === json) return;
    const where = [existing.file, file].filter(Boolean).join(" and ");
    throw invalidArgument(
      `${this.kindLabel} "${name}" is defined twice with different definitions${where ? ` (in ${where})` : ""}; names must be unique`,
    );
  }

  get(name: string): T | undefined {
    return this.#items.get(name)?.def;
  }

  fileOf(name: string): string {
    return this.#items.get(name)?.file ?? "";
  }

  sorted(): T[] {
    return [...this.#items.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v.def);
  }
}

const at = (file: string) => (file ? `${file}: ` : "");

/**
 * Turns the definition objects a repository exports into the registry model,
 * checking every cross-reference: unknown entities, views or features,
 * duplicate names, features named like join keys or timestamp columns.
 */
export function toRepoDefinitions(found: FoundDefinition[]): RepoDefinitions {
  const byKind = (kind: DefinitionKind) => found.filter((f) => kindOf(f.value) === kind);
  const entities = new NameTable<EntityDef>("Entity");
  const sources = new NameTable<DataSourceDef>("data source");

  for (const { value, file } of byKind("entity"))
    entities.add((value as Entity).name, entityDefOf(value as Entity), file);
  for (const { value, file } of [
    ...byKind("file_source"),
    ...byKind("push_source"),
    ...byKind("stream_source"),
  ]) {
    const def = (value as FileSource | PushSource | StreamSource).def;
    sources.add(def.name, def, file);
  }

  // Views and on-demand views share one namespace: feature references are "view:feature".
  const viewNames = new Map<string, { kind: string; file: string; json: string }>();
  /** False when an equal definition already claimed the name (the same view reached twice). */
  const claimViewName = (name: string, kind: DefinitionKind, file: string, json: string): boolean => {
    const other = viewNames.get(name);
    if (other?.kind === KIND_LABEL[kind]) {
      if (other.json === json) return false;
      const where = [other.file, file].filter(Boolean).join(" and ");
      throw invalidArgument(
        `${KIND_LABEL[kind]} "${name}" is defined twice with different definitions${where ? ` (in ${where})` : ""}; names must be unique`,
      );
    }
    if (other) {
      throw invalidArgument(
        `${at(file)}${KIND_LABEL[kind]} "${name}": name already used by a ${other.kind}${other.file ? ` in ${other.file}` : ""}; view names must be unique`,
      );
    }
    viewNames.set(name, { kind: KIND_LABEL[kind], file, json });
    return true;
  };

  const uniqueViews: FoundDefinition[] = [];
  for (const found of byKind("feature_view")) {
    const view = found.value as FeatureView;
    if (!claimViewName(view.name, "feature_view", found.file, canonicalJson(view))) continue;
    uniqueViews.push(found);
    for (const entity of view.entities) {
      if (typeof entity !== "string") entities.add(entity.name, entityDefOf(entity), found.file);
    }
    sources.add(view.source.name, view.source, found.file);
  }
  const views = uniqueViews.map(({ value, file }) => viewDefOf(value as FeatureView, file, entities));
  for (const found of byKind("stream_feature_view")) {
    const view = found.value as StreamFeatureView;
    if (!claimViewName(view.name, "stream_feature_view", found.file, canonicalJson(view))) continue;
    for (const entity of view.entities) {
      if (typeof entity !== "string") entities.add(entity.name, entityDefOf(entity), found.file);
    }
    sources.add(view.source.name, view.source, found.file);
    views.push(streamViewDefOf(view, found.file, entities));
  }

  const viewByName = new Map(views.map((v) => [v.name, v]));
  const odfvs: OnDemandFeatureViewDef[] = [];
  for (const { value, file } of byKind("on_demand_feature_view")) {
    const odfv = value as OnDemandFeatureView;
    if (!claimViewName(odfv.name, "on_demand_feature_view", file, canonicalJson(odfv))) continue;
    odfvs.push(odfvDefOf(odfv, file, viewByName));
  }

  const featuresOf = new Map<string, FieldDef[]>([
    ...views.map((v) => [v.name, v.features] as const),
    ...odfvs.map((v) => [v.name, v.features] as const),
  ]);
  const services = new NameTable<FeatureServiceDef>("FeatureService");
  for (const { value, file } of byKind("feature_service")) {
    const service = value as FeatureService;
    const label = `${at(file)}FeatureService "${service.name}"`;
    service.projections.forEach((p, i) => {
      checkProjection(label, `features[${i}]`, p, featuresOf);
    });
    const seen = new Set<string>();
    for (const p of service.projections) {
      if (seen.has(p.featureView))
        throw invalidArgument(`${label}: features: view "${p.featureView}" is listed twice`);
      seen.add(p.featureView);
    }
    services.add(
      service.name,
      {
        name: service.name,
        projections: service.projections,
        description: service.description,
        tags: service.tags,
        owner: service.owner,
        ...(service.logging ? { logging: service.logging } : {}),
      },
      file,
    );
  }

  const permissions = new NameTable<PermissionDef>("Permission");
  for (const { value, file } of byKind("permission")) {
    const permission = value as Permission;
    permissions.add(permission.name, permission.def, file);
  }

  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return {
    entities: entities.sorted(),
    dataSources: sources.sorted(),
    featureViews: views.sort(byName),
    featureServices: services.sorted(),
    onDemandFeatureViews: odfvs.sort(byName),
    permissions: permissions.sorted(),
  };
}

function entityDefOf(entity: Entity): EntityDef {
  return {
    name: entity.name,
    joinKeys: [...entity.joinKeys],
    valueType: entity.valueType,
    description: entity.description,
    tags: entity.tags,
    owner: entity.owner,
  };
}

function viewDefOf(view: FeatureView, file: string, entities: NameTable<EntityDef>): FeatureViewDef {
  const label = `${at(file)}FeatureView "${view.name}"`;
  const { entityNames, entityColumns } = entityColumnsOf(label, view.entities, entities);
  const source = batchSourceOf({ source: view.source } as FeatureViewDef);
  for (const feature of view.features) {
    if (entityColumns.some((c) => c.name === feature.name)) {
      throw invalidArgument(
        `${label}: field "${feature.name}": named like a join key; remove it from schema (join-key types come from the entity)`,
      );
    }
    if (feature.name === source.timestampField || feature.name === source.createdTimestampColumn) {
      throw invalidArgument(
        `${label}: field "${feature.name}": named like a timestamp column of source "${source.name}"`,
      );
    }
  }
  return {
    name: view.name,
    entities: entityNames,
    entityColumns,
    features: view.features,
    ttlSeconds: view.ttlSeconds,
    source: view.source,
    online: view.online,
    description: view.description,
    tags: view.tags,
    owner: view.owner,
  };
}

/** The join-key columns of `entityRefs`, checked: known entities, listed once, no key from two entities. */
function entityColumnsOf(
  label: string,
  entityRefs: readonly (Entity | string)[],
  entities: NameTable<EntityDef>,
): { entityNames: string[]; entityColumns: FieldDef[] } {
  const entityNames: string[] = [];
  const entityColumns: FieldDef[] = [];
  entityRefs.forEach((ref, i) => {
    const name = typeof ref === "string" ? ref : ref.name;
    const entity = entities.get(name);
    if (!entity)
      throw invalidArgument(`${label}: entities[${i}]: unknown entity "${name}" (define and export it)`);
    if (entityNames.includes(name)) throw invalidArgument(`${label}: entities: "${name}" is listed twice`);
    entityNames.push(name);
    for (const key of entity.joinKeys) {
      if (entityColumns.some((c) => c.name === key)) {
        throw invalidArgument(`${label}: entities: join key "${key}" comes from two entities`);
      }
      entityColumns.push({ name: key, dtype: entity.valueType, description: "", tags: {} });
    }
  });
  return { entityNames, entityColumns };
}

/**
 * A stream view's model: its join keys must be typed columns of the source's
 * event schema, and its aggregate names must not clash with them or with the
 * event-time column.
 */
function streamViewDefOf(
  view: StreamFeatureView,
  file: string,
  entities: NameTable<EntityDef>,
): FeatureViewDef {
  const label = `${at(file)}StreamFeatureView "${view.name}"`;
  const { entityNames, entityColumns } = entityColumnsOf(label, view.entities, entities);
  const source = view.source;
  for (const key of entityColumns) {
    const column = source.schema.find((f) => f.name === key.name);
    if (!column) {
      throw invalidArgument(
        `${label}: join key "${key.name}" is not in the schema of stream source "${source.name}"; events must carry it`,
      );
    }
    if (column.dtype !== key.dtype) {
      throw invalidArgument(
        `${label}: join key "${key.name}": the stream source's schema types it ${column.dtype}, the entity ${key.dtype}`,
      );
    }
  }
  for (const feature of view.features) {
    if (entityColumns.some((c) => c.name === feature.name) || feature.name === source.timestampField) {
      throw invalidArgument(
        `${label}: aggregation "${feature.name}": named like a join key or the event-time column; give it another name`,
      );
    }
  }
  return {
    name: view.name,
    entities: entityNames,
    entityColumns,
    features: view.features,
    ttlSeconds: 0,
    source,
    online: view.online,
    aggregations: view.aggregations,
    allowedLatenessSeconds: view.allowedLatenessSeconds,
    description: view.description,
    tags: view.tags,
    owner: view.owner,
  };
}

function odfvDefOf(
  odfv: OnDemandFeatureView,
  file: string,
  views: Map<string, FeatureViewDef>,
): OnDemandFeatureViewDef {
  const label = `${at(file)}OnDemandFeatureView "${odfv.name}"`;
  const inputs = new Set<string>();
  odfv.sources.forEach((p, i) => {
    const view = views.get(p.featureView);
    if (!view) throw notExported(label, `sources[${i}]`, p.featureView);
    checkProjection(label, `sources[${i}]`, p, new Map([[view.name, view.features]]));
    for (const f of p.features) {
      if (inputs.has(f)) throw invalidArgument(`${label}: sources: input "${f}" comes from two sources`);
      inputs.add(f);
    }
  });
  for (const field of odfv.requestSchema) {
    if (inputs.has(field.name)) {
      throw invalidArgument(
        `${label}: request field "${field.name}": clashes with a feature of the same name`,
      );
    }
    inputs.add(field.name);
  }
  return {
    name: odfv.name,
    sources: odfv.sources,
    requestSchema: odfv.requestSchema,
    features: odfv.features,
    udfSource: odfv.udfSource,
    description: odfv.description,
    tags: odfv.tags,
    owner: odfv.owner,
  };
}

function checkProjection(
  label: string,
  key: string,
  projection: FeatureViewProjectionDef,
  featuresOf: Map<string, FieldDef[]>,
): void {
  const features = featuresOf.get(projection.featureView);
  if (!features) throw notExported(label, key, projection.featureView);
  for (const name of projection.features) {
    if (!features.some((f) => f.name === name)) {
      throw invalidArgument(`${label}: ${key}: unknown feature "${projection.featureView}:${name}"`);
    }
  }
}

/**
 * Services and on-demand views reference views as objects (never by name), so a
 * view missing from the repository was built but is not exported by any
 * definition file (or lives in a skipped `_*.ts` file).
 */
function notExported(label: string, key: string, view: string) {
  return invalidArgument(
    `${label}: ${key}: feature view "${view}" is defined but not exported; export it from a definition file (export const ... = new FeatureView(...))`,
  );
}

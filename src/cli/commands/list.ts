/**
 * `fstore list entities|views|services [--tags k=v ...]`: the registry's
 * objects as a table or JSON (the registry model), optionally only those
 * carrying all of the given tags, like the List* RPCs.
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError } from "../../errors/index.js";
import { openRegistry } from "../../registry/index.js";
import type { RegistrySnapshot } from "../../registry/registry.js";
import { valueTypeName } from "../../values/index.js";
import { formatTable, formatTags, formatTtl } from "../text-table.js";

const KINDS = ["entities", "views", "services"] as const;
type ListKind = (typeof KINDS)[number];

/** `--tags k=v`, repeatable. */
function collectTag(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf("=");
  if (i <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

const hasTags = (tags: Readonly<Record<string, string>>, filter: Record<string, string>) =>
  Object.entries(filter).every(([k, v]) => tags[k] === v);

const byName = <T extends { name: string }>(items: Iterable<T>, filter: Record<string, string>) =>
  [...items]
    .filter((o) => hasTags((o as { tags?: Record<string, string> }).tags ?? {}, filter))
    .sort((a, b) => a.name.localeCompare(b.name));

/** The rows of one listing: JSON objects and the table's text rows. */
export function listObjects(
  snap: RegistrySnapshot,
  kind: ListKind,
  tags: Record<string, string>,
): { json: unknown[]; table: string[][] } {
  switch (kind) {
    case "entities": {
      const items = byName(snap.entities.values(), tags);
      return {
        json: items,
        table: [
          ["name", "join keys", "type", "tags", "description"],
          ...items.map((e) => [
            e.name,
            e.joinKeys.join(","),
            valueTypeName(e.valueType),
            formatTags(e.tags),
            e.description,
          ]),
        ],
      };
    }
    case "views": {
      const views = byName(snap.featureViews.values(), tags);
      const odfvs = byName(snap.onDemandFeatureViews.values(), tags);
      return {
        json: [
          ...views.map((v) => ({ kind: "feature_view", ...v })),
          ...odfvs.map((v) => ({ kind: "on_demand_feature_view", ...v })),
        ],
        table: [
          ["name", "kind", "entities", "features", "ttl", "online", "source", "tags"],
          ...views.map((v) => [
            v.name,
            "feature view",
            v.entities.join(",") || "-",
            String(v.features.length),
            formatTtl(v.ttlSeconds),
            v.online ? "yes" : "no",
            v.source.name,
            formatTags(v.tags),
          ]),
          ...odfvs.map((v) => [
            v.name,
            "on-demand",
            "-",
            String(v.features.length),
            "-",
            "yes",
            v.sources.map((s) => s.featureView).join(","),
            formatTags(v.tags),
          ]),
        ],
      };
    }
    case "services": {
      const items = byName(snap.featureServices.values(), tags);
      return {
        json: items,
        table: [
          ["name", "views", "features", "tags", "description"],
          ...items.map((s) => [
            s.name,
            s.projections.map((p) => p.featureView).join(","),
            String(s.projections.reduce((n, p) => n + p.features.length, 0)),
            formatTags(s.tags),
            s.description,
          ]),
        ],
      };
    }
  }
}

/** Registers `fstore list`. */
export function registerListCommand(program: Command): void {
  program
    .command("list")
    .description("list the registry's entities, feature views (with on-demand views) or feature services")
    .argument("<kind>", `what to list: ${KINDS.join(", ")}`, (value: string) => {
      if (!(KINDS as readonly string[]).includes(value)) {
        throw new InvalidArgumentError(`expected one of ${KINDS.join(", ")}`);
      }
      return value as ListKind;
    })
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--tags <key=value>", "only objects carrying this tag (repeatable; all must match)", collectTag)
    .option("--json", "print the objects as JSON")
    .action(
      async (kind: ListKind, options: { repo: string; tags?: Record<string, string>; json?: boolean }) => {
        try {
          const config = loadRepoConfig(resolve(options.repo));
          const registry = await openRegistry(config);
          let listing: ReturnType<typeof listObjects>;
          try {
            listing = listObjects(registry.snapshot(), kind, options.tags ?? {});
          } finally {
            await registry.close();
          }
          if (options.json) console.log(JSON.stringify(listing.json, null, 2));
          else if (listing.table.length === 1)
            console.log(`No ${kind}${options.tags ? " with these tags" : ""}.`);
          else console.log(formatTable(listing.table));
        } catch (err) {
          const e = FstoreError.from(err);
          console.error(`fstore list: ${e.code}: ${e.message}`);
          process.exitCode = 1;
        }
      },
    );
}

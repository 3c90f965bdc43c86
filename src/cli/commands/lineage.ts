/**
 * `fstore history NAME`: every stored version of an object.
 * `fstore lineage DATASET_ID`: what built a training set (table or --json).
 * `fstore lineage --diff A B`: what differs between two training sets' inputs.
 * `fstore lineage --view V --entity K`: the run, view version and files behind a stored online row.
 * `fstore lineage --list`: the recorded training sets, newest first.
 * All read the repository's registry file (and online store) in-process.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { ValueType } from "../../../gen/fstore/v1/value_pb.js";
import { loadRepoConfig } from "../../config/index.js";
import { onlineStoreIdentity } from "../../config/online-store-identity.js";
import { FstoreError, invalidArgument, notFound } from "../../errors/index.js";
import {
  type DatasetManifest,
  diffManifests,
  type FileFingerprint,
  type ManifestDifference,
  type MaterializationLineage,
  type ObjectVersion,
  type OnlineRowLineage,
  objectHistory,
  onlineRowLineage,
  openLineageStore,
} from "../../lineage/index.js";
import { createOnlineStore } from "../../online/index.js";
import { openRegistry } from "../../registry/index.js";
import type { FeatureViewDef } from "../../registry/model.js";
import type { NativeValue } from "../../values/index.js";
import { formatTable } from "../text-table.js";

/** The versions of an object as a table. */
export function formatHistory(versions: readonly ObjectVersion[]): string {
  return formatTable([
    ["kind", "name", "version", "applied", "by", "git", "hash"],
    ...versions.map((v) => [
      v.kind,
      v.name,
      String(v.version),
      v.createdAt.toISOString(),
      v.appliedBy || "-",
      v.gitCommit ? `${v.gitCommit.slice(0, 12)}${v.gitDirty ? "+dirty" : ""}` : "-",
      v.contentHash.slice(0, 19),
    ]),
  ]);
}

const fileRow = (indent: string, f: FileFingerprint) => [
  `${indent}${f.path}`,
  String(f.size),
  f.mtime,
  f.fingerprint.slice(0, 28),
];

/** A manifest for humans: the facts, the definitions, the files. */
export function formatManifest(m: DatasetManifest): string {
  const e = m.entities;
  const lines = [
    `training set ${m.id} (project ${m.project}), built ${m.createdAt} via ${m.via}, ${m.output}${m.outputPath ? ` to ${m.outputPath}` : ""}`,
    `request: ${m.request.features.length ? `features ${m.request.features.join(", ")}` : `feature services ${m.request.featureServices.join(", ")}`}${m.request.fullFeatureNames ? " (full feature names)" : ""}`,
    `options: ${
      Object.entries(m.request.options)
        .filter(([, on]) => on)
        .map(([k]) => k)
        .join(", ") || "none"
    }`,
    `entities: ${
      e.kind === "inline"
        ? `${e.rows} inline rows, ${e.fingerprint}`
        : `source ${e.source}${e.start || e.end ? ` [${e.start ?? "-"}, ${e.end ?? "-"}]` : ""}`
    }`,
    `rows: ${m.rowCount}; ${m.matchCounts.map((c) => `${c.featureView} matched ${c.matchedRows}`).join(", ")}`,
    `leakage audit: ${m.leakageAudit.passed ? "passed" : `FAILED (${m.leakageAudit.violations} values)`}`,
    `registry version ${m.registryVersion}; definitions:`,
    formatTable([
      ["  kind", "name", "version", "hash"],
      ...m.definitions.map((d) => [
        `  ${d.kind}`,
        d.name,
        d.version ? String(d.version) : "-",
        d.contentHash.slice(0, 19),
      ]),
    ]),
    "files:",
    formatTable([
      ["  view / path", "bytes", "modified", "fingerprint"],
      ...m.sources.flatMap((s) => [
        [`  ${s.featureView} (${s.source})`, "", "", ""],
        ...s.files.map((f) => fileRow("    ", f)),
      ]),
      ...(e.files?.length ? [["  entity rows", "", "", ""], ...e.files.map((f) => fileRow("    ", f))] : []),
    ]),
  ];
  return lines.join("\n");
}

export function formatDiff(a: string, b: string, diffs: readonly ManifestDifference[]): string {
  if (diffs.length === 0)
    return `${a} and ${b} were built from the same inputs (definitions, files, entities, request).`;
  return [
    `${diffs.length} difference(s) between ${a} and ${b}:`,
    formatTable([["  what", "name", a, b], ...diffs.map((d) => [`  ${d.what}`, d.name, d.a, d.b])]),
  ].join("\n");
}

function formatRun(r: MaterializationLineage): string[] {
  return [
    `run ${r.runId}: ${r.outcome}, window [${r.windowStart}, ${r.windowEnd}], finished ${r.finishedAt}${r.scheduled ? " (scheduled)" : ""}`,
    `view ${r.view.name} version ${r.view.version || "-"} (${r.view.contentHash.slice(0, 19)}); ${r.rowsRead} rows read, ${r.entitiesWritten} entities written`,
    "files:",
    formatTable([["  path", "bytes", "modified", "fingerprint"], ...r.files.map((f) => fileRow("  ", f))]),
  ];
}

export function formatOnlineRow(l: OnlineRowLineage): string {
  const key = l.entityKey.map(String).join(", ");
  if (!l.eventTime) return `no online row of "${l.featureView}" for entity ${key}`;
  const head = `online row of "${l.featureView}" for entity ${key}: event time ${l.eventTime}`;
  if (!l.run)
    return `${head}\nno recorded materialization run covers it (pushed, or written before lineage was recorded)`;
  return [
    head,
    ...formatRun(l.run),
    ...(l.olderRuns.length ? [`older runs covering it: ${l.olderRuns.join(", ")}`] : []),
  ].join("\n");
}

/** `K` for a one-key view, or `key=value,key=value`; values typed as the view's join keys. */
export function parseEntityKey(view: FeatureViewDef, text: string): NativeValue[] {
  const cols = view.entityColumns;
  const pairs = new Map<string, string>();
  if (!text.includes("=")) {
    if (cols.length !== 1) {
      throw invalidArgument(
        `view "${view.name}" has ${cols.length} join keys: give --entity ${cols.map((c) => `${c.name}=...`).join(",")}`,
      );
    }
    pairs.set((cols[0] as { name: string }).name, text);
  } else {
    for (const part of text.split(",")) {
      const i = part.indexOf("=");
      pairs.set(part.slice(0, i).trim(), part.slice(i + 1));
    }
  }
  return cols.map((c) => {
    const raw = pairs.get(c.name);
    if (raw === undefined)
      throw invalidArgument(`--entity lacks join key "${c.name}" of view "${view.name}"`);
    switch (c.dtype) {
      case ValueType.INT64:
        if (!/^-?\d+$/.test(raw)) throw invalidArgument(`join key "${c.name}" is INT64; got "${raw}"`);
        return BigInt(raw);
      case ValueType.INT32:
        if (!/^-?\d+$/.test(raw)) throw invalidArgument(`join key "${c.name}" is INT32; got "${raw}"`);
        return Number(raw);
      case ValueType.STRING:
        return raw;
      default:
        throw invalidArgument(`join key "${c.name}" has a type --entity cannot give (${ValueType[c.dtype]})`);
    }
  });
}

function fail(command: string, err: unknown): void {
  const e = FstoreError.from(err);
  console.error(`fstore ${command}: ${e.code}: ${e.message}`);
  process.exitCode = 1;
}

const json = (value: unknown) =>
  JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);

interface LineageOptions {
  repo: string;
  json?: boolean;
  diff?: string[];
  view?: string;
  entity?: string;
  list?: boolean;
}

/** Registers `fstore history` and `fstore lineage`. */
export function registerLineageCommands(program: Command): void {
  program
    .command("history")
    .description("list every stored version of a registry object (one per apply that changed it)")
    .argument("<name>", "an entity, data source, feature view, on-demand view or feature service")
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--kind <kind>", "only this kind (feature_view, feature_service, ...)")
    .option("--json", "print as JSON")
    .action(async (name: string, options: { repo: string; kind?: string; json?: boolean }) => {
      const store = openLineageStore(loadRepoConfig(resolve(options.repo)));
      try {
        const versions = await objectHistory(store, name, options.kind);
        console.log(options.json ? json(versions) : formatHistory(versions));
      } catch (err) {
        fail("history", err);
      } finally {
        await store.close();
      }
    });

  program
    .command("lineage")
    .description("show what built a training set, compare two, or trace a stored online row to its run")
    .argument("[dataset-id]", "a training set's id (printed by fstore historical, in the RPC's summary)")
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--json", "print as JSON")
    .option("--diff <ids...>", "two training set ids: what differs between their inputs")
    .option("--view <name>", "with --entity: a feature view whose online row to trace")
    .option("--entity <key>", "the entity: a join key value, or key=value,key=value")
    .option("--list", "list the recorded training sets, newest first")
    .action(async (datasetId: string | undefined, options: LineageOptions) => {
      const config = loadRepoConfig(resolve(options.repo));
      const store = openLineageStore(config);
      try {
        const manifest = async (id: string) => {
          const m = await store.dataset(id);
          if (!m)
            throw notFound(
              `no training set "${id}" is recorded in project "${config.project}" (fstore lineage --list)`,
            );
          return m;
        };
        if (options.list) {
          const list = await store.listDatasets(100);
          console.log(
            options.json
              ? json(list)
              : formatTable([
                  ["id", "built", "rows"],
                  ...list.map((d) => [d.id, d.createdAt, String(d.rowCount)]),
                ]),
          );
        } else if (options.diff) {
          const [a, b] = options.diff;
          if (options.diff.length !== 2 || !a || !b)
            throw invalidArgument("--diff takes two training set ids");
          const diffs = diffManifests(await manifest(a), await manifest(b));
          console.log(options.json ? json(diffs) : formatDiff(a, b, diffs));
        } else if (options.view || options.entity) {
          if (!options.view || !options.entity)
            throw invalidArgument("give both --view NAME and --entity KEY");
          const registry = await openRegistry(config);
          const online = createOnlineStore(config);
          try {
            const view = registry.snapshot().featureViews.get(options.view);
            if (!view) throw notFound(`feature view "${options.view}" is not in the registry`);
            const traced = await onlineRowLineage(
              store,
              online,
              onlineStoreIdentity(config.onlineStore),
              view,
              parseEntityKey(view, options.entity),
            );
            console.log(options.json ? json(traced) : formatOnlineRow(traced));
          } finally {
            await online.close();
            await registry.close();
          }
        } else {
          if (!datasetId)
            throw invalidArgument("give a training set id, --diff A B, --view V --entity K, or --list");
          const m = await manifest(datasetId);
          console.log(options.json ? json(m) : formatManifest(m));
        }
      } catch (err) {
        fail("lineage", err);
      } finally {
        await store.close();
      }
    });
}

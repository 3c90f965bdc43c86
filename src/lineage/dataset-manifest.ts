/**
 * A training set's manifest: everything that built it (the request, the
 * version of every view read, every source file with its fingerprint, the
 * entity input, counts, the leakage audit, the output). Built from facts the
 * join already has; pure, so it can be tested and diffed alone.
 */
import type { FileFingerprint } from "./file-fingerprint.js";

/** A definition a training set or a run used, at the version it had. */
export interface UsedDefinition {
  kind: "feature_view" | "on_demand_feature_view" | "feature_service";
  name: string;
  /** 0 when the registry holds no version with this content (e.g. applied before versioning). */
  version: number;
  contentHash: string;
}

export interface EntityInputRecord {
  kind: "inline" | "source";
  /** Inline: the number of rows and a SHA-256 of their keys and timestamps. */
  rows?: number;
  fingerprint?: string;
  /** Source: its name (a registry data source, or the file given), time range and files. */
  source?: string;
  start?: string;
  end?: string;
  files?: FileFingerprint[];
}

export interface DatasetManifest {
  /** "ds-" + 16 hex digits, unique per retrieval. */
  id: string;
  project: string;
  createdAt: string;
  /** How it was asked: "rpc" or "cli", streamed or written as Parquet. */
  via: "rpc" | "cli";
  output: "stream" | "parquet";
  request: {
    features: string[];
    featureServices: string[];
    fullFeatureNames: boolean;
    options: Record<string, boolean>;
  };
  registryVersion: number;
  definitions: UsedDefinition[];
  /** The Parquet files each view read (the pinned list the join used). */
  sources: { featureView: string; source: string; files: FileFingerprint[] }[];
  entities: EntityInputRecord;
  rowCount: number;
  matchCounts: { featureView: string; matchedRows: number }[];
  leakageAudit: { violations: number; passed: boolean };
  outputPath: string;
  columns: string[];
}

/** One difference between two manifests, for `fstore lineage --diff`. */
export interface ManifestDifference {
  what: "definition" | "file" | "entities" | "request" | "counts";
  name: string;
  a: string;
  b: string;
}

/**
 * What differs between the inputs of two training sets: definitions (by
 * version and hash), source files (added, removed, or changed size, mtime or
 * fingerprint), the entity input, the request, and the resulting counts.
 */
export function diffManifests(a: DatasetManifest, b: DatasetManifest): ManifestDifference[] {
  const out: ManifestDifference[] = [];
  const defKey = (d: UsedDefinition) => `${d.kind}/${d.name}`;
  const defText = (d: UsedDefinition | undefined) =>
    d ? `v${d.version} ${d.contentHash.slice(0, 19)}` : "(not used)";
  const defsA = new Map(a.definitions.map((d) => [defKey(d), d]));
  const defsB = new Map(b.definitions.map((d) => [defKey(d), d]));
  for (const key of sortedUnion(defsA.keys(), defsB.keys())) {
    const x = defsA.get(key);
    const y = defsB.get(key);
    if (x?.contentHash !== y?.contentHash)
      out.push({ what: "definition", name: key, a: defText(x), b: defText(y) });
  }
  const filesA = filesOf(a);
  const filesB = filesOf(b);
  for (const path of sortedUnion(filesA.keys(), filesB.keys())) {
    const x = filesA.get(path);
    const y = filesB.get(path);
    if (x?.fingerprint !== y?.fingerprint)
      out.push({ what: "file", name: path, a: fileText(x), b: fileText(y) });
  }
  const entText = (e: EntityInputRecord) =>
    e.kind === "inline"
      ? `inline ${e.rows} rows ${e.fingerprint?.slice(0, 19)}`
      : `source ${e.source} [${e.start ?? "-"}, ${e.end ?? "-"}]`;
  if (entText(a.entities) !== entText(b.entities))
    out.push({ what: "entities", name: "entity rows", a: entText(a.entities), b: entText(b.entities) });
  const reqText = (m: DatasetManifest) => JSON.stringify(m.request);
  if (reqText(a) !== reqText(b)) out.push({ what: "request", name: "request", a: reqText(a), b: reqText(b) });
  if (a.rowCount !== b.rowCount)
    out.push({ what: "counts", name: "rows", a: String(a.rowCount), b: String(b.rowCount) });
  const matchesA = new Map(a.matchCounts.map((m) => [m.featureView, m.matchedRows]));
  const matchesB = new Map(b.matchCounts.map((m) => [m.featureView, m.matchedRows]));
  for (const view of sortedUnion(matchesA.keys(), matchesB.keys())) {
    if (matchesA.get(view) !== matchesB.get(view)) {
      out.push({
        what: "counts",
        name: `matches ${view}`,
        a: String(matchesA.get(view) ?? "-"),
        b: String(matchesB.get(view) ?? "-"),
      });
    }
  }
  return out;
}

function filesOf(m: DatasetManifest): Map<string, FileFingerprint> {
  const files = new Map<string, FileFingerprint>();
  for (const s of m.sources) for (const f of s.files) files.set(f.path, f);
  for (const f of m.entities.files ?? []) files.set(f.path, f);
  return files;
}

function fileText(f: FileFingerprint | undefined): string {
  return f ? `${f.size} bytes, mtime ${f.mtime}, ${f.fingerprint.slice(0, 19)}` : "(not read)";
}

function sortedUnion(a: Iterable<string>, b: Iterable<string>): string[] {
  return [...new Set([...a, ...b])].sort();
}

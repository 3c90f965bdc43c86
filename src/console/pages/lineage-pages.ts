/**
 * Versions of an object (with what changed from the one before) and training
 * sets: the list, and one training set's manifest with its lineage drawn as
 * columns (source files → views → services → training set) whose edges
 * console.js draws, and every node and file also in tables.
 */
import { html } from "../html.js";
import type {
  DatasetModel,
  DatasetSummary,
  LineageGraph,
  RecentRunModel,
  VersionModel,
} from "../lineage-data.js";
import { pagePaths } from "../registry-data.js";
import { emptyState, facts, formatNumber, type Html, link, section, table, time } from "./layout.js";

/** A view's last materialization runs, newest first, with the version they materialized. */
export function recentRunsSection(runs: RecentRunModel[]): Html {
  if (runs.length === 0) {
    return emptyState(
      "No run yet",
      "No materialization run of this view into this online store has been recorded.",
    );
  }
  return table(
    [
      "Run",
      "Outcome",
      "Window start",
      "Window end",
      "Finished",
      "Rows read",
      "Entities written",
      "Scheduled",
      "View version",
      "Files",
      "Error",
    ],
    runs.map((r) => [
      html`<code>${r.runId}</code>`,
      r.outcome,
      time(r.windowStart),
      time(r.windowEnd),
      time(r.finishedAt),
      formatNumber(r.rowsRead),
      formatNumber(r.entitiesWritten),
      r.scheduled ? "yes" : "no",
      r.viewVersion === null ? "" : `v${r.viewVersion}`,
      formatNumber(r.files),
      r.error,
    ]),
  );
}

export function versionsSection(versions: VersionModel[], kind: string, name: string): Html {
  if (versions.length === 0) {
    return emptyState(
      "No stored version",
      `No version of ${kind} "${name}" is stored: versions are written by fstore apply from now on.`,
    );
  }
  return html`${table(
    ["Version", "Applied", "By", "Git commit", "Content hash", "Changed"],
    versions.map((v) => [
      `v${v.version}`,
      time(v.createdAt),
      v.appliedBy,
      v.gitCommit ? `${v.gitCommit.slice(0, 12)}${v.gitDirty ? " (dirty)" : ""}` : "",
      html`<code>${v.contentHash.slice(0, 19)}…</code>`,
      v.version === 1 ? "first version" : v.changes.map((c) => c.property).join(", "),
    ]),
  )}${versions
    .filter((v) => v.changes.length > 0)
    .map(
      (v) =>
        html`<details class="numbers"><summary>What changed in v${v.version}</summary>${table(
          ["Property", `v${v.version - 1}`, `v${v.version}`],
          v.changes.map((c) => [c.property, html`<code>${c.before}</code>`, html`<code>${c.after}</code>`]),
        )}</details>`,
    )}`;
}

export function datasetListPage(list: DatasetSummary[], none: Html): Html {
  if (list.length === 0) return none;
  return table(
    ["Training set", "Created", "Rows", "Feature services", "Features", "Leakage audit"],
    list.map((d) => [
      link(pagePaths.dataset(d.id), d.id),
      time(d.createdAt),
      formatNumber(d.rowCount),
      d.featureServices.join(", "),
      d.features.join(", "),
      d.leakageViolations === 0 ? "0 (passed)" : `${d.leakageViolations} leaking values`,
    ]),
  );
}

function graphView(graph: LineageGraph): Html {
  return html`<div class="lineage" role="img" aria-label="Lineage: ${graph.columns
    .map((c) => `${c.title}: ${c.nodes.map((n) => n.label).join(", ")}`)
    .join("; ")}"><svg class="lineage-edges" aria-hidden="true"></svg>${graph.columns.map(
    (c) =>
      html`<div class="lineage-column"><h3>${c.title}</h3><ul>${c.nodes.map(
        (n) =>
          html`<li><span class="lineage-node" data-node="${n.id}" data-feeds="${n.feeds.join(" ")}">${
            n.path ? link(n.path, n.label) : html`<strong>${n.label}</strong>`
          }<br><span class="muted">${n.detail}</span></span></li>`,
      )}</ul></div>`,
  )}</div>`;
}

export function datasetPage(d: DatasetModel): Html {
  const m = d.manifest;
  const e = m.entities;
  return html`${facts([
    ["Created", time(m.createdAt)],
    [
      "Asked through",
      `${m.via === "rpc" ? "GetHistoricalFeatures" : "fstore historical"}, ${m.output === "parquet" ? "written as Parquet" : "streamed"}`,
    ],
    ["Output", m.outputPath ? html`<code>${m.outputPath}</code>` : null],
    ["Rows", formatNumber(m.rowCount)],
    [
      "Leakage audit",
      m.leakageAudit.passed ? "passed (0 leaking values)" : `${m.leakageAudit.violations} leaking values`,
    ],
    ["Feature services", m.request.featureServices.join(", ")],
    ["Features", m.request.features.join(", ")],
    ["Full feature names", m.request.fullFeatureNames ? "yes" : "no"],
    [
      "Options",
      Object.entries(m.request.options)
        .filter(([, on]) => on)
        .map(([k]) => k)
        .join(", "),
    ],
    [
      "Entity rows",
      e.kind === "inline"
        ? html`${formatNumber(e.rows ?? 0)} rows given inline, fingerprint <code>${(e.fingerprint ?? "").slice(0, 23)}…</code>`
        : html`source <code>${e.source ?? ""}</code> from ${time(e.start ?? null)} to ${time(e.end ?? null)}`,
    ],
    ["Registry version", m.registryVersion],
  ])}
${section("Lineage", "lineage", graphView(d.graph))}
${section(
  "Source files",
  "files",
  table(
    ["View", "File", "Size", "Modified", "Fingerprint"],
    [
      ...m.sources.flatMap((s) =>
        s.files.map((f) => [
          s.featureView,
          html`<code>${f.path}</code>`,
          formatNumber(f.size),
          time(f.mtime),
          html`<code>${f.fingerprint}</code>`,
        ]),
      ),
      ...(e.files ?? []).map((f) => [
        "entity rows",
        html`<code>${f.path}</code>`,
        formatNumber(f.size),
        time(f.mtime),
        html`<code>${f.fingerprint}</code>`,
      ]),
    ],
  ),
)}
${section(
  "Definitions used",
  "definitions",
  table(
    ["Kind", "Name", "Version", "Content hash", "Rows matched"],
    m.definitions.map((def) => [
      def.kind.replaceAll("_", " "),
      def.name,
      def.version === 0 ? "unversioned" : `v${def.version}`,
      html`<code>${def.contentHash.slice(0, 19)}…</code>`,
      formatNumber(m.matchCounts.find((c) => c.featureView === def.name)?.matchedRows ?? null),
    ]),
  ),
)}
<details class="numbers"><summary>The whole manifest (JSON)</summary><pre class="code"><code>${JSON.stringify(m, null, 2)}</code></pre></details>`;
}

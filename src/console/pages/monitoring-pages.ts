/**
 * The feature page (its profile: histogram or top values, quantiles,
 * coverage; and its drift against each baseline over time) and the drift
 * table the service page shares.
 */
import type { DriftReport, FeatureProfile } from "../../monitoring/index.js";
import { html } from "../html.js";
import type { DriftHistory, FeatureModel } from "../monitoring-data.js";
import { pagePaths } from "../registry-data.js";
import {
  badge,
  chart,
  emptyState,
  facts,
  formatNumber,
  type Html,
  link,
  percent,
  section,
  table,
  tagChips,
  time,
} from "./layout.js";

function verdict(v: "ok" | "warn" | "alert"): Html {
  return badge(v === "ok" ? "OK" : v.toUpperCase(), v);
}

/** Per-feature drift of one report, with links to the feature pages. */
export function driftTable(report: DriftReport, featurePath: (name: string) => string | undefined): Html {
  return table(
    ["Feature", "Rows", "Coverage", "PSI", "KS", "JS", "Verdict", "Why"],
    report.features.map((f) => {
      const path = featurePath(f.feature);
      return [
        path ? link(path, f.feature) : f.feature,
        formatNumber(f.currentRows),
        `${percent(f.baselineCoverage)} → ${percent(f.currentCoverage)}`,
        formatNumber(f.psi, 3),
        formatNumber(f.ks, 3),
        formatNumber(f.js, 3),
        verdict(f.verdict),
        f.reasons.join("; "),
      ];
    }),
  );
}

function binLabel(edges: number[], i: number): string {
  const lo = formatNumber(edges[i] ?? null);
  const hi = formatNumber(edges[i + 1] ?? null);
  return i === 0 ? `[${lo}, ${hi}]` : `(${lo}, ${hi}]`;
}

function profileSection(m: FeatureModel): Html {
  if (!m.profile)
    return emptyState("No profile yet", m.monitoringNote ?? "No stored profile holds this feature.");
  const { ref, feature: f } = m.profile;
  const about = facts([
    [
      "Profile",
      html`${ref.id ?? "unsaved"} of ${ref.source.kind} <code>${ref.source.name}</code>, made ${time(ref.createdAt)}`,
    ],
    [
      "Window",
      ref.window ? html`${time(ref.window.start)} to ${time(ref.window.end)}` : "every row of the source",
    ],
    ["Rows", formatNumber(f.rows)],
    ["Coverage", html`${percent(f.coverage)} (${formatNumber(f.nonNull)} with a value)`],
    ...(f.notFound !== null ? ([["Served NOT_FOUND", percent(f.notFound)]] as [string, string][]) : []),
    ...(f.outsideMaxAge !== null
      ? ([["Served OUTSIDE_MAX_AGE", percent(f.outsideMaxAge)]] as [string, string][])
      : []),
  ]);
  return html`${about}${distribution(f)}`;
}

function distribution(f: FeatureProfile): Html {
  if (f.numeric) {
    const n = f.numeric;
    const h = n.histogram;
    const labels = h.counts.map((_, i) => binLabel(h.edges, i));
    const quantiles = Object.entries(n.quantiles);
    return html`${facts([
      ["Min", formatNumber(n.min)],
      ["Mean", formatNumber(n.mean)],
      ["Standard deviation", formatNumber(n.stddev)],
      ["Max", formatNumber(n.max)],
    ])}${chart(
      "histogram",
      "bars",
      `Histogram of ${f.name}: ${h.counts.length} bins from ${formatNumber(h.edges[0])} to ${formatNumber(h.edges[h.edges.length - 1])}`,
      { labels, datasets: [{ label: "rows", values: h.counts }], xTitle: f.name, yTitle: "rows" },
      table(
        ["Bin", "Rows"],
        [
          ...labels.map((l, i) => [l, formatNumber(h.counts[i] ?? 0)]),
          ...(h.below > 0 ? [["below the first edge", formatNumber(h.below)]] : []),
          ...(h.above > 0 ? [["above the last edge", formatNumber(h.above)]] : []),
        ],
      ),
    )}${section(
      "Quantiles",
      "quantiles",
      table(
        quantiles.map(([q]) => q),
        [quantiles.map(([, v]) => formatNumber(v))],
      ),
    )}`;
  }
  if (f.categorical) {
    const c = f.categorical;
    return html`${facts([["Distinct values", formatNumber(c.distinct)]])}${chart(
      "top-values",
      "bars",
      `Most frequent values of ${f.name}: ${c.top
        .slice(0, 5)
        .map((t) => t.value)
        .join(", ")}`,
      {
        labels: c.top.map((t) => t.value),
        datasets: [{ label: "rows", values: c.top.map((t) => t.count) }],
        xTitle: "value",
        yTitle: "rows",
      },
      table(
        ["Value", "Rows", "Share of values"],
        c.top.map((t) => [
          t.value,
          formatNumber(t.count),
          percent(f.nonNull > 0 ? t.count / f.nonNull : null),
        ]),
      ),
    )}`;
  }
  return emptyState("No distribution", "This feature's type is profiled for coverage only.");
}

function driftChart(h: DriftHistory, index: number): Html {
  const categorical = h.baselineFeature.kind === "categorical";
  const labels = h.points.map((p) => `#${p.profile.id} ${p.at.slice(0, 16).replace("T", " ")}`);
  const second = categorical ? "JS" : "KS";
  const secondValues = h.points.map((p) => (categorical ? p.js : p.ks));
  const t = h.thresholds;
  const datasets = [
    { label: "PSI", values: h.points.map((p) => p.psi), color: 0 },
    { label: second, values: secondValues, color: 1 },
    {
      label: "|coverage change|",
      values: h.points.map((p) => (p.coverageChange === null ? null : Math.abs(p.coverageChange))),
      color: 2,
    },
    { label: `PSI alert (${t.psi.alert})`, values: h.points.map(() => t.psi.alert), color: 3, dashed: true },
    {
      label: `${second} alert (${categorical ? t.js.alert : t.ks.alert})`,
      values: h.points.map(() => (categorical ? t.js.alert : t.ks.alert)),
      color: 4,
      dashed: true,
    },
  ];
  const last = h.points[h.points.length - 1];
  const label = last
    ? `Drift of ${h.baselineFeature.name} against the baseline of ${h.featureService} over ${h.points.length} profiles; latest PSI ${formatNumber(last.psi, 3)}, verdict ${last.verdict}`
    : `No profile of ${h.featureService} since its baseline`;
  return html`<h3>Against the baseline of ${link(pagePaths.featureService(h.featureService), h.featureService)} (profile ${
    h.baseline.id
  })</h3>${
    h.points.length === 0
      ? emptyState(
          "No profile since the baseline",
          `fstore monitor drift --feature-service ${h.featureService} makes one.`,
        )
      : chart(
          `drift-${index}`,
          "lines",
          label,
          { labels, datasets, yTitle: "score" },
          table(
            ["Profile", "Window end", "Source", "PSI", "KS", "JS", "Coverage", "Verdict", "Why"],
            h.points.map((p) => [
              String(p.profile.id),
              time(p.at),
              p.profile.source.kind,
              formatNumber(p.psi, 3),
              formatNumber(p.ks, 3),
              formatNumber(p.js, 3),
              percent(p.coverage),
              verdict(p.verdict),
              p.reasons.join("; "),
            ]),
          ),
        )
  }`;
}

export function featurePage(m: FeatureModel): Html {
  return html`${facts([
    ["Feature view", link(pagePaths.featureView(m.featureView), m.featureView)],
    ["Type", m.type],
    ["Description", m.description],
    ["Tags", tagChips(m.tags)],
    [
      "In services",
      m.featureServices.length === 0
        ? null
        : html`${m.featureServices.map((s, i) => html`${i > 0 ? ", " : ""}${link(pagePaths.featureService(s), s)}`)}`,
    ],
  ])}
${section("Profile", "profile", profileSection(m))}
${section(
  "Drift over time",
  "drift",
  m.drift.length === 0
    ? emptyState(
        "No baseline holds this feature",
        m.featureServices.length === 0
          ? "Drift is measured per feature service, and no service you may see includes this feature."
          : `Save a baseline of a service that includes it: fstore monitor baseline --feature-service ${m.featureServices[0]}.`,
      )
    : html`${m.drift.map((h, i) => driftChart(h, i))}`,
)}`;
}

/**
 * Profiles and drift reports as text for a terminal: one row per feature,
 * numbers with a one-line histogram (a bar per bin, scaled to the fullest
 * bin), strings and booleans with their top values.
 */
import type { DriftReport } from "./drift.js";
import type { FeatureProfile, Histogram, Profile } from "./profile.js";
import { QUANTILE_NAMES } from "./profile.js";
import type { RowSkewReport } from "./row-skew.js";

const BARS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/** One character per bin ("▁".."█" scaled to the fullest bin, " " for an empty one), guards as "<n" / ">n". */
export function textHistogram(h: Histogram): string {
  const peak = Math.max(0, ...h.counts);
  const bars = h.counts
    .map((c) =>
      c === 0 || peak === 0 ? " " : BARS[Math.min(BARS.length - 1, Math.floor((c / peak) * BARS.length))],
    )
    .join("");
  const below = h.below > 0 ? `<${h.below} ` : "";
  const above = h.above > 0 ? ` >${h.above}` : "";
  return `${below}|${bars}|${above}`;
}

/** A number in at most 6 significant digits, without exponent noise for ordinary magnitudes. */
export function formatNumber(x: number | null): string {
  if (x === null) return "-";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e9 || a < 1e-4)) return x.toExponential(3);
  return String(Number(x.toPrecision(6)));
}

function pct(x: number | null): string {
  return x === null ? "-" : `${(100 * x).toFixed(1)}%`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

function distribution(f: FeatureProfile): string {
  if (f.numeric) return textHistogram(f.numeric.histogram);
  if (f.categorical) {
    const top = f.categorical.top
      .slice(0, 3)
      .map((t) => `${t.value} ${pct(f.nonNull === 0 ? 0 : t.count / f.nonNull)}`);
    return `${f.categorical.distinct} distinct: ${top.join(", ")}${f.categorical.top.length > 3 ? ", ..." : ""}`;
  }
  return "";
}

/** The profile as a table, then the quantiles of the numeric features. */
export function formatProfile(profile: Profile): string {
  const window = profile.window
    ? ` window ${profile.window.start ?? "-"} .. ${profile.window.end ?? "-"}`
    : "";
  const id = profile.id === null ? "" : ` (profile ${profile.id})`;
  const lines = [`${profile.source.kind} ${profile.source.name}${window}${id}`, ""];
  const hasLog = profile.features.some((f) => f.notFound !== null);
  const header = ["feature", "type", "rows", "coverage", ...(hasLog ? ["not found", "max age"] : [])];
  header.push("min", "mean", "stddev", "max", "distribution");
  const rows = profile.features.map((f) => [
    f.name,
    f.valueType,
    String(f.rows),
    pct(f.coverage),
    ...(hasLog ? [pct(f.notFound), pct(f.outsideMaxAge)] : []),
    formatNumber(f.numeric?.min ?? null),
    formatNumber(f.numeric?.mean ?? null),
    formatNumber(f.numeric?.stddev ?? null),
    formatNumber(f.numeric?.max ?? null),
    distribution(f),
  ]);
  lines.push(...table(header, rows));
  const numeric = profile.features.filter((f) => f.numeric);
  if (numeric.length > 0) {
    lines.push("");
    lines.push(
      ...table(
        ["feature", ...QUANTILE_NAMES],
        numeric.map((f) => [
          f.name,
          ...QUANTILE_NAMES.map((q) => formatNumber(f.numeric?.quantiles[q] ?? null)),
        ]),
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The drift report as a table with a verdict per feature and the overall verdict last. */
export function formatDrift(report: DriftReport): string {
  const t = report.thresholds;
  const lines = [
    `baseline profile ${report.baselineProfileId ?? "-"}, current profile ${report.currentProfileId ?? "-"}`,
    `thresholds (warn/alert): PSI ${t.psi.warn}/${t.psi.alert}, KS ${t.ks.warn}/${t.ks.alert}, JS ${t.js.warn}/${t.js.alert}, coverage change ${t.coverage.warn}/${t.coverage.alert}`,
    "",
  ];
  const f3 = (x: number | null) => (x === null ? "-" : x.toFixed(3));
  lines.push(
    ...table(
      ["feature", "rows", "coverage", "PSI", "KS", "JS", "verdict", "why"],
      report.features.map((f) => [
        f.feature,
        String(f.currentRows),
        `${pct(f.baselineCoverage)} -> ${pct(f.currentCoverage)}`,
        f3(f.psi),
        f3(f.ks),
        f3(f.js),
        f.verdict.toUpperCase(),
        f.reasons.join("; "),
      ]),
    ),
  );
  const counts = { ok: 0, warn: 0, alert: 0 };
  for (const f of report.features) counts[f.verdict]++;
  lines.push(
    "",
    `drift: ${report.verdict.toUpperCase()} (${counts.alert} alert, ${counts.warn} warn, ${counts.ok} ok)`,
  );
  return `${lines.join("\n")}\n`;
}

/** Per-row skew: per feature the rows compared and the differing share, then its examples. */
export function formatRowSkew(report: RowSkewReport): string {
  const w = report.window;
  const lines = [
    `feature service ${report.featureService}: ${report.rows} logged rows (${w.start ?? "-"} .. ${w.end ?? "-"}), alert above ${pct(report.maxDiffering)} differing`,
    "",
    ...table(
      ["feature", "compared", "differing", "share", "nothing served", "nothing offline", "verdict"],
      report.features.map((f) => [
        f.feature,
        String(f.compared),
        String(f.differing),
        pct(f.differingShare),
        String(f.missingOnline),
        String(f.missingOffline),
        f.verdict.toUpperCase(),
      ]),
    ),
  ];
  const show = (v: unknown) => (v === null || v === undefined ? "null" : JSON.stringify(v));
  for (const f of report.features) {
    if (f.examples.length === 0) continue;
    lines.push("", `${f.feature}: ${f.examples.length} of ${f.differing} differing rows`);
    lines.push(
      ...table(
        ["entity", "request time", "served", "status", "offline"],
        f.examples.map((e) => [
          Object.entries(e.entityKey)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(" "),
          e.logTimestamp,
          show(e.served),
          e.servedStatus === null ? "-" : String(e.servedStatus),
          show(e.offline),
        ]),
      ),
    );
  }
  for (const n of report.notCompared) lines.push("", `${n.feature}: not compared (${n.reason})`);
  const alerts = report.features.filter((f) => f.verdict === "alert").length;
  lines.push(
    "",
    `row skew: ${report.verdict.toUpperCase()} (${alerts} of ${report.features.length} features alert)`,
  );
  return `${lines.join("\n")}\n`;
}

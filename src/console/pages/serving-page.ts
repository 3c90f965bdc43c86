/**
 * The live serving page: request rate, p50/p99 latency per method and calls
 * by status, from the server's own counters (sampled in process), refreshed
 * by console.js from /api/serving. Outside a server it says how to get it.
 */
import { html } from "../html.js";
import type { ServingSeries } from "../serving-series.js";
import { chart, emptyState, formatNumber, type Html, section, table, time } from "./layout.js";

export function servingTables(s: ServingSeries): { rates: Html; statuses: Html } {
  const last = s.points[s.points.length - 1];
  return {
    rates: table(
      ["Method", "Calls/s", "p50 (ms)", "p99 (ms)"],
      s.methods.map((m) => {
        const p = last?.byMethod[m];
        return [
          m,
          formatNumber(p?.rate ?? 0, 3),
          p?.p50 == null ? null : formatNumber(p.p50 * 1000, 3),
          p?.p99 == null ? null : formatNumber(p.p99 * 1000, 3),
        ];
      }),
      last ? `Over the ${formatNumber(last.seconds, 3)} s to ${last.at}` : "No interval sampled yet",
    ),
    statuses: table(
      ["Method", "Status", "Calls"],
      s.statuses.map((r) => [r.method, r.status, formatNumber(r.calls)]),
      "Since the server started",
    ),
  };
}

export function servingPage(s: ServingSeries | undefined, intervalSeconds: number): Html {
  if (!s) {
    return emptyState(
      "Serving metrics come from a running server",
      "This console runs on its own (fstore ui), beside no server, so there are no serving counters to show.",
      html`Serve the repository with the console inside the server: <code>fstore serve --ui-port 8888</code>.`,
    );
  }
  const t = servingTables(s);
  return html`<p class="muted" id="serving-status" role="status">Sampled every ${intervalSeconds} s since ${time(
    s.since,
  )}; refreshed live.</p>
${section(
  "Request rate",
  "rate",
  chart(
    "serving-rate",
    "live",
    "Calls per second, by method, over the last minutes",
    { metric: "rate" },
    html`<div data-live-table="rates">${t.rates}</div>`,
  ),
)}
${section(
  "Latency",
  "latency",
  chart(
    "serving-latency",
    "live",
    "p50 and p99 latency in milliseconds, by method, over the last minutes",
    { metric: "latency" },
    html`<div data-live-table="rates">${t.rates}</div>`,
  ),
)}
${section(
  "Statuses",
  "statuses",
  chart(
    "serving-statuses",
    "live",
    "Calls by status since the server started, by method",
    { metric: "statuses" },
    html`<div data-live-table="statuses">${t.statuses}</div>`,
  ),
)}`;
}

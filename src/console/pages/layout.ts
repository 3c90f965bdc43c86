/**
 * The frame of every console page (header with search, section navigation,
 * sign-in state) and the pieces pages share: tag chips, definition lists,
 * empty states that say why, and charts that always carry their numbers as a
 * table one click away (`<details>`), for screen readers and for copying.
 */
import type { Identity } from "../../permissions/index.js";
import { Html, html, jsonScript } from "../html.js";

export interface PageContext {
  project: string;
  /** The signed-in identity; undefined when the server does not authenticate. */
  identity: Identity | undefined;
  /** Whether the caller signed in with the form (and so can sign out). */
  signedInWithCookie: boolean;
  /** The request path, to mark the current section. */
  path: string;
}

const SECTIONS: { path: string; label: string }[] = [
  { path: "/", label: "Overview" },
  { path: "/entities", label: "Entities" },
  { path: "/views", label: "Feature views" },
  { path: "/on-demand-views", label: "On-demand views" },
  { path: "/stream-views", label: "Stream views" },
  { path: "/services", label: "Feature services" },
  { path: "/datasets", label: "Training sets" },
  { path: "/serving", label: "Serving" },
];

function currentSection(path: string): string {
  let best = "/";
  for (const s of SECTIONS)
    if (s.path !== "/" && (path === s.path || path.startsWith(`${s.path}/`))) best = s.path;
  return path === "/" || best !== "/" ? best : "";
}

export function page(ctx: PageContext, title: string, body: Html): Html {
  const current = currentSection(ctx.path);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · fstore ${ctx.project}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/chart.umd.min.js" defer></script>
<script src="/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">fstore <span class="project">${ctx.project}</span></a>
  <form class="search" role="search" action="/search" method="get">
    <label for="global-search" class="visually-hidden">Search the registry</label>
    <input id="global-search" name="q" type="search" placeholder="Search views, features, services…">
    <button type="submit">Search</button>
  </form>
  <span class="who">${
    ctx.identity
      ? html`${ctx.identity.name}${ctx.signedInWithCookie ? html` · <a href="/logout">Sign out</a>` : ""}`
      : ""
  }</span>
</header>
<nav class="sections" aria-label="Sections"><ul>${SECTIONS.map(
    (s) =>
      html`<li><a href="${s.path}"${s.path === current ? html` aria-current="page"` : ""}>${s.label}</a></li>`,
  )}</ul></nav>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

/** Tag chips; each links to the list filtered by that tag when `listPath` is given. */
export function tagChips(tags: Readonly<Record<string, string>>, listPath?: string): Html {
  const entries = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul class="tags">${entries.map(([k, v]) => {
    const label = `${k}=${v}`;
    return html`<li>${
      listPath
        ? html`<a class="tag" href="${listPath}?tag=${encodeURIComponent(label)}">${label}</a>`
        : html`<span class="tag">${label}</span>`
    }</li>`;
  })}</ul>`;
}

/** A definition list of label/value pairs (values already HTML or plain text). */
export function facts(rows: [string, Html | string | number | null][]): Html {
  return html`<dl class="facts">${rows.map(
    ([k, v]) =>
      html`<dt>${k}</dt><dd>${v === null || v === "" ? html`<span class="muted">—</span>` : v}</dd>`,
  )}</dl>`;
}

/** A section whose data is not there, saying why and what would fill it. */
export function emptyState(title: string, why: Html | string, next?: Html | string): Html {
  return html`<div class="empty" role="note"><p class="empty-title">${title}</p><p>${why}</p>${
    next ? html`<p class="muted">${next}</p>` : ""
  }</div>`;
}

export function section(title: string, id: string, body: Html): Html {
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${body}</section>`;
}

export function table(headers: string[], rows: (Html | string | number | null)[][], caption?: string): Html {
  return html`<table>${caption ? html`<caption>${caption}</caption>` : ""}<thead><tr>${headers.map(
    (h) => html`<th scope="col">${h}</th>`,
  )}</tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr>${r.map((c) => html`<td>${c === null ? html`<span class="muted">—</span>` : c}</td>`)}</tr>`,
  )}</tbody></table>`;
}

export type ChartKind = "bars" | "lines" | "timeline" | "live";

/**
 * A chart drawn by console.js with Chart.js from the JSON beside it, with a
 * text alternative (`label`, read by screen readers) and its numbers as a
 * table one click away.
 */
export function chart(id: string, kind: ChartKind, label: string, data: unknown, numbers: Html): Html {
  return html`<figure class="chart">
<div class="chart-box"><canvas id="chart-${id}" data-chart="${kind}" data-source="data-${id}" role="img" aria-label="${label}"></canvas></div>
${jsonScript(`data-${id}`, data)}
<figcaption>${label}</figcaption>
<details class="numbers" data-numbers-for="chart-${id}"><summary>Show the numbers</summary>${numbers}</details>
</figure>`;
}

export function badge(text: string, tone: "ok" | "warn" | "alert" | "info"): Html {
  return html`<span class="badge badge-${tone}">${text}</span>`;
}

const UNITS: [number, string][] = [
  [86_400, "d"],
  [3_600, "h"],
  [60, "min"],
  [1, "s"],
];

/** "2 h 5 min", "45 s", for ages and ttls. */
export function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds === 0) return "0 s";
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [size, unit] of UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

/** A time as "2026-01-01 12:00:00 UTC" inside a <time> element. */
export function time(iso: string | null): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}">${iso.replace("T", " ").replace(/\.\d{3}Z$|Z$/, " UTC")}</time>`;
}

export function link(href: string, text: string): Html {
  return html`<a href="${href}">${text}</a>`;
}

export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  if (Number.isInteger(x)) return x.toLocaleString("en-US");
  return Number(x.toPrecision(digits)).toString();
}

export function percent(x: number | null | undefined): string {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
}

export { Html };

/**
 * Pages of the registry: the overview, the lists (search and tag filters)
 * and one page per entity, feature view, on-demand view and feature service.
 */
import { html } from "../html.js";
import { filterQuery, isEmptyFilter, type ListFilter } from "../list-filter.js";
import type { ServiceMonitoringModel } from "../monitoring-data.js";
import {
  type EntityModel,
  type EntitySummary,
  type FreshnessModel,
  type ListModel,
  type OnDemandModel,
  type OnDemandSummary,
  type OverviewModel,
  pagePaths,
  type RunModel,
  type SearchHit,
  type ServiceModel,
  type ServiceSummary,
  type ViewModel,
  type ViewSummary,
} from "../registry-data.js";
import {
  badge,
  chart,
  duration,
  emptyState,
  facts,
  formatNumber,
  type Html,
  link,
  section,
  table,
  tagChips,
  time,
} from "./layout.js";
import { driftTable } from "./monitoring-pages.js";

const names = (list: string[], path: (n: string) => string) =>
  list.length === 0
    ? html`<span class="muted">none</span>`
    : html`${list.map((n, i) => html`${i > 0 ? ", " : ""}${link(path(n), n)}`)}`;

export function freshnessBadge(f: FreshnessModel, online: boolean): Html {
  if (!online) return badge("offline only", "info");
  if (f.overdue) return badge("overdue", "alert");
  if (f.lastMaterializedEnd === null) return badge("never materialized", "warn");
  return badge("fresh", "ok");
}

function runCell(run: RunModel | null): Html {
  if (!run) return html`<span class="muted">no run yet</span>`;
  const tone = run.outcome === "succeeded" ? "ok" : run.outcome === "skipped" ? "info" : "alert";
  return html`${badge(run.outcome, tone)} ${time(run.end)}`;
}

export function overviewPage(m: OverviewModel): Html {
  const c = m.counts;
  const tiles: [string, number | string, string][] = [
    ["Entities", c.entities, "/entities"],
    ["Feature views", c.featureViews, "/views"],
    ["Stream views", c.streamFeatureViews, "/stream-views"],
    ["On-demand views", c.onDemandFeatureViews, "/on-demand-views"],
    ["Feature services", c.featureServices, "/services"],
    ["Data sources", c.dataSources, "/views"],
  ];
  const overdue = m.views.filter((v) => v.freshness.overdue);
  return html`
<ul class="tiles">${tiles.map(
    ([label, n, href]) =>
      html`<li><a href="${href}"><span class="tile-n">${n}</span><span class="tile-label">${label}</span></a></li>`,
  )}</ul>
${section(
  "Stores and schedule",
  "stores",
  facts([
    ["Project", m.project],
    ["Registry", html`<code>${m.registry}</code> (version ${m.registryVersion})`],
    ["Online store", html`${m.onlineStore.type} <code>${m.onlineStore.identity}</code>`],
    ["Offline store", html`${m.offlineStore.type}, output in <code>${m.offlineStore.outputDir}</code>`],
    ["Materialization schedule", m.schedule === null ? "off" : html`<code>${m.schedule}</code> (cron, UTC)`],
    [
      "Next due run",
      m.nextDue
        ? html`${time(m.nextDue.at)} (${link(pagePaths.featureView(m.nextDue.view), m.nextDue.view)})`
        : null,
    ],
  ]),
)}
${section(
  "Freshness",
  "freshness",
  m.views.length === 0
    ? emptyState(
        "No feature views",
        "Nothing is registered yet, or you may not see any view.",
        "fstore apply registers a repository's definitions.",
      )
    : html`${
        overdue.length > 0
          ? html`<p class="alert-line">${badge(`${overdue.length} overdue`, "alert")} ${names(
              overdue.map((v) => v.name),
              pagePaths.featureView,
            )}</p>`
          : ""
      }${table(
        ["Feature view", "State", "Materialized up to", "Age", "Next due", "Last run"],
        m.views.map((v) => [
          link(pagePaths.featureView(v.name), v.name),
          freshnessBadge(v.freshness, v.online),
          time(v.freshness.lastMaterializedEnd),
          duration(v.freshness.ageSeconds),
          time(v.freshness.nextDue),
          runCell(v.lastRun),
        ]),
      )}`,
)}`;
}

function filterForm(listPath: string, f: ListFilter, tags: { tag: string; count: number }[]): Html {
  const active = f.tags.map(([k, v]) => `${k}=${v}`);
  return html`<form class="filter" role="search" action="${listPath}" method="get">
<label for="list-q">Search</label>
<input id="list-q" name="q" type="search" value="${f.query}" placeholder="name, feature, owner, tag…">
${active.map((t) => html`<input type="hidden" name="tag" value="${t}">`)}
<button type="submit">Filter</button>
</form>
<div class="tag-filter" aria-label="Tag filters">
${
  active.length > 0
    ? html`<p>Only with ${active.map(
        (t) =>
          html`<a class="tag tag-active" href="${listPath}${filterQuery(f, { removeTag: t })}" aria-label="remove tag filter ${t}">${t} ✕</a> `,
      )}</p>`
    : ""
}
${
  tags.length > 0
    ? html`<p class="muted">Tags: ${tags
        .filter((t) => !active.includes(t.tag))
        .slice(0, 30)
        .map(
          (t) =>
            html`<a class="tag" href="${listPath}${filterQuery(f, { addTag: t.tag })}">${t.tag} (${t.count})</a> `,
        )}</p>`
    : ""
}
</div>`;
}

function listPage<T>(
  listPath: string,
  m: ListModel<T>,
  noun: string,
  headers: string[],
  row: (item: T) => (Html | string | number | null)[],
  none: Html,
): Html {
  const shown = html`<p class="count" role="status">${m.items.length} of ${m.total} ${noun}</p>`;
  return html`${filterForm(listPath, m.filter, m.tags)}${shown}${
    m.total === 0
      ? none
      : m.items.length === 0
        ? emptyState(
            `No ${noun} match`,
            isEmptyFilter(m.filter) ? "" : "Change the search or remove a tag filter.",
          )
        : table(headers, m.items.map(row))
  }`;
}

const noneRegistered = (noun: string) =>
  emptyState(
    `No ${noun}`,
    "None is registered, or you may not see any (DESCRIBE permission).",
    "fstore apply registers a repository's definitions.",
  );

export function entityListPage(m: ListModel<EntitySummary>): Html {
  return listPage(
    "/entities",
    m,
    "entities",
    ["Entity", "Join keys", "Type", "Description", "Tags"],
    (e) => [
      link(pagePaths.entity(e.name), e.name),
      e.joinKeys.join(", "),
      e.valueType,
      e.description,
      tagChips(e.tags),
    ],
    noneRegistered("entities"),
  );
}

export function entityPage(m: EntityModel): Html {
  return html`${facts([
    ["Join keys", m.joinKeys.join(", ")],
    ["Value type", m.valueType],
    ["Description", m.description],
    ["Owner", m.owner],
    ["Tags", tagChips(m.tags, "/entities")],
    ["Created", time(m.created)],
    ["Updated", time(m.updated)],
  ])}${section("Feature views", "entity-views", names(m.featureViews, pagePaths.featureView))}`;
}

export function viewListPage(m: ListModel<ViewSummary>): Html {
  return listPage(
    "/views",
    m,
    "feature views",
    ["Feature view", "Entities", "Features", "TTL", "Online", "Source", "Owner", "Tags"],
    (v) => [
      link(pagePaths.featureView(v.name), v.name),
      names(v.entities, pagePaths.entity),
      v.features,
      v.ttlSeconds === 0 ? "unbounded" : duration(v.ttlSeconds),
      v.online ? "yes" : "no",
      v.source,
      v.owner,
      tagChips(v.tags),
    ],
    noneRegistered("feature views"),
  );
}

function timelineChart(m: ViewModel): Html {
  if (m.intervals.length === 0) {
    return emptyState(
      "Never materialized into this online store",
      m.otherOnlineStores.length > 0
        ? html`Its values are in other online stores: ${m.otherOnlineStores.map((s) => html`<code>${s}</code> `)}`
        : "No interval has been recorded for this view.",
      html`<code>fstore materialize-incremental now</code> (or the schedule) records one.`,
    );
  }
  const rows = m.intervals.map((i, n) => ({
    label: `#${n + 1}`,
    start: Date.parse(i.start),
    end: Date.parse(i.end),
  }));
  return chart(
    "intervals",
    "timeline",
    `Materialized intervals of ${m.name}: ${m.intervals.length}, from ${m.intervals[0]?.start} to ${m.intervals[m.intervals.length - 1]?.end}`,
    { rows },
    table(
      ["#", "Start", "End", "Recorded"],
      m.intervals.map((i, n) => [n + 1, time(i.start), time(i.end), time(i.recorded)]),
    ),
  );
}

export function viewPage(m: ViewModel, extras: { versions: Html; runs?: Html }): Html {
  const s = m.sourceDetail;
  return html`${facts([
    ["Description", m.description],
    ["Owner", m.owner],
    ["Tags", tagChips(m.tags, "/views")],
    ["Entities", names(m.entities, pagePaths.entity)],
    ["TTL", m.ttlSeconds === 0 ? "unbounded (0)" : duration(m.ttlSeconds)],
    ["Online", m.online ? "yes" : "no (offline only)"],
    ["Created", time(m.created)],
    ["Updated", time(m.updated)],
    [
      "Used by",
      html`services: ${names(m.usedBy.featureServices, pagePaths.featureService)}; on-demand views: ${names(
        m.usedBy.onDemandFeatureViews,
        pagePaths.onDemandFeatureView,
      )}`,
    ],
  ])}
${section(
  "Schema",
  "schema",
  table(
    ["Column", "Kind", "Type", "Description", "Tags"],
    [
      ...m.entityColumns.map((f) => [f.name, "join key", f.type, f.description, tagChips(f.tags)]),
      ...m.schema.map((f) => [
        link(pagePaths.feature(m.name, f.name), f.name),
        "feature",
        f.type,
        f.description,
        tagChips(f.tags),
      ]),
    ],
  ),
)}
${section(
  "Source",
  "source",
  facts([
    ["Name", s.name],
    [
      "Kind",
      s.kind === "push"
        ? html`push source (batch source <code>${s.batchSource}</code>)`
        : s.kind === "stream"
          ? html`stream source (raw events kept in batch source <code>${s.batchSource}</code>)`
          : "file",
    ],
    ...(s.stream
      ? ([
          [
            "Stream",
            html`${s.stream.kind === "redis" ? "Redis Streams" : "NATS JetStream"} <code>${s.stream.stream}</code>${
              s.stream.subject ? html`, subject <code>${s.stream.subject}</code>` : ""
            } on <code>${s.stream.connection || "the online store's Redis"}</code>, consumer group <code>${s.stream.group}</code>`,
          ],
        ] as [string, Html][])
      : []),
    ["Path", html`<code>${s.path}</code>`],
    ["Timestamp field", s.timestampField],
    ["Created timestamp column", s.createdTimestampColumn],
    [
      "Field mapping",
      Object.keys(s.fieldMapping).length === 0
        ? null
        : Object.entries(s.fieldMapping)
            .map(([a, b]) => `${a} → ${b}`)
            .join(", "),
    ],
  ]),
)}
${section(
  "Freshness",
  "view-freshness",
  facts([
    ["State", freshnessBadge(m.freshness, m.online)],
    ["Materialized up to", time(m.freshness.lastMaterializedEnd)],
    ["Age", duration(m.freshness.ageSeconds)],
    ["Next due run", time(m.freshness.nextDue)],
  ]),
)}
${m.stream ? aggregationsSection(m.stream) : ""}
${section("Materialization intervals", "intervals", timelineChart(m))}
${section(
  extras.runs ? "Last runs" : "Last run",
  "runs",
  extras.runs ??
    (m.lastRun
      ? table(
          ["Outcome", "Started", "Finished", "Rows read", "Entities written", "Scheduled", "Error"],
          [
            [
              runCell(m.lastRun),
              time(m.lastRun.start),
              time(m.lastRun.end),
              formatNumber(m.lastRun.rowsRead),
              formatNumber(m.lastRun.entitiesWritten),
              m.lastRun.scheduled ? "yes" : "no",
              m.lastRun.error,
            ],
          ],
        )
      : emptyState(
          "No run yet",
          "No materialization run has been recorded for this view in this online store.",
        )),
)}
${section("Versions", "versions", extras.versions)}`;
}

function aggregationsSection(stream: NonNullable<ViewModel["stream"]>): Html {
  return section(
    "Aggregations",
    "aggregations",
    html`${table(
      ["Feature", "Function", "Column", "Window", "Slide (tile)"],
      stream.aggregations.map((a) => [
        a.name,
        a.function,
        a.column,
        duration(a.windowSeconds),
        duration(a.slideSeconds),
      ]),
    )}<p class="muted">The value at time t aggregates the entity's events with event time in (floor(t, slide) − window, t]; events older than the entity's newest minus ${duration(
      stream.allowedLatenessSeconds,
    )} are late (kept offline, not applied online).</p>`,
  );
}

export function streamViewListPage(m: ListModel<ViewSummary>): Html {
  return listPage(
    "/stream-views",
    m,
    "stream views",
    ["Stream view", "Entities", "Aggregates", "Source", "Owner", "Tags"],
    (v) => [
      link(pagePaths.streamFeatureView(v.name), v.name),
      names(v.entities, pagePaths.entity),
      v.features,
      v.source,
      v.owner,
      tagChips(v.tags),
    ],
    emptyState(
      "No stream feature views",
      "None is registered, or you may not see any (DESCRIBE permission).",
      "A StreamFeatureView aggregates a StreamSource's events over windows (count, sum, mean, min, max, last).",
    ),
  );
}

export function onDemandListPage(m: ListModel<OnDemandSummary>): Html {
  return listPage(
    "/on-demand-views",
    m,
    "on-demand views",
    ["On-demand view", "Inputs", "Features", "Owner", "Tags"],
    (v) => [
      link(pagePaths.onDemandFeatureView(v.name), v.name),
      names(v.sources, pagePaths.featureView),
      v.features,
      v.owner,
      tagChips(v.tags),
    ],
    noneRegistered("on-demand views"),
  );
}

export function onDemandPage(m: OnDemandModel, extras: { versions: Html }): Html {
  return html`${facts([
    ["Description", m.description],
    ["Owner", m.owner],
    ["Tags", tagChips(m.tags, "/on-demand-views")],
    ["Created", time(m.created)],
    ["Updated", time(m.updated)],
    ["Used by", names(m.usedBy.featureServices, pagePaths.featureService)],
  ])}
${section(
  "Inputs",
  "inputs",
  table(
    ["Feature view", "Features"],
    [
      ...m.inputs.map((i) => [
        link(pagePaths.featureView(i.featureView), i.featureView),
        i.features.join(", "),
      ]),
      ...(m.requestSchema.length > 0
        ? [["request data", m.requestSchema.map((f) => `${f.name} (${f.type})`).join(", ")]]
        : []),
    ],
  ),
)}
${section(
  "Schema",
  "schema",
  table(
    ["Feature", "Type", "Description"],
    m.schema.map((f) => [f.name, f.type, f.description]),
  ),
)}
${section("Transformation", "udf", html`<pre class="code"><code>${m.udfSource}</code></pre>`)}
${section("Versions", "versions", extras.versions)}`;
}

export function serviceListPage(m: ListModel<ServiceSummary>): Html {
  return listPage(
    "/services",
    m,
    "feature services",
    ["Feature service", "Views", "Features", "Owner", "Tags"],
    (s) => [
      link(pagePaths.featureService(s.name), s.name),
      s.views.join(", "),
      s.features,
      s.owner,
      tagChips(s.tags),
    ],
    noneRegistered("feature services"),
  );
}

export function servicePage(
  m: ServiceModel,
  monitoring: ServiceMonitoringModel,
  visible: (kind: "feature_view" | "on_demand_feature_view", name: string) => boolean,
  extras: { versions: Html; datasets: Html },
): Html {
  const viewLink = (p: ServiceModel["projections"][number]) =>
    !visible(p.kind, p.featureView)
      ? html`${p.featureView}`
      : p.kind === "feature_view"
        ? link(pagePaths.featureView(p.featureView), p.featureView)
        : link(pagePaths.onDemandFeatureView(p.featureView), p.featureView);
  const featureLinks = (p: ServiceModel["projections"][number]) =>
    p.kind === "feature_view" && visible(p.kind, p.featureView)
      ? html`${p.features.map((f, i) => html`${i > 0 ? ", " : ""}${link(pagePaths.feature(p.featureView, f), f)}`)}`
      : p.features.join(", ");
  const b = monitoring.baseline;
  return html`${facts([
    ["Description", m.description],
    ["Owner", m.owner],
    ["Tags", tagChips(m.tags, "/services")],
    ["Created", time(m.created)],
    ["Updated", time(m.updated)],
  ])}
${section(
  "Features",
  "features",
  table(
    ["View", "Kind", "Features"],
    m.projections.map((p) => [
      viewLink(p),
      p.kind === "feature_view" ? "feature view" : "on-demand view",
      featureLinks(p),
    ]),
  ),
)}
${section(
  "Baseline and drift",
  "drift",
  html`${
    b
      ? facts([
          ["Baseline", html`profile ${b.ref.id} of ${b.ref.source.kind} <code>${b.ref.source.name}</code>`],
          ["Saved", time(b.saved)],
          [
            "Thresholds (warn / alert)",
            `PSI ${b.thresholds.psi.warn} / ${b.thresholds.psi.alert}, KS ${b.thresholds.ks.warn} / ${b.thresholds.ks.alert}, JS ${b.thresholds.js.warn} / ${b.thresholds.js.alert}, coverage change ${b.thresholds.coverage.warn} / ${b.thresholds.coverage.alert}`,
          ],
        ])
      : ""
  }${monitoring.monitoringNote ? emptyState("Nothing to compare yet", monitoring.monitoringNote) : ""}${
    monitoring.latest && monitoring.latestProfile
      ? html`<p>Latest profile ${monitoring.latestProfile.id} (${monitoring.latestProfile.source.kind}, window ending ${time(
          monitoring.latestProfile.window?.end ?? null,
        )}): ${verdictBadge(monitoring.latest.verdict)}</p>${driftTable(monitoring.latest, (name) => {
          const [view, feature] = name.split(":");
          return view && feature && visible("feature_view", view)
            ? pagePaths.feature(view, feature)
            : undefined;
        })}${
          monitoring.hiddenFeatures > 0
            ? html`<p>${monitoring.hiddenFeatures} more feature${monitoring.hiddenFeatures === 1 ? "" : "s"} of views you may not read (READ_OFFLINE) ${monitoring.hiddenFeatures === 1 ? "is" : "are"} not shown.</p>`
            : ""
        }`
      : ""
  }`,
)}
${section("Versions", "versions", extras.versions)}
${section("Training sets", "datasets", extras.datasets)}`;
}

export function verdictBadge(v: "ok" | "warn" | "alert"): Html {
  return badge(v === "ok" ? "OK" : v.toUpperCase(), v);
}

const KIND_LABELS: Record<SearchHit["kind"], string> = {
  entity: "entity",
  feature_view: "feature view",
  stream_feature_view: "stream view",
  on_demand_feature_view: "on-demand view",
  feature_service: "feature service",
  feature: "feature",
};

export function searchPage(query: string, hits: SearchHit[]): Html {
  return html`<form class="filter" role="search" action="/search" method="get">
<label for="search-q">Search</label>
<input id="search-q" name="q" type="search" value="${query}">
<button type="submit">Search</button>
</form>
<p class="count" role="status">${hits.length} result${hits.length === 1 ? "" : "s"}${query ? html` for “${query}”` : ""}</p>
${
  hits.length === 0
    ? emptyState(
        "Nothing found",
        query === ""
          ? "Type a name, a feature, an owner or a tag."
          : "No object you may see matches every word.",
      )
    : html`<ul class="hits">${hits.map(
        (h) =>
          html`<li><span class="kind">${KIND_LABELS[h.kind]}</span> ${link(h.path, h.name)}${h.description ? html` <span class="muted">${h.description}</span>` : ""}</li>`,
      )}</ul>`
}`;
}

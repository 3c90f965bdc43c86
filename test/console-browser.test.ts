/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web console in a real browser (Debian's chromium through
 * playwright-core) against a real server on loopback (`uiPort`), over a
 * repository with data: two materialized windows, a baseline and two drift
 * profiles (one unchanged day, one with a planted shift), permissions with a
 * PII view, and tokens for three roles. Every page must load without console
 * errors; navigation and search work; the numbers shown are the registry's and
 * the monitoring run's own; a reader without DESCRIBE on the PII view never
 * sees it. Screenshots of the main pages go to test-artifacts/console/.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runMonitorBaseline, runMonitorDrift } from "../src/cli/commands/monitor.js";
import { fingerprintFile } from "../src/lineage/index.js";
import { materialize, materializeContextOf } from "../src/materialize/index.js";
import type { DriftReport } from "../src/monitoring/index.js";
import { applyRepo } from "../src/registry/index.js";
import { launchBrowser, type Tab, type TestBrowser } from "./support/browser.js";
import { startTestServer, type TestServer } from "./support/server.js";
import { BASIC_CONFIG, createTempRepo, PROJECT_ROOT, type TempRepo } from "./support/temp-repo.js";

const ROWS = 2000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

const DEFS = `import { Aggregation, Bool, Entity, FeatureService, FeatureView, Field, FileSource, Float64, Int64, Permission,
  RoleBasedPolicy, StreamFeatureView, StreamSource, String as Str, UnixTimestamp } from "fstore";
export const user = new Entity({ name: "user", joinKeys: ["user_id"], valueType: Int64, tags: { pii: "false" } });
const activitySrc = new FileSource({ name: "activity_src", path: "data/activity", timestampField: "ts" });
export const activity = new FeatureView({ name: "activity", entities: [user], ttl: "0s", source: activitySrc,
  owner: "growth@example.com", description: "What users do", tags: { pii: "false", team: "growth" },
  schema: [new Field({ name: "x", dtype: Float64 }), new Field({ name: "y", dtype: Float64 }),
           new Field({ name: "color", dtype: Str }), new Field({ name: "flag", dtype: Bool })] });
const profileSrc = new FileSource({ name: "profile_src", path: "data/profile.parquet", timestampField: "ts" });
export const profile = new FeatureView({ name: "profile", entities: [user], ttl: "0s", source: profileSrc,
  description: "Personal data", tags: { pii: "true", team: "risk" },
  schema: [new Field({ name: "birth_year", dtype: Int64 })] });
const txRaw = new FileSource({ name: "tx_raw", path: "data/tx_raw", timestampField: "ts" });
export const tx = new StreamSource({ name: "tx", timestampField: "ts", batchSource: txRaw,
  stream: { kind: "nats", connection: "nats://console:s3cret@127.0.0.1:4222", stream: "TX", subject: "tx.events", group: "g1" },
  schema: [new Field({ name: "user_id", dtype: Int64 }), new Field({ name: "amount", dtype: Float64 }),
           new Field({ name: "ts", dtype: UnixTimestamp })] });
export const spend = new StreamFeatureView({ name: "spend", entities: [user], source: tx, tags: { pii: "false" },
  aggregations: [new Aggregation({ column: "amount", function: "sum", window: "1h" }),
                 new Aggregation({ column: "amount", function: "count", window: "24h", slide: "1h" })] });
export const model = new FeatureService({ name: "model", features: [activity], tags: { pii: "false" } });
export const riskModel = new FeatureService({ name: "risk_model", features: [profile, activity], tags: { pii: "true" } });

const views = [FeatureView, FeatureService];
export const publicRead = new Permission({ name: "public_read", types: views, requiredTags: { pii: "false" },
  actions: ["READ_ONLINE", "READ_OFFLINE", "DESCRIBE"], policy: new RoleBasedPolicy({ roles: ["reader", "pii-reader"] }) });
export const piiRead = new Permission({ name: "pii_read", types: views, requiredTags: { pii: "true" },
  actions: ["READ_ONLINE", "READ_OFFLINE", "DESCRIBE"], policy: new RoleBasedPolicy({ roles: ["pii-reader"] }) });
export const admin = new Permission({ name: "admin", policy: new RoleBasedPolicy({ roles: ["admin"] }) });
`;

const TOKENS = { admin: "tok-admin", fraud: "tok-pii", analytics: "tok-reader" };
const CONFIG = `${BASIC_CONFIG}server:
  audit_log: data/audit.log
  auth:
    tokens:
      - { token: ${TOKENS.admin}, name: ops, roles: [admin] }
      - { token: ${TOKENS.fraud}, name: fraud-team, roles: [pii-reader] }
      - { token: ${TOKENS.analytics}, name: analytics, roles: [reader] }
`;

const u = (salt: number) => `((hash(i, ${salt}) % 1000000)::DOUBLE + 0.5) / 1000000`;

/** One day of rows: x ~ N(mean, 1), y present with probability `coverage`, a colour, a flag. */
function daySql(day: number, seed: number, o: { mean: number; coverage: number; last: string }): string {
  const gauss = `sqrt(-2 * ln(${u(seed + 1)})) * cos(2 * pi() * ${u(seed + 2)})`;
  return `SELECT i AS user_id, make_timestamp(${(T0 + day * DAY) * 1000} + (i * 17 % 86400) * 1000000) AS ts,
    ${o.mean} + ${gauss} AS x,
    CASE WHEN ${u(seed + 3)} < ${o.coverage} THEN 100 + 10 * ${u(seed + 4)} END AS y,
    CASE WHEN ${u(seed + 5)} < 0.4 THEN 'red' WHEN ${u(seed + 5)} < 0.7 THEN 'green'
         WHEN ${u(seed + 5)} < 0.9 THEN 'blue' ELSE '${o.last}' END AS color,
    ${u(seed + 6)} < 0.3 AS flag
    FROM range(${ROWS}) t(i)`;
}

const dayWindow = (day: number) => ({
  start: new Date(T0 + day * DAY),
  end: new Date(T0 + (day + 1) * DAY - 1),
});

/** The two windows materialized, as the registry must record them. */
const WINDOWS = [
  { start: new Date(T0), end: new Date(T0 + DAY) },
  { start: new Date(T0 + DAY), end: new Date(T0 + 3 * DAY) },
];

let repo: TempRepo;
let server: TestServer;
let consoleUrl: string;
let browser: TestBrowser;
let unchanged: DriftReport;
let shifted: DriftReport;
/** Training sets built through the server: one from the public service, one from the PII one. */
let publicDataset: string;
let piiDataset: string;

beforeAll(async () => {
  repo = createTempRepo({ config: CONFIG, files: { "defs.ts": DEFS } });
  await repo.writeParquet(
    "data/activity/day0.parquet",
    daySql(0, 100, { mean: 0, coverage: 0.99, last: "amber" }),
  );
  await repo.writeParquet(
    "data/activity/day1.parquet",
    daySql(1, 200, { mean: 0, coverage: 0.99, last: "amber" }),
  );
  await repo.writeParquet(
    "data/activity/day2.parquet",
    daySql(2, 300, { mean: 1, coverage: 0.6, last: "violet" }),
  );
  await repo.writeParquet(
    "data/profile.parquet",
    `SELECT i AS user_id, TIMESTAMP '2026-01-01 00:00:00' AS ts, 1950 + i % 50 AS birth_year FROM range(100) t(i)`,
  );
  await repo.writeParquet(
    "data/tx_raw/part-0.parquet",
    `SELECT i % 10 AS user_id, i * 1.5 AS amount, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (i) MINUTE AS ts,
       TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (i) MINUTE AS created FROM range(100) t(i)`,
  );
  await applyRepo(repo.path, {});
  await runMonitorBaseline({ repo: repo.path, featureService: "model", ...dayWindow(0) });
  unchanged = await runMonitorDrift({ repo: repo.path, featureService: "model", ...dayWindow(1) });
  shifted = await runMonitorDrift({ repo: repo.path, featureService: "model", ...dayWindow(2) });

  server = await startTestServer({
    repoPath: repo.path,
    token: TOKENS.admin,
    start: { uiPort: 0, uiSampleSeconds: 1 },
  });
  consoleUrl = server.server.consoleUrl as string;
  for (const w of WINDOWS) {
    for await (const _ of materialize(materializeContextOf(server.server.deps), {
      ...w,
      incremental: false,
      views: ["activity"],
    }));
  }
  const at = new Date(T0 + 2 * DAY);
  const entityRows = { columns: { user_id: [1n, 2n, 3n] }, eventTimestamps: [at, at, at] };
  publicDataset = (await server.client.getHistoricalFeatures({ featureServices: ["model"], entityRows }))
    .summary.datasetId;
  piiDataset = (await server.client.getHistoricalFeatures({ featureServices: ["risk_model"], entityRows }))
    .summary.datasetId;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
  repo?.cleanup();
});

/** Tabs opened by the current test, closed after it (a live page keeps polling otherwise). */
const openTabs: Tab[] = [];
afterEach(async () => {
  for (const tab of openTabs.splice(0)) await tab.page.close();
});

/** A new visitor signed in with `token` through the sign-in form. */
async function signIn(token: string, next = "/"): Promise<Tab> {
  const tab = await browser.newTab();
  openTabs.push(tab);
  await tab.page.goto(`${consoleUrl}${next}`);
  expect(new URL(tab.page.url()).pathname).toBe("/login");
  await tab.page.fill("#token", token);
  await Promise.all([
    tab.page.waitForURL((url) => url.pathname !== "/login"),
    tab.page.click("button[type=submit]"),
  ]);
  return tab;
}

/** Opens `path` and waits for console.js to have drawn the page. */
async function open(tab: Tab, path: string): Promise<number> {
  const response = await tab.page.goto(`${consoleUrl}${path}`);
  await tab.page.waitForSelector("body[data-ready=true]");
  return response?.status() ?? 0;
}

const PAGES: [string, string][] = [
  ["/", "overview"],
  ["/entities", "entities"],
  ["/entities/user", "entity"],
  ["/views", "views"],
  ["/views/activity", "view"],
  ["/views/activity/features/x", "feature-numeric"],
  ["/views/activity/features/color", "feature-categorical"],
  ["/views/profile", "view-pii"],
  ["/on-demand-views", "on-demand-views"],
  ["/stream-views", "stream-views"],
  ["/stream-views/spend", "stream-view"],
  ["/services", "services"],
  ["/services/model", "service"],
  ["/datasets", "datasets"],
  ["/serving", "serving"],
  ["/search?q=color", "search"],
];

describe("web console in a browser", () => {
  it("loads every page without console errors (screenshots in test-artifacts/console)", async () => {
    const tab = await signIn(TOKENS.admin);
    for (const [path, name] of PAGES) {
      expect(await open(tab, path), path).toBe(200);
      await browser.screenshot(tab, name);
    }
    expect(tab.problems).toEqual([]);
  });

  it("navigates by the section links and object links, and searches", async () => {
    const tab = await signIn(TOKENS.admin);
    await open(tab, "/");
    await Promise.all([
      tab.page.waitForURL(/\/views$/),
      tab.page.click("nav.sections >> text=Feature views"),
    ]);
    await Promise.all([
      tab.page.waitForURL(/\/views\/activity$/),
      tab.page.click('main table a[href="/views/activity"]'),
    ]);
    expect(await tab.page.textContent("h1")).toBe("Feature view activity");
    // A feature link from the schema, then back to its service.
    await Promise.all([
      tab.page.waitForURL(/\/features\/x$/),
      tab.page.click('#schema ~ table a[href="/views/activity/features/x"]'),
    ]);
    await Promise.all([
      tab.page.waitForURL(/\/services\/model$/),
      tab.page.click('main dl a[href="/services/model"]'),
    ]);

    // The header's search finds features by name and lists their pages.
    await tab.page.fill("#global-search", "color");
    await Promise.all([tab.page.waitForURL(/\/search\?q=color/), tab.page.press("#global-search", "Enter")]);
    const hits = await tab.page.$$eval(".hits a", (as) => as.map((a) => a.getAttribute("href")));
    expect(hits).toContain("/views/activity/features/color");

    // List search and tag filters.
    await open(tab, "/views?q=personal");
    expect(
      await tab.page.$$eval("main table tbody tr td:first-child", (tds) => tds.map((t) => t.textContent)),
    ).toEqual(["profile"]);
    await open(tab, "/views");
    await Promise.all([
      tab.page.waitForURL(/tag=team%3Dgrowth/),
      tab.page.click(".tag-filter >> text=team=growth"),
    ]);
    expect(
      await tab.page.$$eval("main table tbody tr td:first-child", (tds) => tds.map((t) => t.textContent)),
    ).toEqual(["activity"]);
    expect(tab.problems).toEqual([]);
  });

  it("shows a view's real materialized intervals on its timeline and in its table", async () => {
    const tab = await signIn(TOKENS.admin);
    await open(tab, "/views/activity");
    const recorded = await server.server.deps.registry.materializationIntervals("activity");
    expect(recorded.map((i) => [i.start.getTime(), i.end.getTime()])).toEqual(
      WINDOWS.map((w) => [w.start.getTime(), w.end.getTime()]),
    );
    const bars = await tab.page.evaluate(() => {
      const canvas = document.getElementById("chart-intervals") as HTMLCanvasElement;
      // biome-ignore lint/suspicious/noExplicitAny: Chart.js is a global of the page
      return (window as any).Chart.getChart(canvas).data.datasets[0].data;
    });
    expect(bars).toEqual(WINDOWS.map((w) => [w.start.getTime(), w.end.getTime()]));
    await tab.page.click("[data-numbers-for=chart-intervals] summary");
    const rows = await tab.page.$$eval("[data-numbers-for=chart-intervals] tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("time")].slice(0, 2).map((t) => t.getAttribute("datetime"))),
    );
    expect(rows).toEqual(WINDOWS.map((w) => [w.start.toISOString(), w.end.toISOString()]));
    expect(await tab.page.isVisible("[data-numbers-for=chart-intervals] table")).toBe(true);
    // The last runs (the lineage store keeps every one): both windows, newest first, each succeeded.
    const runs = await tab.page.$$eval("section[aria-labelledby=runs] tbody tr", (trs) =>
      trs.map((tr) => [
        tr.querySelector("td:nth-child(2)")?.textContent,
        ...[...tr.querySelectorAll("time")].slice(0, 2).map((t) => t.getAttribute("datetime")),
      ]),
    );
    expect(runs).toEqual(
      [...WINDOWS].reverse().map((w) => ["succeeded", w.start.toISOString(), w.end.toISOString()]),
    );
    expect(tab.problems).toEqual([]);
  });

  it("charts a feature's drift over time: the planted shift stands out", async () => {
    const tab = await signIn(TOKENS.admin);
    await open(tab, "/views/activity/features/x");
    const chart = await tab.page.evaluate(() => {
      const canvas = document.getElementById("chart-drift-0") as HTMLCanvasElement;
      // biome-ignore lint/suspicious/noExplicitAny: Chart.js is a global of the page
      const c = (window as any).Chart.getChart(canvas);
      return {
        labels: c.data.labels as string[],
        sets: c.data.datasets.map((d: { label: string; data: (number | null)[] }) => [d.label, d.data]),
      };
    });
    const psi = new Map(chart.sets).get("PSI") as number[];
    const ks = new Map(chart.sets).get("KS") as number[];
    const expected = (r: DriftReport) => r.features.find((f) => f.feature === "activity:x");
    // Oldest first: the unchanged day, then the shifted one; the same numbers the CLI's drift run computed.
    expect(chart.labels).toEqual([
      expect.stringContaining(`#${unchanged.currentProfileId} `),
      expect.stringContaining(`#${shifted.currentProfileId} `),
    ]);
    expect(psi[0]).toBeCloseTo(expected(unchanged)?.psi as number, 9);
    expect(psi[1]).toBeCloseTo(expected(shifted)?.psi as number, 9);
    expect(ks[1]).toBeCloseTo(expected(shifted)?.ks as number, 9);
    expect(psi[0]).toBeLessThan(0.1);
    expect(psi[1]).toBeGreaterThan(0.25);
    const verdicts = await tab.page.$$eval("[data-numbers-for=chart-drift-0] tbody tr .badge", (bs) =>
      bs.map((b) => b.textContent),
    );
    expect(verdicts).toEqual(["OK", "ALERT"]);

    // The categorical feature charts JS instead of KS; the replaced category alerts.
    await open(tab, "/views/activity/features/color");
    const js = await tab.page.evaluate(() => {
      const canvas = document.getElementById("chart-drift-0") as HTMLCanvasElement;
      // biome-ignore lint/suspicious/noExplicitAny: Chart.js is a global of the page
      const c = (window as any).Chart.getChart(canvas);
      return c.data.datasets.find((d: { label: string }) => d.label === "JS").data as number[];
    });
    expect(js[1]).toBeGreaterThan(0.2);
    expect(tab.problems).toEqual([]);
  });

  it("lists stream views apart, with their aggregations and their stream (no credentials)", async () => {
    const tab = await signIn(TOKENS.analytics);
    await open(tab, "/views");
    expect(
      await tab.page.$$eval("main table tbody tr td:first-child", (tds) => tds.map((t) => t.textContent)),
    ).toEqual(["activity"]);
    await open(tab, "/stream-views");
    await Promise.all([
      tab.page.waitForURL(/\/stream-views\/spend$/),
      tab.page.click('main table a[href="/stream-views/spend"]'),
    ]);
    const aggregates = await tab.page.$$eval("#aggregations ~ table tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
    );
    expect(aggregates).toEqual([
      ["amount_sum_1h", "sum", "amount", "1 h", "1 min"],
      ["amount_count_24h", "count", "amount", "1 d", "1 h"],
    ]);
    const page = await tab.page.content();
    expect(page).toContain("nats://127.0.0.1:4222");
    expect(page).not.toContain("s3cret");
    expect(await open(tab, "/stream-views/activity")).toBe(404);
    expect(tab.problems.filter((p) => !p.includes("404"))).toEqual([]);
  });

  it("hides a PII view from a caller without DESCRIBE on it, everywhere", async () => {
    const tab = await signIn(TOKENS.analytics);
    await open(tab, "/views");
    const listed = await tab.page.$$eval("main table tbody tr td:first-child", (tds) =>
      tds.map((t) => t.textContent),
    );
    expect(listed).toEqual(["activity"]);
    expect(await tab.page.content()).not.toContain("profile");
    expect(await open(tab, "/views/profile")).toBe(404);
    expect(await open(tab, "/views/profile/features/birth_year")).toBe(404);
    expect(await open(tab, "/services/risk_model")).toBe(404);
    await open(tab, "/search?q=birth");
    expect(await tab.page.$$(".hits li")).toHaveLength(0);
    await open(tab, "/");
    expect(await tab.page.content()).not.toContain("profile");
    expect(await tab.page.textContent(".who")).toContain("analytics");

    // The API answers the same, with the token in the header.
    const api = (path: string, token?: string) =>
      fetch(`${consoleUrl}/api${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await api("/views/profile", TOKENS.analytics)).status).toBe(404);
    expect((await (await api("/", TOKENS.analytics)).json()).counts.featureViews).toBe(1);
    expect((await (await api("/", TOKENS.fraud)).json()).counts.featureViews).toBe(2);
    expect((await api("/views/profile", TOKENS.fraud)).status).toBe(200);
    // No credentials: the API says so, a page asks to sign in.
    const anonymous = await api("/views");
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).code).toBe("UNAUTHENTICATED");
    expect((await api("/views", "wrong-token")).status).toBe(403);
    // Each request leaves an audit line naming who asked for what, and how it ended (written asynchronously).
    await vi.waitFor(() => {
      const lines = readFileSync(join(repo.path, "data/audit.log"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { identity: string; rpc: string; decision: string; code: string });
      expect(lines).toContainEqual(
        expect.objectContaining({
          identity: "analytics",
          rpc: "Console GET /views/profile",
          code: "NOT_FOUND",
        }),
      );
      expect(lines).toContainEqual(
        expect.objectContaining({
          identity: "anonymous",
          rpc: "Console GET /api/views",
          decision: "deny",
          code: "UNAUTHENTICATED",
        }),
      );
    });
    const redirect = await fetch(`${consoleUrl}/views/activity`, { redirect: "manual" });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get("location")).toBe("/login?next=%2Fviews%2Factivity");
    expect(tab.problems.filter((p) => !p.includes("404"))).toEqual([]);
  });

  it("shows live serving rates and statuses from the server's own counters", async () => {
    for (let i = 0; i < 5; i++) {
      await server.client.getOnlineFeatures({ features: ["activity:x"], entities: { user_id: [1n, 2n] } });
    }
    await expect(
      server.client.getOnlineFeatures({ features: ["activity:nope"], entities: { user_id: [1n] } }),
    ).rejects.toThrow();
    const tab = await signIn(TOKENS.admin, "/serving");
    await tab.page.waitForSelector("body[data-ready=true]");
    // The live tables are refreshed from /api/serving every 2 s; the counters are sampled every second.
    await tab.page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-live-table="statuses"] tbody tr')].map((tr) =>
        [...tr.querySelectorAll("td")].map((td) => td.textContent),
      );
      const has = (status: string, calls: string) =>
        rows.some((r) => r[0] === "GetOnlineFeatures" && r[1] === status && r[2] === calls);
      return has("OK", "5") && has("NOT_FOUND", "1");
    });
    const statuses = await tab.page.$$eval('[data-live-table="statuses"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
    );
    expect(statuses).toContainEqual(["GetOnlineFeatures", "OK", "5"]);
    expect(statuses).toContainEqual(["GetOnlineFeatures", "NOT_FOUND", "1"]);
    await browser.screenshot(tab, "serving-live");
    expect(tab.problems).toEqual([]);
  });
});

describe("versions and lineage", () => {
  it("draws a training set's lineage: its real source files → view → service → training set", async () => {
    const tab = await signIn(TOKENS.admin);
    await open(tab, "/datasets");
    await Promise.all([
      tab.page.waitForURL((url) => url.pathname === `/datasets/${publicDataset}`),
      tab.page.click(`main a[href="/datasets/${publicDataset}"]`),
    ]);
    await tab.page.waitForSelector("body[data-ready=true]");
    const nodes = await tab.page.$$eval(".lineage [data-node]", (ns) =>
      ns.map((n): [string, string] => [
        n.getAttribute("data-node") ?? "",
        n.getAttribute("data-feeds") ?? "",
      ]),
    );
    const onDisk = readdirSync(join(repo.path, "data/activity")).sort();
    expect(onDisk).toEqual(["day0.parquet", "day1.parquet", "day2.parquet"]);
    const files = nodes.filter(([id]) => id.startsWith("file:"));
    expect(files.map(([id]) => basename(id.slice("file:".length))).sort()).toEqual(onDisk);
    expect(files.every(([, feeds]) => feeds === "view:activity")).toBe(true);
    expect(nodes).toContainEqual(["view:activity", "service:model"]);
    expect(nodes).toContainEqual(["service:model", `dataset:${publicDataset}`]);
    // The fingerprints shown are those of the files on disk, computed again here.
    const shown = await tab.page.$$eval("#files ~ table tbody tr td:last-child", (tds) =>
      tds.map((t) => t.textContent),
    );
    for (const file of onDisk) {
      expect(shown).toContain((await fingerprintFile(join(repo.path, "data/activity", file))).fingerprint);
    }
    // console.js drew one edge per link: 3 files -> view, view -> service, service -> training set.
    expect(await tab.page.$$eval(".lineage-edges line", (ls) => ls.length)).toBe(5);
    await browser.screenshot(tab, "dataset");
    expect(tab.problems).toEqual([]);

    // A training set that read the PII view is hidden from a reader who may not describe it.
    const reader = await signIn(TOKENS.analytics);
    await open(reader, "/datasets");
    const listed = await reader.page.$$eval("main table tbody tr td:first-child", (tds) =>
      tds.map((t) => t.textContent),
    );
    expect(listed).toEqual([publicDataset]);
    expect(await open(reader, `/datasets/${piiDataset}`)).toBe(404);
  });

  it("lists an object's versions with what changed", async () => {
    repo.write(
      "defs.ts",
      DEFS.replace('description: "Personal data"', 'description: "Personal data of users"'),
    );
    await applyRepo(repo.path, {});
    const tab = await signIn(TOKENS.fraud);
    await open(tab, "/views/profile");
    const versions = await tab.page.$$eval("#versions ~ table tbody tr", (trs) =>
      trs.map((tr) => [tr.querySelector("td")?.textContent, tr.querySelector("td:last-child")?.textContent]),
    );
    expect(versions).toEqual([
      ["v2", "description"],
      ["v1", "first version"],
    ]);
    await tab.page.click("#versions ~ details summary");
    const change = await tab.page.$$eval("#versions ~ details tbody tr td", (tds) =>
      tds.map((t) => t.textContent),
    );
    expect(change).toEqual(["description", '"Personal data"', '"Personal data of users"']);
    await open(tab, "/services/model");
    const built = await tab.page.$$eval("#datasets ~ table tbody tr td:first-child", (tds) =>
      tds.map((t) => t.textContent),
    );
    expect(built).toEqual([publicDataset]);
    expect(tab.problems).toEqual([]);
  });
});

describe("fstore ui", () => {
  it("serves the console of a repository on its own, behind the same tokens", async () => {
    const child = spawn(process.execPath, ["bin/fstore.js", "ui", "--repo", repo.path, "--port", "0"], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /fstore console: (http:\/\/\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`fstore ui exited with ${code}: ${out}`)));
      });
      const overview = await fetch(`${url}/api/`, { headers: { authorization: `Bearer ${TOKENS.fraud}` } });
      expect(overview.status).toBe(200);
      const body = (await overview.json()) as { views: { name: string }[] };
      expect(body.views.map((v) => v.name)).toEqual(["activity", "profile", "spend"]);
      const serving = await (
        await fetch(`${url}/api/serving`, { headers: { authorization: `Bearer ${TOKENS.admin}` } })
      ).json();
      expect(serving).toEqual({ available: false });
      expect((await fetch(`${url}/api/`)).status).toBe(401);
    } finally {
      child.kill("SIGTERM");
    }
  });
});

/**
 * The web console's HTTP server: server-rendered pages with a deep link per
 * object (`/views/NAME`, `/services/NAME`, ...), the JSON they are built from
 * under `/api/` (same paths), and the static assets (the console's CSS and
 * script, and Chart.js from node_modules: no CDN, works offline). Read only:
 * GET and HEAD, plus the sign-in form's POST. With `server.auth` every
 * request is authenticated as on the gRPC port and shows only what the
 * caller may DESCRIBE; with `server.tls` it speaks HTTPS with the same
 * certificate (and asks for client certificates under mutual TLS).
 */
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Logger } from "pino";
import { onlineStoreIdentity } from "../config/online-store-identity.js";
import type { RepoConfig } from "../config/types.js";
import { Code, FstoreError, invalidArgument, unavailable } from "../errors/index.js";
import { type LineageStore, openLineageStore } from "../lineage/index.js";
import type { FstoreMetrics } from "../metrics/index.js";
import { openProfileStore, type ProfileStore } from "../monitoring/index.js";
import type { Identity } from "../permissions/index.js";
import { describeCheck } from "../server/access-control.js";
import type { AuditLog } from "../server/audit-log.js";
import { type ConsoleAsset, consoleAsset } from "./assets.js";
import { createConsoleAuth, TOKEN_COOKIE } from "./console-auth.js";
import type { ConsoleRegistry, ConsoleSources, MayDescribe } from "./console-sources.js";
import { type Html, html } from "./html.js";
import { datasetList, datasetModel, recentRunsModel, versionsModel } from "./lineage-data.js";
import { parseListFilter } from "./list-filter.js";
import { featureModel, serviceMonitoringModel } from "./monitoring-data.js";
import { page } from "./pages/layout.js";
import { datasetListPage, datasetPage, recentRunsSection, versionsSection } from "./pages/lineage-pages.js";
import { featurePage } from "./pages/monitoring-pages.js";
import { datasetsPending, noDatasets, versionsPending } from "./pages/pending-pages.js";
import {
  entityListPage,
  entityPage,
  onDemandListPage,
  onDemandPage,
  overviewPage,
  searchPage,
  serviceListPage,
  servicePage,
  streamViewListPage,
  viewListPage,
  viewPage,
} from "./pages/registry-pages.js";
import { servingPage } from "./pages/serving-page.js";
import { signInPage } from "./pages/sign-in-page.js";
import {
  entityList,
  entityModel,
  onDemandList,
  onDemandModel,
  overviewModel,
  searchModel,
  serviceList,
  serviceModel,
  viewList,
  viewModel,
} from "./registry-data.js";
import { type ServingSampler, startServingSampler } from "./serving-sampler.js";

export interface ConsoleOptions {
  config: RepoConfig;
  /** The registry to read; a function when the server may wrap it after the console starts. */
  registry: ConsoleRegistry | (() => ConsoleRegistry);
  /** The server's metrics (in process), for the serving page; absent outside a server. */
  metrics?: FstoreMetrics;
  logger: Logger;
  /** Defaults to `config.server.host`. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Seconds between samples of the serving counters (default 5). */
  servingIntervalSeconds?: number;
  /** Clock (tests pin it). */
  now?: () => Date;
  /** The server's audit log (server.audit_log): one line per page or API request, never values. */
  audit?: AuditLog;
}

export interface RunningConsole {
  /** "http://host:port" (https with server.tls). */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Request {
  path: string;
  params: URLSearchParams;
  may: MayDescribe;
}

/** A page (title and body) and the JSON it was built from; undefined when there is no such object. */
type Route = (
  req: Request,
  match: string[],
) => Promise<{ title: string; model: unknown; body: Html } | undefined>;

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalidArgument(`malformed path segment "${s.slice(0, 100)}"`);
  }
};

/** A safe place to return to after signing in: a path on this server. */
function localPath(next: string | null | undefined): string {
  return next?.startsWith("/") && !next.startsWith("//") && !next.includes("\\") ? next : "/";
}

function readBody(req: IncomingMessage, limit = 16_384): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > limit) {
        reject(invalidArgument("request body too large"));
        req.destroy();
      }
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

const HTTP_STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.NotFound]: 404,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.Unavailable]: 503,
  [Code.FailedPrecondition]: 409,
};

/** Starts the console; resolves once it listens. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { config, logger } = options;
  const registry =
    typeof options.registry === "function" ? options.registry : () => options.registry as ConsoleRegistry;
  const auth = createConsoleAuth(config.server.auth);
  const tls = config.server.tls;
  let profileStore: ProfileStore | undefined;
  let profileStoreFailed = false;
  let lineageStore: LineageStore | undefined;
  let lineageFailed = false;
  /** Versions and training sets (src/lineage), opened on first use; undefined when it cannot be opened. */
  const lineage = (): LineageStore | undefined => {
    if (!lineageStore && !lineageFailed) {
      try {
        lineageStore = openLineageStore(config);
      } catch (err) {
        lineageFailed = true;
        logger.warn({ error: (err as Error).message }, "console: cannot open the lineage store");
      }
    }
    return lineageStore;
  };
  const versionsOf = async (kind: string, name: string) => {
    const store = lineage();
    if (!store) return { model: null, body: versionsPending() };
    const model = await versionsModel(store, kind, name);
    return { model, body: versionsSection(model, kind.replaceAll("_", " "), name) };
  };
  /** The view's last runs from the lineage store (it keeps every run; the registry only the last). */
  const runsOf = async (view: string) => {
    const store = lineage();
    if (!store) return { model: null, body: undefined };
    const model = await recentRunsModel(store, onlineStoreIdentity(config.onlineStore), view);
    return { model, body: recentRunsSection(model) };
  };
  const serving: ServingSampler | undefined = options.metrics
    ? startServingSampler(options.metrics, { intervalSeconds: options.servingIntervalSeconds ?? 5 })
    : undefined;
  const sources: ConsoleSources = {
    config,
    get registry() {
      return registry();
    },
    profiles: () => {
      if (!profileStore && !profileStoreFailed) {
        try {
          profileStore = openProfileStore({ project: config.project, registry: config.registry });
        } catch (err) {
          profileStoreFailed = true;
          logger.warn({ error: (err as Error).message }, "console: cannot open the profile store");
        }
      }
      return profileStore;
    },
    serving,
    now: options.now ?? (() => new Date()),
  };

  const visibleView =
    (may: MayDescribe) => (kind: "feature_view" | "on_demand_feature_view", name: string) => {
      const snapshot = sources.registry.snapshot();
      if (kind === "feature_view") {
        const v = snapshot.featureViews.get(name);
        return v !== undefined && may("FeatureView", v);
      }
      const o = snapshot.onDemandFeatureViews.get(name);
      return o !== undefined && may("OnDemandFeatureView", o);
    };

  const routes: [RegExp, Route][] = [
    [
      /^\/$/,
      async ({ may }) => {
        const model = await overviewModel(sources, may);
        return { title: "Overview", model, body: overviewPage(model) };
      },
    ],
    [
      /^\/entities$/,
      async ({ may, params }) => {
        const model = entityList(sources, may, parseListFilter(params));
        return { title: "Entities", model, body: entityListPage(model) };
      },
    ],
    [
      /^\/entities\/([^/]+)$/,
      async ({ may }, [name]) => {
        const model = entityModel(sources, may, decode(name as string));
        return model && { title: `Entity ${model.name}`, model, body: entityPage(model) };
      },
    ],
    [
      /^\/views$/,
      async ({ may, params }) => {
        const model = viewList(sources, may, parseListFilter(params));
        return { title: "Feature views", model, body: viewListPage(model) };
      },
    ],
    [
      /^\/views\/([^/]+)$/,
      async ({ may }, [name]) => {
        const model = await viewModel(sources, may, decode(name as string));
        if (!model) return undefined;
        const versions = await versionsOf("feature_view", model.name);
        const runs = await runsOf(model.name);
        return {
          title: `Feature view ${model.name}`,
          model: { ...model, versions: versions.model, runs: runs.model },
          body: viewPage(model, { versions: versions.body, ...(runs.body ? { runs: runs.body } : {}) }),
        };
      },
    ],
    [
      /^\/views\/([^/]+)\/features\/([^/]+)$/,
      async ({ may }, [view, feature]) => {
        const model = await featureModel(sources, may, decode(view as string), decode(feature as string));
        return (
          model && { title: `Feature ${model.featureView}:${model.feature}`, model, body: featurePage(model) }
        );
      },
    ],
    [
      /^\/on-demand-views$/,
      async ({ may, params }) => {
        const model = onDemandList(sources, may, parseListFilter(params));
        return { title: "On-demand feature views", model, body: onDemandListPage(model) };
      },
    ],
    [
      /^\/on-demand-views\/([^/]+)$/,
      async ({ may }, [name]) => {
        const model = onDemandModel(sources, may, decode(name as string));
        if (!model) return undefined;
        const versions = await versionsOf("on_demand_feature_view", model.name);
        return {
          title: `On-demand view ${model.name}`,
          model: { ...model, versions: versions.model },
          body: onDemandPage(model, { versions: versions.body }),
        };
      },
    ],
    [
      /^\/stream-views$/,
      async ({ may, params }) => {
        const model = viewList(sources, may, parseListFilter(params), true);
        return { title: "Stream feature views", model, body: streamViewListPage(model) };
      },
    ],
    [
      /^\/stream-views\/([^/]+)$/,
      async ({ may }, [name]) => {
        const model = await viewModel(sources, may, decode(name as string));
        if (!model?.stream) return undefined;
        const versions = await versionsOf("feature_view", model.name);
        const runs = await runsOf(model.name);
        return {
          title: `Stream feature view ${model.name}`,
          model: { ...model, versions: versions.model, runs: runs.model },
          body: viewPage(model, { versions: versions.body, ...(runs.body ? { runs: runs.body } : {}) }),
        };
      },
    ],
    [
      /^\/services$/,
      async ({ may, params }) => {
        const model = serviceList(sources, may, parseListFilter(params));
        return { title: "Feature services", model, body: serviceListPage(model) };
      },
    ],
    [
      /^\/services\/([^/]+)$/,
      async ({ may }, [name]) => {
        const service = serviceModel(sources, may, decode(name as string));
        if (!service) return undefined;
        const monitoring = await serviceMonitoringModel(sources, may, service.name);
        const versions = await versionsOf("feature_service", service.name);
        const store = lineage();
        const datasets = store
          ? await datasetList(store, sources.registry.snapshot(), may, service.name)
          : null;
        return {
          title: `Feature service ${service.name}`,
          model: { ...service, monitoring, versions: versions.model, datasets },
          body: servicePage(service, monitoring, visibleView(may), {
            versions: versions.body,
            datasets: datasets
              ? datasetListPage(datasets, noDatasets(`built from ${service.name}`))
              : datasetsPending(),
          }),
        };
      },
    ],
    [
      /^\/datasets$/,
      async ({ may }) => {
        const store = lineage();
        if (!store)
          return { title: "Training sets", model: { available: false, items: [] }, body: datasetsPending() };
        const items = await datasetList(store, sources.registry.snapshot(), may);
        return {
          title: "Training sets",
          model: { available: true, items },
          body: datasetListPage(items, noDatasets("recorded")),
        };
      },
    ],
    [
      /^\/datasets\/([^/]+)$/,
      async ({ may }, [id]) => {
        const store = lineage();
        if (!store) return undefined;
        const model = await datasetModel(store, sources.registry.snapshot(), may, decode(id as string));
        return model && { title: `Training set ${model.manifest.id}`, model, body: datasetPage(model) };
      },
    ],
    [
      /^\/serving$/,
      async () => {
        const model = serving ? await serving.series() : undefined;
        return {
          title: "Serving",
          model: model ?? { available: false },
          body: servingPage(model, serving?.intervalSeconds ?? 0),
        };
      },
    ],
    [
      /^\/search$/,
      async ({ may, params }) => {
        const filter = parseListFilter(params);
        const model = searchModel(sources, may, filter);
        return {
          title: "Search",
          model: { query: filter.query, hits: model },
          body: searchPage(filter.query, model),
        };
      },
    ],
  ];

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}) => {
    res.writeHead(status, {
      "content-type": type,
      "cache-control": "no-store",
      ...SECURITY_HEADERS,
      ...extra,
    });
    res.end(res.req.method === "HEAD" ? undefined : body);
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
  const sendError = (
    res: ServerResponse,
    api: boolean,
    status: number,
    code: string,
    message: string,
    ctx?: { project: string; identity: Identity | undefined; path: string; cookie: boolean },
  ) => {
    if (api) return sendJson(res, status, { code, message });
    const body = html`<p class="error" role="alert">${message}</p><p><a href="/">Back to the overview</a></p>`;
    return send(
      res,
      status,
      "text/html; charset=utf-8",
      page(
        {
          project: config.project,
          identity: ctx?.identity,
          signedInWithCookie: ctx?.cookie ?? false,
          path: ctx?.path ?? "",
        },
        status === 404 ? "Not found" : "Error",
        body,
      ).text,
    );
  };

  const sendAsset = (res: ServerResponse, asset: ConsoleAsset) => {
    res.writeHead(200, {
      "content-type": asset.type,
      "cache-control": "public, max-age=300",
      ...SECURITY_HEADERS,
    });
    res.end(res.req.method === "HEAD" ? undefined : asset.body);
  };

  const cookieAttributes = `Path=/; HttpOnly; SameSite=Strict${tls ? "; Secure" : ""}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://console.invalid");
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const method = req.method ?? "GET";
    const api = path === "/api" || path.startsWith("/api/");

    if (path.startsWith("/assets/")) {
      const asset =
        method === "GET" || method === "HEAD" ? consoleAsset(path.slice("/assets/".length)) : undefined;
      if (!asset) return sendError(res, false, 404, "NOT_FOUND", `no asset ${path}`);
      return sendAsset(res, asset);
    }
    if (path === "/login") {
      if (config.server.auth === null) return void res.writeHead(303, { location: "/" }).end();
      if (method === "POST") {
        const form = new URLSearchParams(await readBody(req));
        const next = localPath(form.get("next"));
        try {
          await auth.checkToken(req, form.get("token") ?? "");
        } catch (err) {
          const e = FstoreError.from(err);
          return send(
            res,
            HTTP_STATUS[e.code] ?? 401,
            "text/html; charset=utf-8",
            signInPage(config.project, next, `Not signed in: ${e.message}`, tls?.clientCaPath != null).text,
          );
        }
        const token = encodeURIComponent((form.get("token") ?? "").trim());
        res
          .writeHead(303, { location: next, "set-cookie": `${TOKEN_COOKIE}=${token}; ${cookieAttributes}` })
          .end();
        return;
      }
      return send(
        res,
        200,
        "text/html; charset=utf-8",
        signInPage(
          config.project,
          localPath(url.searchParams.get("next")),
          undefined,
          tls?.clientCaPath != null,
        ).text,
      );
    }
    if (path === "/logout") {
      res
        .writeHead(303, {
          location: "/login",
          "set-cookie": `${TOKEN_COOKIE}=; Max-Age=0; ${cookieAttributes}`,
        })
        .end();
      return;
    }
    if (method !== "GET" && method !== "HEAD") {
      return sendError(res, api, 405, "METHOD_NOT_ALLOWED", "the console is read only: GET and HEAD only");
    }

    // The audit line's "rpc": the request, JSON-escaped (auditLine writes it as it is).
    const rpc = `Console ${method} ${JSON.stringify(path).slice(1, -1).slice(0, 300)}`;
    const audit = (identity: Identity | undefined, decision: "allow" | "deny", code: string) =>
      options.audit?.write({ identity, rpc, checks: [], decision, code, rows: 0 });
    let identity: Identity | undefined;
    try {
      identity = await auth.identify(req);
    } catch (err) {
      const e = FstoreError.from(err);
      audit(undefined, "deny", e.code);
      const status = HTTP_STATUS[e.code] ?? 401;
      if (!api && (status === 401 || status === 403)) {
        res.writeHead(303, { location: `/login?next=${encodeURIComponent(path + url.search)}` }).end();
        return;
      }
      return sendError(res, api, status, e.code, e.message);
    }
    const cookie =
      req.headers.authorization === undefined && req.headers.cookie?.includes(`${TOKEN_COOKIE}=`) === true;
    const routePath = api ? path.slice("/api".length) || "/" : path;
    const ctx = { project: config.project, identity, path: routePath, cookie };
    const snapshot = sources.registry.snapshot();
    const may = describeCheck(config, snapshot, identity);
    for (const [pattern, route] of routes) {
      const match = pattern.exec(routePath);
      if (!match) continue;
      const result = await route({ path: routePath, params: url.searchParams, may }, match.slice(1));
      if (!result) {
        audit(identity, "allow", "NOT_FOUND");
        return sendError(res, api, 404, "NOT_FOUND", `nothing at ${routePath} that you may see`, ctx);
      }
      audit(identity, "allow", "OK");
      if (api) return sendJson(res, 200, result.model);
      return send(
        res,
        200,
        "text/html; charset=utf-8",
        page(
          { project: snapshot.project, identity, signedInWithCookie: cookie, path: routePath },
          result.title,
          result.body,
        ).text,
      );
    }
    return sendError(res, api, 404, "NOT_FOUND", `no page at ${routePath}`, ctx);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const e = FstoreError.from(err);
      if (e.code === Code.Internal)
        logger.error({ error: e.message, url: req.url }, "console request failed");
      if (!res.headersSent) {
        const api = (req.url ?? "").startsWith("/api/");
        sendError(res, api, HTTP_STATUS[e.code] ?? 500, e.code, e.message);
      } else res.destroy();
    });
  };

  let server: Server;
  if (tls) {
    const read = (file: string, key: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw invalidArgument(`server.tls.${key}: cannot read "${file}": ${(err as Error).message}`, err);
      }
    };
    const clientCa = tls.clientCaPath === null ? undefined : read(tls.clientCaPath, "client_ca_path");
    server = createHttpsServer(
      {
        cert: read(tls.certPath, "cert_path"),
        key: read(tls.keyPath, "key_path"),
        ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}),
      },
      listener,
    );
  } else {
    server = createHttpServer(listener);
  }
  const host = options.host ?? config.server.host;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(
        unavailable(`cannot serve the console on ${host}:${options.port}: ${(err as Error).message}`, err),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound ? bound.port : options.port;
  const url = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  logger.info({ url, auth: config.server.auth !== null }, "serving the web console");
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        serving?.stop();
        server.close(() => {
          void Promise.allSettled([profileStore?.close(), lineageStore?.close()]).finally(resolve);
        });
        server.closeAllConnections();
      }),
  };
}

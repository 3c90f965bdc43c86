/**
 * The Prometheus scrape endpoint: a tiny HTTP server answering `GET /metrics`
 * (anything else is 404), off by default, started when `metrics.enabled` is
 * set in feature_store.yaml or `fstore serve --metrics-port` is given. It
 * binds to loopback unless `metrics.host` says otherwise, and with
 * `metrics.token` a scrape must send `Authorization: Bearer <token>` (401
 * otherwise; Prometheus' `authorization` scrape setting sends it).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { unavailable } from "../errors/index.js";
import type { FstoreMetrics } from "./fstore-metrics.js";

export interface MetricsHttpServer {
  /** "host:port" actually bound. */
  address: string;
  port: number;
  close(): Promise<void>;
}

export interface MetricsHttpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Required bearer token; null serves anyone who can reach the port. */
  token: string | null;
}

/** Serves `metrics` on `host:port`; resolves once listening. */
export async function startMetricsHttp(
  metrics: FstoreMetrics,
  options: MetricsHttpOptions,
): Promise<MetricsHttpServer> {
  const { host, port, token } = options;
  const server: Server = createServer((req, res) => {
    if (token !== null && !hasToken(req, token)) {
      res
        .writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="fstore metrics"' })
        .end('unauthorized: send "Authorization: Bearer <metrics.token>"\n');
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || (path !== "/metrics" && path !== "/")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: scrape GET /metrics\n");
      return;
    }
    metrics.metrics().then(
      (text) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text);
      },
      (err: unknown) => {
        res
          .writeHead(500, { "content-type": "text/plain" })
          .end(`metrics collection failed: ${String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(unavailable(`cannot serve metrics on ${host}:${port}: ${(err as Error).message}`, err)),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound ? bound.port : port;
  const address = `${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  metrics.httpAddress = address;
  return {
    address,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Does the request carry `token` as a bearer token? Compared by digest, in constant time. */
function hasToken(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  if (!match?.[1]) return false;
  const digest = (t: string) => createHash("sha256").update(t, "utf8").digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

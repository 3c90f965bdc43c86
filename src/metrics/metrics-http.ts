/**
 * The Prometheus scrape endpoint: a tiny HTTP server answering `GET /metrics`
 * (anything else is 404), off by default, started when `metrics.enabled` is
 * set in feature_store.yaml or `fstore serve --metrics-port` is given.
 */
import { createServer, type Server } from "node:http";
import { unavailable } from "../errors/index.js";
import type { FstoreMetrics } from "./fstore-metrics.js";

export interface MetricsHttpServer {
  /** "host:port" actually bound. */
  address: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `metrics` on `host:port` (0 picks a free port); resolves once listening. */
export async function startMetricsHttp(
  metrics: FstoreMetrics,
  host: string,
  port: number,
): Promise<MetricsHttpServer> {
  const server: Server = createServer((req, res) => {
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

/**
 * What a server's exposure looks like from its config (pure): is a bind
 * address private to this machine, and which settings expose credentials or
 * metrics beyond it.
 */
import type { RepoConfig } from "../config/types.js";

/** Is `host` (a bind address or host name) reachable only from this machine? */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::ffff:127.0.0.1";
}

/** Warnings to log at start for a server bound to `host` (metrics: is the endpoint on). */
export function exposureWarnings(config: RepoConfig, host: string, metricsOn: boolean): string[] {
  const out: string[] = [];
  if (config.server.auth !== null && config.server.tls === null && !isLoopbackHost(host)) {
    out.push(
      `authentication over plaintext on the non-loopback address ${host}: bearer tokens travel unencrypted; set server.tls`,
    );
  }
  if (metricsOn && config.metrics.token === null && !isLoopbackHost(config.metrics.host)) {
    out.push(
      `metrics served on the non-loopback address ${config.metrics.host} without metrics.token: anyone who reaches it can scrape`,
    );
  }
  return out;
}

/**
 * Spreading calls over several fstore servers (replicas sharing one registry
 * and one online store): one gRPC channel whose target lists every address,
 * gRPC's round_robin load balancing, and a retry policy that sends an
 * idempotent call that failed with UNAVAILABLE (a replica that died or is
 * restarting) to another replica. Writes (Push, Materialize) are never retried.
 */

/** The read-only RPCs: safe to send again to another replica. */
export const IDEMPOTENT_METHODS = [
  "GetOnlineFeatures",
  "GetHistoricalFeatures",
  "ValidateConsistency",
  "ListEntities",
  "ListFeatureViews",
  "ListFeatureServices",
  "GetFeatureView",
  "ListPermissions",
] as const;

export interface RetryPolicy {
  /** Attempts in all, the first included (gRPC caps it at 5). Default 4. */
  maxAttempts?: number;
  /** Default 50 ms, doubling up to `maxBackoffMs` (default 1 s), with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

const IP_V4 = /^\d{1,3}(?:\.\d{1,3}){3}:\d+$/;
const IP_V6 = /^\[[0-9a-f:.]+\]:\d+$/i;

/**
 * The channel target for `addresses`: one address as is ("host:port", or a
 * "dns:///name:port" whose records are all used); several as an "ipv4:" or
 * "ipv6:" list, which gRPC balances over. Several host names cannot be one
 * channel: give IP addresses, or one DNS name resolving to every replica.
 */
export function channelTarget(addresses: readonly string[]): string {
  const list = addresses.map((a) => a.trim()).filter((a) => a !== "");
  if (list.length === 0) throw new Error("no server address given");
  if (list.length === 1) return list[0] as string;
  if (list.every((a) => IP_V4.test(a))) return `ipv4:${list.join(",")}`;
  if (list.every((a) => IP_V6.test(a))) return `ipv6:${list.join(",")}`;
  throw new Error(
    `several addresses must all be IPv4 (1.2.3.4:6566) or all IPv6 ([::1]:6566), got ${list.slice(0, 4).join(", ")}: ` +
      "for host names, use one DNS name that resolves to every replica (dns:///fstore.example:6566)",
  );
}

/** The gRPC service config: round_robin over the target's addresses, retries of idempotent calls on UNAVAILABLE. */
export function serviceConfig(retry: RetryPolicy | false = {}): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(3)}s`;
  return JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig:
      retry === false
        ? []
        : [
            {
              name: IDEMPOTENT_METHODS.map((method) => ({ service: "fstore.v1.FeatureService", method })),
              retryPolicy: {
                maxAttempts: Math.min(5, Math.max(2, retry.maxAttempts ?? 4)),
                initialBackoff: seconds(retry.initialBackoffMs ?? 50),
                maxBackoff: seconds(retry.maxBackoffMs ?? 1000),
                backoffMultiplier: 2,
                retryableStatusCodes: ["UNAVAILABLE"],
              },
            },
          ],
  });
}

/**
 * Samples the server's own call counters (FstoreMetrics' prom-client
 * registry, in process) every few seconds and keeps the last ones, so the
 * console's live page shows rates and latencies without a Prometheus server.
 * Only the three call metrics are read, never the scrape-time gauges (which
 * read the registry).
 */
import type { FstoreMetrics } from "../metrics/index.js";
import { type MetricsSample, type ServingSeries, servingSeries } from "./serving-series.js";

export interface ServingSampler {
  series(): Promise<ServingSeries>;
  /** Seconds between samples. */
  intervalSeconds: number;
  stop(): void;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

async function valuesOf(metrics: FstoreMetrics, name: string): Promise<MetricValue[]> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return [];
  return ((await metric.get()).values ?? []) as MetricValue[];
}

/** One sample of the call counters. */
export async function sampleMetrics(metrics: FstoreMetrics, at = Date.now()): Promise<MetricsSample> {
  const sample: MetricsSample = { at, requests: {}, errors: {}, latency: {} };
  for (const v of await valuesOf(metrics, "fstore_rpc_requests_total")) {
    sample.requests[String(v.labels.method)] = v.value;
  }
  for (const v of await valuesOf(metrics, "fstore_rpc_errors_total")) {
    const method = String(v.labels.method);
    sample.errors[method] ??= {};
    (sample.errors[method] as Record<string, number>)[String(v.labels.code)] = v.value;
  }
  const buckets = new Map<string, { le: number; count: number }[]>();
  for (const v of await valuesOf(metrics, "fstore_rpc_duration_seconds")) {
    if (!v.metricName?.endsWith("_bucket")) continue;
    const method = String(v.labels.method);
    const le = v.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    const list = buckets.get(method) ?? [];
    list.push({ le, count: v.value });
    buckets.set(method, list);
  }
  for (const [method, list] of buckets) {
    list.sort((a, b) => a.le - b.le);
    sample.latency[method] = { le: list.map((b) => b.le), cumulative: list.map((b) => b.count) };
  }
  return sample;
}

/** Starts sampling `metrics` every `intervalSeconds`, keeping `keep` samples (default 10 minutes' worth). */
export function startServingSampler(
  metrics: FstoreMetrics,
  options: { intervalSeconds?: number; keep?: number } = {},
): ServingSampler {
  const intervalSeconds = options.intervalSeconds ?? 5;
  const keep = options.keep ?? Math.ceil(600 / intervalSeconds) + 1;
  const samples: MetricsSample[] = [];
  let pending: Promise<void> | undefined;
  const take = () => {
    pending ??= sampleMetrics(metrics)
      .then((s) => {
        samples.push(s);
        if (samples.length > keep) samples.splice(0, samples.length - keep);
      })
      .catch(() => {
        // A failed sample leaves a gap; the next one goes on.
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  void take();
  const timer = setInterval(take, intervalSeconds * 1000);
  timer.unref();
  return {
    intervalSeconds,
    async series() {
      await pending;
      return servingSeries(samples);
    },
    stop: () => clearInterval(timer),
  };
}

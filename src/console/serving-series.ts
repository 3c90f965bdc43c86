/**
 * Live serving figures from the server's own Prometheus counters (pure):
 * samples of the cumulative counters taken every few seconds become, per
 * interval between two samples, the request rate and the p50/p99 latency
 * per method, and the status counts. Quantiles are estimated from histogram
 * bucket deltas exactly as Prometheus's `histogram_quantile` does (linear
 * inside the bucket that holds the rank; the highest finite bound when the
 * rank falls in +Inf).
 */

/** One histogram series: cumulative counts per upper bound (ascending, +Inf last). */
export interface HistogramSample {
  le: number[];
  cumulative: number[];
}

export interface MetricsSample {
  /** Unix milliseconds. */
  at: number;
  /** Calls per method (fstore_rpc_requests_total). */
  requests: Record<string, number>;
  /** Failed calls per method and gRPC code (fstore_rpc_errors_total): `errors[method][code]`. */
  errors: Record<string, Record<string, number>>;
  /** Latency per method (fstore_rpc_duration_seconds). */
  latency: Record<string, HistogramSample>;
}

export interface ServingPoint {
  /** End of the interval (ISO). */
  at: string;
  seconds: number;
  /** Calls per second over the interval, all methods. */
  rate: number;
  byMethod: Record<string, { rate: number; p50: number | null; p99: number | null }>;
}

export interface ServingSeries {
  methods: string[];
  points: ServingPoint[];
  /** Calls by method and status since the server started ("OK" or the gRPC code name). */
  statuses: { method: string; status: string; calls: number }[];
  /** When the first and last samples were taken (ISO), null before the first. */
  since: string | null;
  latest: string | null;
}

/** The `q` quantile (0..1) of the observations in a bucket-delta histogram, or null when empty. */
export function histogramQuantile(
  q: number,
  le: readonly number[],
  cumulative: readonly number[],
): number | null {
  const n = cumulative.length;
  const total = n > 0 ? (cumulative[n - 1] ?? 0) : 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < n; i++) {
    const c = cumulative[i] ?? 0;
    if (c >= rank) {
      const upper = le[i] ?? Number.POSITIVE_INFINITY;
      if (upper === Number.POSITIVE_INFINITY) {
        // Prometheus: the rank is in +Inf, answer the highest finite bound.
        return i > 0 ? (le[i - 1] ?? null) : null;
      }
      const lower = i === 0 ? 0 : (le[i - 1] ?? 0);
      const below = i === 0 ? 0 : (cumulative[i - 1] ?? 0);
      const inBucket = c - below;
      if (inBucket <= 0) return upper;
      return lower + (upper - lower) * ((rank - below) / inBucket);
    }
  }
  return null;
}

function delta(a: HistogramSample | undefined, b: HistogramSample): HistogramSample {
  if (!a || a.le.length !== b.le.length) return b;
  return { le: b.le, cumulative: b.cumulative.map((c, i) => Math.max(0, c - (a.cumulative[i] ?? 0))) };
}

/** The series between consecutive samples (oldest first), and the status totals of the last one. */
export function servingSeries(samples: readonly MetricsSample[]): ServingSeries {
  const methods = new Set<string>();
  for (const s of samples) for (const m of Object.keys(s.requests)) methods.add(m);
  const sorted = [...methods].sort();
  const points: ServingPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1] as MetricsSample;
    const cur = samples[i] as MetricsSample;
    const seconds = (cur.at - prev.at) / 1000;
    if (seconds <= 0) continue;
    const byMethod: ServingPoint["byMethod"] = {};
    let calls = 0;
    for (const m of sorted) {
      const n = Math.max(0, (cur.requests[m] ?? 0) - (prev.requests[m] ?? 0));
      calls += n;
      const h = cur.latency[m];
      const d = h ? delta(prev.latency[m], h) : undefined;
      byMethod[m] = {
        rate: n / seconds,
        p50: d ? histogramQuantile(0.5, d.le, d.cumulative) : null,
        p99: d ? histogramQuantile(0.99, d.le, d.cumulative) : null,
      };
    }
    points.push({ at: new Date(cur.at).toISOString(), seconds, rate: calls / seconds, byMethod });
  }
  const last = samples[samples.length - 1];
  const statuses: ServingSeries["statuses"] = [];
  if (last) {
    for (const m of sorted) {
      const errors = last.errors[m] ?? {};
      const failed = Object.values(errors).reduce((s, n) => s + n, 0);
      statuses.push({ method: m, status: "OK", calls: Math.max(0, (last.requests[m] ?? 0) - failed) });
      for (const [code, n] of Object.entries(errors).sort())
        statuses.push({ method: m, status: code, calls: n });
    }
  }
  return {
    methods: sorted,
    points,
    statuses,
    since: samples[0] ? new Date(samples[0].at).toISOString() : null,
    latest: last ? new Date(last.at).toISOString() : null,
  };
}

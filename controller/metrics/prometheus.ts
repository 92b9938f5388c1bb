/**
 * MetricsSource for Prometheus: runs the interval's three PromQL queries over the HTTP API and
 * turns the answers into Observations, one per destination. A figure Prometheus could not give
 * (no series, NaN, a failed query) is undefined or marks the observation stale; it is never zero.
 */
import type { Observation, SubsetStats } from "./observation.js";
import { latencyQuery, QUANTILES, trafficQuery, workloadQuery } from "./promql.js";

/** A destination the controller watches: its host, and the namespace and app its pods carry. */
export interface Destination {
  readonly host: string;
  readonly namespace: string;
  readonly app: string;
}

interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

export class PrometheusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrometheusError";
  }
}

export interface PrometheusOptions {
  readonly url: string;
  /** Per query. @default 5000 */
  readonly timeoutMs?: number;
  /** Called with each query's duration, for the controller's own metrics. */
  readonly onQuery?: (name: string, seconds: number, ok: boolean) => void;
}

export class PrometheusSource {
  constructor(private readonly options: PrometheusOptions) {}

  /** Runs one instant query; a non-success answer, a timeout or a malformed body throws. */
  async query(name: string, promql: string, atMs: number): Promise<Sample[]> {
    const started = performance.now();
    let ok = false;
    try {
      const body = new URLSearchParams({ query: promql, time: (atMs / 1000).toFixed(3) });
      const res = await fetch(`${this.options.url}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      const json = (await res.json().catch(() => undefined)) as
        | { status?: string; error?: string; data?: { resultType?: string; result?: Sample[] } }
        | undefined;
      if (!res.ok || json?.status !== "success")
        throw new PrometheusError(`${name} query failed (${res.status}): ${json?.error ?? "no error given"}`);
      if (json.data?.resultType !== "vector" || !Array.isArray(json.data.result))
        throw new PrometheusError(`${name} query returned ${json.data?.resultType}, not a vector`);
      ok = true;
      return json.data.result;
    } catch (e) {
      if (e instanceof PrometheusError) throw e;
      const err = e as { name?: string; message?: string };
      throw new PrometheusError(
        `${name} query ${err.name === "TimeoutError" ? "timed out" : `failed: ${err.message ?? String(e)}`}`,
      );
    } finally {
      this.options.onQuery?.(name, (performance.now() - started) / 1000, ok);
    }
  }

  /**
   * Observes every destination over the window ending at `atMs`: three queries in all. A
   * destination with no traffic series is stale; if any query fails, every observation is stale
   * and carries what the other queries returned.
   */
  async observe(
    destinations: readonly Destination[],
    windowMs: number,
    atMs: number,
  ): Promise<{ observations: Map<string, Observation>; errors: string[] }> {
    const settled = await Promise.allSettled([
      this.query("traffic", trafficQuery(windowMs), atMs),
      this.query("latency", latencyQuery(windowMs), atMs),
      this.query("workload", workloadQuery(windowMs), atMs),
    ]);
    const errors = settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as Error).message] : []));
    const [traffic, latency, workload] = settled.map((s) => (s.status === "fulfilled" ? s.value : []));
    const observations = new Map<string, Observation>();
    for (const d of destinations) {
      const subsets: Record<string, SubsetStats> = {};
      const versions = new Set(
        traffic
          .filter((s) => s.metric.destination_service === d.host)
          .map((s) => s.metric.destination_version ?? ""),
      );
      for (const version of [...versions].sort()) {
        const mine = (s: Sample) =>
          s.metric.destination_service === d.host && (s.metric.destination_version ?? "") === version;
        const rates = traffic
          .filter(mine)
          .map((s) => ({ code: s.metric.response_code ?? "", rps: finite(s.value[1]) }));
        const known = rates.filter((r) => r.rps !== undefined) as { code: string; rps: number }[];
        const rps = known.reduce((sum, r) => sum + r.rps, 0);
        const errorsRps = known.filter((r) => r.code.startsWith("5")).reduce((sum, r) => sum + r.rps, 0);
        const quantile = (q: number) => {
          const found = latency.find((s) => mine(s) && s.metric.quantile === String(q));
          return found && rps > 0 ? finite(found.value[1]) : undefined;
        };
        const workloadSignal = (signal: string) => {
          const found = workload.find(
            (s) =>
              s.metric.signal === signal &&
              s.metric.namespace === d.namespace &&
              s.metric.label_app === d.app &&
              (s.metric.label_version ?? "") === version,
          );
          return found ? finite(found.value[1]) : undefined;
        };
        const [p50, p95, p99] = QUANTILES.map(quantile);
        subsets[version] = {
          rps,
          errorRatio: rps > 0 ? errorsRps / rps : undefined,
          p50Ms: p50,
          p95Ms: p95,
          p99Ms: p99,
          cpuUtilization: workloadSignal("cpu"),
          replicas: Math.round(workloadSignal("replicas") ?? 0),
        };
      }
      observations.set(d.host, {
        atMs,
        windowMs,
        subsets,
        replicas: {},
        stale: errors.length > 0 || versions.size === 0,
      });
    }
    return { observations, errors };
  }
}

/** A sample's value, or undefined for NaN and infinities (histogram_quantile's "no data"). */
function finite(raw: string): number | undefined {
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

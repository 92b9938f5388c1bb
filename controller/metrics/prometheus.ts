/**
 * MetricsSource for Prometheus: runs the interval's three PromQL queries over the HTTP API and
 * turns the answers into Observations, one per destination. A figure Prometheus could not give
 * (no series, NaN, a failed query) is undefined or marks the observation stale; it is never zero.
 */
import type { Observation, SubsetStats } from "./observation.js";
import {
  extraLoadOf,
  latencyQuery,
  QUANTILES,
  subsetFigures,
  trafficQuery,
  workloadQuery,
} from "./promql.js";
import type { Destination, MetricsSource } from "./source.js";

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

export class PrometheusSource implements MetricsSource {
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
    // Index each answer once, so an interval costs one pass over the samples, not one per destination.
    const value = (sample: Sample) => finite(sample.value[1]);
    const version = (m: Readonly<Record<string, string>>) => m.destination_version ?? "";
    const rates = new Map<string, Map<string, { rps: number; errorsRps: number }>>();
    // What the clients' sidecars report: each request once, by destination host.
    const requested = new Map<string, number>();
    for (const s of traffic) {
      if (s.metric.reporter === "source") {
        const rps = value(s);
        if (rps !== undefined)
          requested.set(
            s.metric.destination_service,
            (requested.get(s.metric.destination_service) ?? 0) + rps,
          );
        continue;
      }
      const byVersion = rates.get(s.metric.destination_service) ?? new Map();
      rates.set(s.metric.destination_service, byVersion);
      const r = byVersion.get(version(s.metric)) ?? { rps: 0, errorsRps: 0 };
      byVersion.set(version(s.metric), r);
      const rps = value(s);
      if (rps === undefined) continue;
      r.rps += rps;
      if ((s.metric.response_code ?? "").startsWith("5")) r.errorsRps += rps;
    }
    const firstBy = (samples: readonly Sample[], key: (m: Readonly<Record<string, string>>) => string) => {
      const index = new Map<string, Sample>();
      for (const s of samples) if (!index.has(key(s.metric))) index.set(key(s.metric), s);
      return index;
    };
    const quantiles = firstBy(latency, (m) => `${m.destination_service}|${version(m)}|${m.quantile}`);
    const signals = firstBy(
      workload,
      (m) => `${m.signal}|${m.namespace}|${m.label_app}|${m.label_version ?? ""}`,
    );

    const observations = new Map<string, Observation>();
    for (const d of destinations) {
      const subsets: Record<string, SubsetStats> = {};
      const versions = rates.get(d.host) ?? new Map<string, { rps: number; errorsRps: number }>();
      for (const v of [...versions.keys()].sort()) {
        const { rps, errorsRps } = versions.get(v) as { rps: number; errorsRps: number };
        const quantile = (q: number) => {
          const found = quantiles.get(`${d.host}|${v}|${q}`);
          return found && rps > 0 ? value(found) : undefined;
        };
        const signal = (name: string) => {
          const found = signals.get(`${name}|${d.namespace}|${d.app}|${v}`);
          return found ? value(found) : undefined;
        };
        subsets[v] = subsetFigures({
          rps,
          errorsRps,
          quantiles: QUANTILES.map(quantile),
          cpuUtilization: signal("cpu"),
          replicas: Math.round(signal("replicas") ?? 0),
        });
      }
      observations.set(d.host, {
        atMs,
        windowMs,
        subsets,
        replicas: {},
        stale: errors.length > 0 || versions.size === 0,
        extraLoad: extraLoadOf(
          Object.values(subsets).reduce((n, s) => n + s.rps, 0),
          requested.get(d.host) ?? 0,
        ),
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

/**
 * MetricsSource for Prometheus: runs the interval's three PromQL queries over the HTTP API and
 * turns the answers into Observations, one per destination. A figure Prometheus could not give
 * (no series, NaN, a failed query) is undefined or marks the observation stale; it is never zero.
 */
import type { Observation } from "./observation.js";
import { observationFromPods, type PodRates } from "./pod-figures.js";
import { historyQuery, latencyQuery, QUANTILES, trafficQuery, workloadQuery } from "./promql.js";
import type { Destination, MetricsSource } from "./source.js";

interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** Steps per range query: under Prometheus's limit of 11,000 points per series. */
const MAX_POINTS = 10_000;

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
    return (await this.call(name, "query", "vector", {
      query: promql,
      time: (atMs / 1000).toFixed(3),
    })) as Sample[];
  }

  /** One call of the HTTP API; its result, or a PrometheusError naming the query. */
  private async call(
    name: string,
    endpoint: "query" | "query_range",
    resultType: "vector" | "matrix",
    params: Record<string, string>,
  ): Promise<unknown[]> {
    const started = performance.now();
    let ok = false;
    try {
      const res = await fetch(`${this.options.url}/api/v1/${endpoint}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(params),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      const json = (await res.json().catch(() => undefined)) as
        | { status?: string; error?: string; data?: { resultType?: string; result?: unknown } }
        | undefined;
      if (!res.ok || json?.status !== "success")
        throw new PrometheusError(`${name} query failed (${res.status}): ${json?.error ?? "no error given"}`);
      if (json.data?.resultType !== resultType || !Array.isArray(json.data.result))
        throw new PrometheusError(`${name} query returned ${json.data?.resultType}, not a ${resultType}`);
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
   * One range query over [fromMs, toMs] at `stepMs`, in queries of at most MAX_POINTS steps each
   * (Prometheus refuses more than 11,000 points per series): each series' values by step index,
   * undefined where it has none.
   */
  async range(
    name: string,
    promql: string,
    fromMs: number,
    toMs: number,
    stepMs: number,
  ): Promise<{ metric: Readonly<Record<string, string>>; values: (number | undefined)[] }[]> {
    const steps = Math.floor((toMs - fromMs) / stepMs) + 1;
    const series = new Map<string, { metric: Record<string, string>; values: (number | undefined)[] }>();
    for (let first = 0; first < steps; first += MAX_POINTS) {
      const last = Math.min(steps, first + MAX_POINTS) - 1;
      const params = {
        query: promql,
        start: ((fromMs + first * stepMs) / 1000).toFixed(3),
        end: ((fromMs + last * stepMs) / 1000).toFixed(3),
        step: `${stepMs / 1000}s`,
      };
      const result = await this.call(name, "query_range", "matrix", params);
      for (const one of result as { metric?: Record<string, string>; values?: [number, string][] }[]) {
        const metric = one.metric ?? {};
        const key = JSON.stringify(Object.entries(metric).sort());
        const entry = series.get(key) ?? { metric, values: new Array(steps).fill(undefined) };
        series.set(key, entry);
        for (const [t, v] of one.values ?? []) {
          const i = Math.round((t * 1000 - fromMs) / stepMs);
          const value = Number(v);
          if (i >= 0 && i < steps && Number.isFinite(value)) entry.values[i] = value;
        }
      }
    }
    return [...series.values()];
  }

  /** The destination's request rate per step, for the predictive scaler's start. */
  async history(host: string, fromMs: number, toMs: number, stepMs: number): Promise<(number | undefined)[]> {
    const series = await this.range("history", historyQuery(host, stepMs), fromMs, toMs, stepMs);
    const steps = Math.floor((toMs - fromMs) / stepMs) + 1;
    // The query sums to one series; were there more, the last one's value at a step stands.
    const out: (number | undefined)[] = new Array(steps).fill(undefined);
    for (const one of series) for (const [i, v] of one.values.entries()) if (v !== undefined) out[i] = v;
    return out;
  }

  /**
   * Observes every destination over the window ending at `atMs`: three queries in all, answered
   * per pod and summed per version here (pod-figures.ts), leaving each destination's lane out of
   * its versions. A destination with no traffic series is stale; if any query fails, every
   * observation is stale and carries what the other queries returned.
   */
  async observe(
    destinations: readonly Destination[],
    windowMs: number,
    atMs: number,
  ): Promise<{ observations: Map<string, Observation>; errors: string[] }> {
    const settled = await Promise.allSettled([
      this.query("traffic", trafficQuery(windowMs), atMs),
      this.query(
        "latency",
        latencyQuery(
          windowMs,
          destinations.flatMap((d) => d.lane ?? []),
        ),
        atMs,
      ),
      this.query("workload", workloadQuery(windowMs), atMs),
    ]);
    const errors = settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as Error).message] : []));
    const [traffic, latency, workload] = settled.map((s) => (s.status === "fulfilled" ? s.value : []));
    // Index each answer once, so an interval costs one pass over the samples, not one per destination.
    const value = (sample: Sample) => finite(sample.value[1]);
    const pods = new Map<string, Map<string, MutablePod>>();
    const podOf = (m: Readonly<Record<string, string>>) => {
      let byPod = pods.get(m.destination_service);
      if (!byPod) {
        byPod = new Map();
        pods.set(m.destination_service, byPod);
      }
      let p = byPod.get(m.pod ?? "");
      if (!p) {
        p = { subset: m.destination_version ?? "", rps: 0, errorsRps: 0 };
        byPod.set(m.pod ?? "", p);
      }
      return p;
    };
    // What the clients' sidecars report: each request once, by destination host.
    const requested = new Map<string, number>();
    for (const s of traffic) {
      const rps = value(s);
      if (s.metric.reporter === "source") {
        if (rps !== undefined)
          requested.set(
            s.metric.destination_service,
            (requested.get(s.metric.destination_service) ?? 0) + rps,
          );
        continue;
      }
      const p = podOf(s.metric);
      if (rps === undefined) continue;
      p.rps += rps;
      if ((s.metric.response_code ?? "").startsWith("5")) p.errorsRps += rps;
    }
    // Quantiles per version (no pod label) and per pod.
    const quantile = new Map<string, number | undefined>();
    for (const s of latency) {
      const m = s.metric;
      quantile.set(
        `${m.destination_service}|${m.destination_version ?? ""}|${m.pod ?? ""}|${m.quantile}`,
        value(s),
      );
    }
    const quantilesOf = (host: string, version: string, pod: string) =>
      QUANTILES.map((q) => quantile.get(`${host}|${version}|${pod}|${q}`));
    // CPU and readiness by (namespace, pod), and each version's ready pods by (namespace, app, version).
    const cpu = new Map<string, { usage?: number; limits?: number }>();
    const ready = new Map<string, number>();
    for (const s of workload) {
      const m = s.metric;
      if (m.signal === "ready") {
        const k = `${m.namespace}|${m.label_app}|${m.label_version ?? ""}`;
        ready.set(k, (ready.get(k) ?? 0) + (value(s) ?? 0));
        continue;
      }
      const k = `${m.namespace}|${m.pod}`;
      const c = cpu.get(k) ?? {};
      if (m.signal === "usage") c.usage = value(s);
      if (m.signal === "limits") c.limits = value(s);
      cpu.set(k, c);
    }

    const observations = new Map<string, Observation>();
    for (const d of destinations) {
      const byPod = pods.get(d.host) ?? new Map<string, MutablePod>();
      const rates = new Map<string, PodRates>();
      for (const [name, p] of byPod) {
        const c = cpu.get(`${d.namespace}|${name}`);
        rates.set(name, {
          ...p,
          quantiles: quantilesOf(d.host, p.subset, name),
          cpuUsed: c?.usage,
          cpuLimit: c?.usage === undefined ? undefined : c?.limits,
        });
      }
      const observation = observationFromPods(rates, {
        atMs,
        windowMs,
        lane: d.lane,
        requestedRps: requested.get(d.host) ?? 0,
        replicas: (subset) => Math.round(ready.get(`${d.namespace}|${d.app}|${subset}`) ?? 0),
        quantiles: (subset) => quantilesOf(d.host, subset, ""),
      });
      observations.set(d.host, { ...observation, stale: errors.length > 0 || observation.stale });
    }
    return { observations, errors };
  }
}

interface MutablePod {
  subset: string;
  rps: number;
  errorsRps: number;
}

/** A sample's value, or undefined for NaN and infinities (histogram_quantile's "no data"). */
function finite(raw: string): number | undefined {
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

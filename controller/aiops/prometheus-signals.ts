/**
 * Reads the AIOps signals from Prometheus: Istio's golden signals per service (what the mesh's
 * sidecars report on the destination side), the services' own /metrics (request-duration tail,
 * event-loop lag, CPU) and kube-state-metrics (restarts, pods not ready). One instant query per
 * signal, all services at once. A query that fails leaves its signal absent for every service and
 * is reported; a service no query mentions is unreadable. Nothing is ever filled in as zero.
 */
import type { PrometheusSource } from "../metrics/prometheus.js";
import type { PodSignals } from "./pod-outliers.js";
import type { Readings, SignalName, Snapshot } from "./signals.js";

interface SignalQuery {
  readonly promql: string;
  /** The label that names the service in the answer. */
  readonly label: string;
}

/** The queries, over a rate window of `windowS` seconds, for the services of `namespace`. */
export function signalQueries(namespace: string, windowS: number): Record<SignalName, SignalQuery> {
  const istio = `reporter="destination",destination_workload_namespace="${namespace}"`;
  const w = `${windowS}s`;
  const byService = "destination_service_name";
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (${byService}, le) (rate(istio_request_duration_milliseconds_bucket{${istio}}[${w}])))`;
  const readyJoin = `* on (namespace, pod) group_left (label_app) kube_pod_labels{namespace="${namespace}"}`;
  return {
    rps: { promql: `sum by (${byService}) (rate(istio_requests_total{${istio}}[${w}]))`, label: byService },
    // 5xx, and 0: a caller that gave up on a stalled answer (Envoy's downstream disconnect).
    errorRatio: {
      promql: `sum by (${byService}) (rate(istio_requests_total{${istio},response_code=~"5..|0"}[${w}])) / sum by (${byService}) (rate(istio_requests_total{${istio}}[${w}])) or 0 * sum by (${byService}) (rate(istio_requests_total{${istio}}[${w}]))`,
      label: byService,
    },
    p50Ms: { promql: quantile(0.5), label: byService },
    p99Ms: { promql: quantile(0.99), label: byService },
    appP99Ms: {
      promql: `1000 * histogram_quantile(0.99, sum by (service, le) (rate(http_server_request_duration_seconds_bucket[${w}])))`,
      label: "service",
    },
    eventLoopP99Ms: {
      promql: "1000 * max by (service) (nodejs_eventloop_lag_p99_seconds)",
      label: "service",
    },
    cpuCores: { promql: `sum by (service) (rate(process_cpu_seconds_total[${w}]))`, label: "service" },
    restarts: {
      promql: `sum by (label_app) (increase(kube_pod_container_status_restarts_total{namespace="${namespace}"}[${w}]) ${readyJoin})`,
      label: "label_app",
    },
    notReady: {
      promql: `sum by (label_app) (kube_pod_status_ready{namespace="${namespace}",condition="false"} ${readyJoin})`,
      label: "label_app",
    },
  };
}

export interface SignalRead {
  readonly snapshot: Snapshot;
  /** Each service's pods, when the source reports them (what picks the one pod to restart). */
  readonly pods?: Readonly<Record<string, readonly PodSignals[]>>;
  /** One line per query that failed. */
  readonly errors: readonly string[];
}

export async function readSignals(
  prometheus: PrometheusSource,
  services: readonly string[],
  queries: Readonly<Partial<Record<SignalName, SignalQuery>>>,
  atMs: number,
): Promise<SignalRead> {
  const names = Object.keys(queries) as SignalName[];
  const settled = await Promise.allSettled(
    names.map((n) => prometheus.query(n, (queries[n] as SignalQuery).promql, atMs)),
  );
  const readings: Record<string, Readings> = Object.fromEntries(services.map((s) => [s, {}]));
  const errors: string[] = [];
  settled.forEach((result, i) => {
    const name = names[i];
    if (result.status === "rejected") {
      errors.push((result.reason as Error).message);
      return;
    }
    const label = (queries[name] as SignalQuery).label;
    for (const sample of result.value) {
      const service = sample.metric[label];
      const value = Number(sample.value[1]);
      if (service !== undefined && service in readings && Number.isFinite(value))
        readings[service][name] = value;
    }
  });
  return { snapshot: { atMs, services: readings }, errors };
}

/**
 * The signals at every step of [fromMs, toMs): one range query per signal, all services at once,
 * each step's readings as a snapshot. What the controller learns from at a start, instead of
 * waiting for a warm-up's worth of live readings. A failed query leaves its signal absent at every
 * step and is reported, as in readSignals.
 */
export async function readSignalHistory(
  prometheus: PrometheusSource,
  services: readonly string[],
  queries: Readonly<Partial<Record<SignalName, SignalQuery>>>,
  range: { readonly fromMs: number; readonly toMs: number; readonly stepMs: number },
): Promise<{ snapshots: Snapshot[]; errors: string[] }> {
  const { fromMs, toMs, stepMs } = range;
  const steps = Math.max(0, Math.ceil((toMs - fromMs) / stepMs));
  if (steps === 0) return { snapshots: [], errors: [] };
  const names = Object.keys(queries) as SignalName[];
  const settled = await Promise.allSettled(
    names.map((n) =>
      prometheus.range(n, (queries[n] as SignalQuery).promql, fromMs, fromMs + (steps - 1) * stepMs, stepMs),
    ),
  );
  const snapshots: Snapshot[] = Array.from({ length: steps }, (_, i) => ({
    atMs: fromMs + i * stepMs,
    services: Object.fromEntries(services.map((s) => [s, {} as Readings])),
  }));
  const errors: string[] = [];
  settled.forEach((result, n) => {
    if (result.status === "rejected") {
      errors.push((result.reason as Error).message);
      return;
    }
    const label = (queries[names[n]] as SignalQuery).label;
    for (const series of result.value) {
      const service = series.metric[label];
      if (service === undefined || !services.includes(service)) continue;
      series.values.forEach((value, i) => {
        if (value !== undefined && i < steps)
          (snapshots[i].services[service] as Record<string, number>)[names[n]] = value;
      });
    }
  });
  return { snapshots, errors };
}

/**
 * Per pod, the golden signals the outlier check reads (pod-outliers.ts): the same Istio series
 * by service and `pod`, which Prometheus adds to every series it scrapes from a sidecar.
 */
export function podQueries(namespace: string, windowS: number): Record<"rps" | "errors" | "p99Ms", string> {
  const istio = `reporter="destination",destination_workload_namespace="${namespace}"`;
  const by = "destination_service_name, pod";
  const w = `${windowS}s`;
  return {
    rps: `sum by (${by}) (rate(istio_requests_total{${istio}}[${w}]))`,
    errors: `sum by (${by}) (rate(istio_requests_total{${istio},response_code=~"5..|0"}[${w}]))`,
    p99Ms: `histogram_quantile(0.99, sum by (${by}, le) (rate(istio_request_duration_milliseconds_bucket{${istio}}[${w}])))`,
  };
}

/** Every watched service's pods as the sidecars report them; a failed query is an error, not a zero. */
export async function readPodSignals(
  prometheus: PrometheusSource,
  services: readonly string[],
  queries: Record<"rps" | "errors" | "p99Ms", string>,
  atMs: number,
): Promise<{ pods: Record<string, PodSignals[]>; errors: string[] }> {
  const [rps, errors, p99] = await Promise.allSettled([
    prometheus.query("podRps", queries.rps, atMs),
    prometheus.query("podErrors", queries.errors, atMs),
    prometheus.query("podP99Ms", queries.p99Ms, atMs),
  ]);
  const failed = [rps, errors, p99].flatMap((r) =>
    r.status === "rejected" ? [(r.reason as Error).message] : [],
  );
  if (rps.status === "rejected" || errors.status === "rejected" || p99.status === "rejected")
    return { pods: {}, errors: failed };
  const key = (m: Readonly<Record<string, string>>) => `${m.destination_service_name}|${m.pod}`;
  const value = (s: { value: readonly [number, string] }) => Number(s.value[1]);
  const errorsBy = new Map(errors.value.map((s) => [key(s.metric), value(s)]));
  const p99By = new Map(p99.value.map((s) => [key(s.metric), value(s)]));
  const pods: Record<string, PodSignals[]> = Object.fromEntries(services.map((s) => [s, []]));
  for (const s of rps.value) {
    const service = s.metric.destination_service_name;
    const pod = s.metric.pod;
    const r = value(s);
    if (service === undefined || pod === undefined || !(service in pods) || !Number.isFinite(r)) continue;
    const e = errorsBy.get(key(s.metric));
    const q = p99By.get(key(s.metric));
    pods[service].push({
      pod,
      rps: r,
      // The errors query answered: a pod without an error series has had no errors, not unknown ones.
      ...(r > 0 ? { errorRatio: (e ?? 0) / r } : {}),
      ...(q !== undefined && Number.isFinite(q) ? { p99Ms: q } : {}),
    });
  }
  for (const list of Object.values(pods)) list.sort((a, b) => a.pod.localeCompare(b.pod));
  return { pods, errors: [] };
}

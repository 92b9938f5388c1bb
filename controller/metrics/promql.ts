/**
 * The PromQL the controller runs each control interval: three queries for the whole mesh, however
 * many intents there are. Each groups by destination host and version with `by (...)`, and merges
 * several signals into one result with a label (`quantile`, `signal`), so the cost of an interval
 * does not grow with the number of intents.
 *
 * Istio's standard metrics, reported by the destination's sidecar: istio_requests_total and
 * istio_request_duration_milliseconds. CPU comes from cAdvisor and kube-state-metrics, joined to
 * the pods' app and version labels.
 */

import type { SubsetStats } from "./observation.js";

export const BY_SUBSET = "destination_service, destination_version";

function range(windowMs: number): string {
  return `${Math.max(1, Math.round(windowMs / 1000))}s`;
}

/**
 * Requests per second by host, version, status code and reporter; errors are the 5xx among the
 * destination-reported ones. The server sidecars report every try, the client sidecars every
 * request once (their stats filter sits above the router that retries and hedges), so the two
 * reporters together give the extra load retries and hedges add.
 */
export function trafficQuery(windowMs: number): string {
  return `sum by (${BY_SUBSET}, response_code, reporter) (rate(istio_requests_total{reporter=~"destination|source"}[${range(windowMs)}]))`;
}

/** Tries over requests, minus one; undefined without the clients' side. */
export function extraLoadOf(triesRps: number, requestsRps: number): number | undefined {
  return requestsRps > 0 ? Math.max(0, triesRps / requestsRps - 1) : undefined;
}

export const QUANTILES = [0.5, 0.95, 0.99] as const;

/** p50, p95 and p99 latency by host and version, told apart by a `quantile` label. */
export function latencyQuery(windowMs: number): string {
  const buckets = `sum by (${BY_SUBSET}, le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[${range(windowMs)}]))`;
  return QUANTILES.map(
    (q) => `label_replace(histogram_quantile(${q}, ${buckets}), "quantile", "${q}", "", "")`,
  ).join(" or ");
}

/**
 * CPU utilization (usage over limits) and ready replica count by namespace, app and version,
 * told apart by a `signal` label. Needs kube-state-metrics to export the pods' app and version
 * labels (kube_pod_labels).
 */
export function workloadQuery(windowMs: number): string {
  const labels = "max by (namespace, pod, label_app, label_version) (kube_pod_labels)";
  const by = "namespace, label_app, label_version";
  const app = `container!="", container!="POD", container!="istio-proxy"`;
  const usage = `sum by (${by}) (rate(container_cpu_usage_seconds_total{${app}}[${range(windowMs)}]) * on (namespace, pod) group_left (label_app, label_version) ${labels})`;
  const limits = `sum by (${by}) (kube_pod_container_resource_limits{resource="cpu", ${app}} * on (namespace, pod) group_left (label_app, label_version) ${labels})`;
  const ready = `sum by (${by}) (kube_pod_status_ready{condition="true"} * on (namespace, pod) group_left (label_app, label_version) ${labels})`;
  return [
    `label_replace(${usage} / ${limits}, "signal", "cpu", "", "")`,
    `label_replace(${ready}, "signal", "replicas", "", "")`,
  ].join(" or ");
}

/**
 * A subset's figures as the controller's three queries give them: the error ratio only with
 * traffic, the quantiles in QUANTILES' order (p50, p95, p99), undefined where PromQL had none.
 */
export function subsetFigures(f: {
  readonly rps: number;
  readonly errorsRps: number;
  readonly quantiles: readonly (number | undefined)[];
  readonly cpuUtilization: number | undefined;
  readonly replicas: number;
}): SubsetStats {
  const [p50Ms, p95Ms, p99Ms] = f.quantiles;
  return {
    rps: f.rps,
    errorRatio: f.rps > 0 ? f.errorsRps / f.rps : undefined,
    p50Ms,
    p95Ms,
    p99Ms,
    cpuUtilization: f.cpuUtilization,
    replicas: f.replicas,
  };
}

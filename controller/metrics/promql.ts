/**
 * The PromQL the controller runs each control interval: three queries for the whole mesh, however
 * many intents there are. Each groups by destination host, version and pod with `by (...)`, and
 * merges several signals into one result with `or` (a `signal` label tells them apart), so the
 * number of queries does not grow with the number of intents. The controller sums pods into
 * versions itself (pod-figures.ts), so it can leave the quarantine lane's pods out.
 *
 * Istio's standard metrics, reported by the destination's sidecar: istio_requests_total and
 * istio_request_duration_milliseconds. CPU comes from cAdvisor and kube-state-metrics, joined to
 * the pods' app and version labels.
 */

export const BY_SUBSET = "destination_service, destination_version";
/** Per pod: Prometheus adds `pod` to every series it scrapes from a sidecar (the PodMonitor's target label). */
export const BY_POD = `${BY_SUBSET}, pod`;

function range(windowMs: number): string {
  return `${Math.max(1, Math.round(windowMs / 1000))}s`;
}

/**
 * Requests per second by host, version, pod, status code and reporter; errors are the 5xx among
 * the destination-reported ones. The server sidecars report every try, the client sidecars every
 * request once (their stats filter sits above the router that retries and hedges), so the two
 * reporters together give the extra load retries and hedges add.
 */
export function trafficQuery(windowMs: number): string {
  return [
    `sum by (${BY_POD}, response_code, reporter) (rate(istio_requests_total{reporter="destination"}[${range(windowMs)}]))`,
    `sum by (destination_service, reporter) (rate(istio_requests_total{reporter="source"}[${range(windowMs)}]))`,
  ].join(" or ");
}

/**
 * A destination's request rate over each step, every version together: what the predictive
 * scaler forecasts. The host is a PromQL string, so its quotes and backslashes are escaped.
 */
export function historyQuery(host: string, stepMs: number): string {
  const quoted = JSON.stringify(host);
  return `sum(rate(istio_requests_total{reporter="destination", destination_service=${quoted}}[${range(stepMs)}]))`;
}

/** Tries over requests, minus one; undefined without the clients' side. */
export function extraLoadOf(triesRps: number, requestsRps: number): number | undefined {
  return requestsRps > 0 ? Math.max(0, triesRps / requestsRps - 1) : undefined;
}

export const QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * p50, p95 and p99 latency by host and version, and by host, version and pod (those series carry
 * a `pod` label), told apart by a `quantile` label. A version's figures leave out the pods in the
 * quarantine lane (`lane`, every intent's at once), whose only traffic is mirrored probes; each of
 * those is still reported on its own.
 */
export function latencyQuery(windowMs: number, lane: readonly string[] = []): string {
  const out = lane.length > 0 ? `, pod!~"${[...lane].sort().map(escapeRegex).join("|")}"` : "";
  const rate = (matchers: string) =>
    `rate(istio_request_duration_milliseconds_bucket{reporter="destination"${matchers}}[${range(windowMs)}])`;
  const quantiles = (by: string, matchers: string) =>
    QUANTILES.map(
      (q) =>
        `label_replace(histogram_quantile(${q}, sum by (${by}, le) (${rate(matchers)})), "quantile", "${q}", "", "")`,
    );
  return [...quantiles(BY_SUBSET, out), ...quantiles(BY_POD, "")].join(" or ");
}

/** A pod name as an RE2 literal (PromQL anchors `=~` and `!~` at both ends). */
function escapeRegex(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&");
}

/**
 * CPU usage and limits by namespace, pod, app and version, and ready pods by namespace, app and
 * version, told apart by a `signal` label. Needs kube-state-metrics to export the pods' app and
 * version labels (kube_pod_labels).
 */
export function workloadQuery(windowMs: number): string {
  const labels = "max by (namespace, pod, label_app, label_version) (kube_pod_labels)";
  const by = "namespace, pod, label_app, label_version";
  const app = `container!="", container!="POD", container!="istio-proxy"`;
  const usage = `sum by (${by}) (rate(container_cpu_usage_seconds_total{${app}}[${range(windowMs)}]) * on (namespace, pod) group_left (label_app, label_version) ${labels})`;
  const limits = `sum by (${by}) (kube_pod_container_resource_limits{resource="cpu", ${app}} * on (namespace, pod) group_left (label_app, label_version) ${labels})`;
  const ready = `sum by (namespace, label_app, label_version) (kube_pod_status_ready{condition="true"} * on (namespace, pod) group_left (label_app, label_version) ${labels})`;
  return [
    `label_replace(${usage}, "signal", "usage", "", "")`,
    `label_replace(${limits}, "signal", "limits", "", "")`,
    `label_replace(${ready}, "signal", "ready", "", "")`,
  ].join(" or ");
}

/**
 * Which pod of a service stands out from its peers, as Envoy's outlier detection judges a host
 * against the others behind the same cluster: a pod failing or slow while its peers are fine is
 * the one pod a restart or a quarantine can help; a whole service in trouble is not.
 *
 * Severity is 1 at the threshold, as the detector's: an error ratio `ERROR_MARGIN` above the
 * peers' median (or twice it, when that is larger), or a p99 `LATENCY_FACTOR` times the peers'.
 * Pods with too little traffic to judge get none.
 */

/** One pod's golden signals over the window, from the sidecar's series carrying its `pod` label. */
export interface PodSignals {
  readonly pod: string;
  readonly rps: number;
  readonly errorRatio?: number;
  readonly p99Ms?: number;
}

const ERROR_MARGIN = 0.05;
const LATENCY_FACTOR = 3;
/** Below this p99 a multiple means nothing (a 1 ms pod beside a 3 ms one). */
const LATENCY_FLOOR_MS = 10;
const MIN_RPS = 0.2;

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Each judged pod's severity against its peers; a service with one judged pod has no outlier. */
export function podSeverities(pods: readonly PodSignals[]): Map<string, number> {
  const judged = pods.filter((p) => p.rps >= MIN_RPS);
  const out = new Map<string, number>();
  if (judged.length < 2) return out;
  for (const pod of judged) {
    const peers = judged.filter((p) => p !== pod);
    const peerErrors = median(peers.flatMap((p) => (p.errorRatio === undefined ? [] : [p.errorRatio])));
    const peerP99 = median(peers.flatMap((p) => (p.p99Ms === undefined ? [] : [p.p99Ms])));
    let severity = 0;
    if (pod.errorRatio !== undefined && peerErrors !== undefined)
      severity = Math.max(severity, (pod.errorRatio - peerErrors) / Math.max(ERROR_MARGIN, peerErrors * 2));
    if (pod.p99Ms !== undefined && peerP99 !== undefined)
      severity = Math.max(severity, pod.p99Ms / (LATENCY_FACTOR * Math.max(LATENCY_FLOOR_MS, peerP99)));
    out.set(pod.pod, severity);
  }
  return out;
}

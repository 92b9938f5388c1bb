/**
 * From per-pod rates to an Observation: each pod's own figures, and each version's from the sum
 * of its serving pods' rates (what `sum by (version) (rate(...))` gives), with the quarantine
 * lane's pods left out, since the only traffic they get is mirrored probes no client waits on.
 * The Prometheus source and the simulator's both end here, so they cannot disagree on it.
 */
import { ordinal } from "../ordinal.js";
import type { Observation, ReplicaStats, SubsetStats, WorkloadStats } from "./observation.js";
import { extraLoadOf, QUANTILES } from "./promql.js";
import { histogramQuantile } from "./promql-math.js";

/** One pod's rates over the window. */
export interface PodRates {
  readonly subset: string;
  readonly rps: number;
  readonly errorsRps: number;
  /** Rate of each latency bucket, by its upper bound (Infinity for +Inf), cumulative as Prometheus keeps them. */
  readonly buckets?: ReadonlyMap<number, number>;
  /** Or the pod's p50, p95 and p99 as `histogram_quantile` gave them (the Prometheus source asks for these). */
  readonly quantiles?: readonly (number | undefined)[];
  /** CPU in use and available (cores, or busy slots and slots); undefined when unknown. */
  readonly cpuUsed?: number;
  readonly cpuLimit?: number;
}

export interface PodObservationInput {
  readonly atMs: number;
  readonly windowMs: number;
  /** Pods in the quarantine lane. */
  readonly lane?: readonly string[];
  /** Requests per second the clients sent (Istio's source reporter); undefined when not reported. */
  readonly requestedRps?: number;
  /** A version's replica count; by default the pods reported for it. */
  readonly replicas?: (subset: string, reported: number) => number;
  /** A version's p50, p95 and p99 over its serving pods, when the source computed them; by default from the pods' buckets. */
  readonly quantiles?: (subset: string) => readonly (number | undefined)[];
}

export function observationFromPods(
  pods: ReadonlyMap<string, PodRates>,
  input: PodObservationInput,
): Observation {
  const inLane = new Set(input.lane ?? []);
  const replicas: Record<string, ReplicaStats> = {};
  const names = [...pods.keys()].sort(ordinal);
  // Series without a pod label (a scrape setup that drops it) count towards their version only.
  for (const pod of names.filter((p) => p !== "")) {
    const r = pods.get(pod) as PodRates;
    replicas[pod] = { ...statsOf([r]), subset: r.subset };
  }
  const subsets: Record<string, SubsetStats> = {};
  for (const subset of [...new Set(names.map((p) => (pods.get(p) as PodRates).subset))].sort(ordinal)) {
    const all = names.filter((p) => (pods.get(p) as PodRates).subset === subset);
    const serving = all.filter((p) => !inLane.has(p)).map((p) => pods.get(p) as PodRates);
    const stats = statsOf(serving);
    const q = input.quantiles?.(subset);
    subsets[subset] = {
      ...stats,
      ...(q && stats.rps > 0 ? { p50Ms: q[0], p95Ms: q[1], p99Ms: q[2] } : {}),
      replicas: input.replicas ? input.replicas(subset, all.length) : all.length,
    };
  }
  // Extra load counts every try the servers saw, the lane's probes included.
  const tries = [...pods.values()].reduce((n, r) => n + r.rps, 0);
  return {
    atMs: input.atMs,
    windowMs: input.windowMs,
    subsets,
    replicas,
    stale: Object.keys(subsets).length === 0,
    extraLoad: input.requestedRps === undefined ? undefined : extraLoadOf(tries, input.requestedRps),
  };
}

/** The golden signals of a set of pods, from the sums of their rates. */
export function statsOf(pods: readonly PodRates[]): WorkloadStats {
  const rps = pods.reduce((n, p) => n + p.rps, 0);
  const errorsRps = pods.reduce((n, p) => n + p.errorsRps, 0);
  const bounds = [...new Set(pods.flatMap((p) => [...(p.buckets?.keys() ?? [])]))].sort((a, b) => a - b);
  const buckets = bounds.map((upperBound) => ({
    upperBound,
    count: pods.reduce((n, p) => n + (p.buckets?.get(upperBound) ?? 0), 0),
  }));
  const known = pods.length > 0 && pods.every((p) => p.cpuUsed !== undefined && p.cpuLimit !== undefined);
  const limit = pods.reduce((n, p) => n + (p.cpuLimit ?? 0), 0);
  const given = pods.length === 1 ? pods[0].quantiles : undefined;
  const [p50Ms, p95Ms, p99Ms] = QUANTILES.map((q, i) =>
    rps <= 0 ? undefined : given ? given[i] : histogramQuantile(q, buckets),
  );
  return {
    rps,
    errorRatio: rps > 0 ? errorsRps / rps : undefined,
    p50Ms,
    p95Ms,
    p99Ms,
    cpuUtilization:
      known && limit > 0 ? pods.reduce((n, p) => n + (p.cpuUsed as number), 0) / limit : undefined,
  };
}

/**
 * The simulator's MetricsSource. By default it answers as the controller's Prometheus source
 * would: the traffic, latency and CPU queries' PromQL (rate over the window, histogram_quantile
 * over Istio's buckets, summed by version) evaluated over the counters the simulated Prometheus
 * scraped, so its figures lag the data plane by up to a scrape interval and carry the buckets'
 * resolution. "exact" hands over the simulator's own HDR figures for the last control interval,
 * which is what the bench compares against to show what production telemetry costs.
 */

import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";
import type { Observation, ReplicaStats, SubsetStats, WorkloadStats } from "../metrics/observation.js";
import { extraLoadOf, QUANTILES, subsetFigures } from "../metrics/promql.js";
import { extrapolatedRate, histogramQuantile } from "../metrics/promql-math.js";
import type { Destination, MetricsSource, Observed } from "../metrics/source.js";
import { ordinal } from "../ordinal.js";
import type { SteppedSimulation } from "./engine.js";
import type { PodCounters, Scrape } from "./scrapes.js";

export type Percentiles = "buckets" | "exact";

export class SimulatedMetrics implements MetricsSource {
  constructor(
    private readonly sim: SteppedSimulation,
    private readonly percentiles: Percentiles,
  ) {}

  async observe(destinations: readonly Destination[], windowMs: number, atMs: number): Promise<Observed> {
    const observation =
      this.percentiles === "exact"
        ? this.exact(windowMs, atMs)
        : observeScrapes(this.sim.scrapes, atMs, windowMs, destinations[0]?.lane);
    return { observations: new Map(destinations.map((d) => [d.host, observation])), errors: [] };
  }

  private exact(windowMs: number, atMs: number): Observation {
    return this.sim.lastObservation ?? { atMs, windowMs, subsets: {}, replicas: {}, stale: true };
  }
}

/** One pod's rates over the window, as `rate()` gives them per series. */
interface PodRates {
  readonly subset: string;
  readonly rps: number;
  readonly errorsRps: number;
  /** Per bucket of ISTIO_DURATION_BUCKETS, then +Inf. */
  readonly buckets: readonly number[];
  readonly busy: number | undefined;
  readonly slots: number;
}

/**
 * What the controller's queries return over these scrapes at `atMs`: per pod, `rate()` of each
 * series; per version, their sum over the pods outside the quarantine `lane` (whose only traffic
 * is mirrored probes), then `histogram_quantile` over the summed buckets. A pod with fewer than two
 * scrapes in the window has no rate, so it is missing, as it would be from PromQL's answer; with
 * no version at all the observation is stale.
 */
export function observeScrapes(
  scrapes: readonly Scrape[],
  atMs: number,
  windowMs: number,
  lane: readonly string[] = [],
): Observation {
  const inLane = new Set(lane);
  const rates = new Map<string, PodRates>();
  const podNames = [...new Set(scrapes.flatMap((s) => Object.keys(s.pods)))].sort(ordinal);
  for (const pod of podNames) {
    const present = scrapes.filter((s) => s.pods[pod] !== undefined);
    const latest = present.filter((s) => s.atMs <= atMs).at(-1)?.pods[pod];
    const rate = (pick: (c: PodCounters) => number) =>
      extrapolatedRate(
        present.map((s) => ({ atMs: s.atMs, value: pick(s.pods[pod]) })),
        atMs,
        windowMs,
      );
    const rps = rate((c) => c.requests);
    if (rps === undefined || !latest) continue;
    rates.set(pod, {
      subset: latest.subset,
      rps,
      errorsRps: rate((c) => c.errors) ?? 0,
      buckets: latest.buckets.map((_, i) => rate((c) => c.buckets[i]) ?? 0),
      busy: rate((c) => c.busySlotSeconds),
      slots: latest.slots,
    });
  }
  const replicas: Record<string, ReplicaStats> = {};
  for (const [pod, r] of rates) replicas[pod] = { ...statsOf(r), subset: r.subset };
  const subsets: Record<string, SubsetStats> = {};
  for (const name of [...new Set([...rates.values()].map((r) => r.subset))].sort(ordinal)) {
    const pods = [...rates.entries()].filter(([, r]) => r.subset === name);
    const serving = pods.filter(([pod]) => !inLane.has(pod)).map(([, r]) => r);
    subsets[name] = { ...statsOf(sumRates(name, serving.length > 0 ? serving : [])), replicas: pods.length };
  }
  const requested = extrapolatedRate(
    scrapes.map((s) => ({ atMs: s.atMs, value: s.clientRequests })),
    atMs,
    windowMs,
  );
  // Extra load counts every try the servers saw, the lane's mirrored probes included.
  const tries = [...rates.values()].reduce((n, r) => n + r.rps, 0);
  return {
    atMs,
    windowMs,
    subsets,
    replicas,
    stale: Object.keys(subsets).length === 0,
    extraLoad: requested === undefined ? undefined : extraLoadOf(tries, requested),
  };
}

function sumRates(subset: string, pods: readonly PodRates[]): PodRates {
  const known = pods.every((p) => p.busy !== undefined);
  return {
    subset,
    rps: pods.reduce((n, p) => n + p.rps, 0),
    errorsRps: pods.reduce((n, p) => n + p.errorsRps, 0),
    buckets: (pods[0]?.buckets ?? []).map((_, i) => pods.reduce((n, p) => n + p.buckets[i], 0)),
    busy: known ? pods.reduce((n, p) => n + (p.busy as number), 0) : undefined,
    slots: pods.reduce((n, p) => n + p.slots, 0),
  };
}

function statsOf(r: PodRates): WorkloadStats {
  const buckets = [...ISTIO_DURATION_BUCKETS, Number.POSITIVE_INFINITY].map((upperBound, i) => ({
    upperBound,
    count: r.buckets[i] ?? 0,
  }));
  const { replicas: _, ...stats } = subsetFigures({
    rps: r.rps,
    errorsRps: r.errorsRps,
    quantiles: QUANTILES.map((q) => (r.rps > 0 ? histogramQuantile(q, buckets) : undefined)),
    cpuUtilization: r.busy === undefined || r.slots === 0 ? undefined : r.busy / r.slots,
    replicas: 0,
  });
  return stats;
}

/**
 * The simulator's MetricsSource. By default it answers as the controller's Prometheus source
 * would: the traffic, latency and CPU queries' PromQL (rate over the window, histogram_quantile
 * over Istio's buckets, summed by version) evaluated over the counters the simulated Prometheus
 * scraped, so its figures lag the data plane by up to a scrape interval and carry the buckets'
 * resolution. "exact" hands over the simulator's own HDR figures for the last control interval,
 * which is what the bench compares against to show what production telemetry costs.
 */

import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";
import type { Observation, SubsetStats } from "../metrics/observation.js";
import { extraLoadOf, QUANTILES, subsetFigures } from "../metrics/promql.js";
import { extrapolatedRate, histogramQuantile, type Sample } from "../metrics/promql-math.js";
import type { Destination, MetricsSource, Observed } from "../metrics/source.js";
import type { SteppedSimulation } from "./engine.js";
import type { Scrape, SubsetCounters } from "./scrapes.js";

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
        : observeScrapes(this.sim.scrapes, atMs, windowMs);
    return { observations: new Map(destinations.map((d) => [d.host, observation])), errors: [] };
  }

  private exact(windowMs: number, atMs: number): Observation {
    return this.sim.lastObservation ?? { atMs, windowMs, subsets: {}, replicas: {}, stale: true };
  }
}

/**
 * What the controller's three queries return over these scrapes at `atMs`. A subset with fewer
 * than two scrapes in the window has no rate, so it is missing, as it would be from PromQL's
 * answer; with no subset at all the observation is stale. Per-pod figures are not queried in
 * production, so there are none here either.
 */
export function observeScrapes(scrapes: readonly Scrape[], atMs: number, windowMs: number): Observation {
  const names = [...new Set(scrapes.flatMap((s) => Object.keys(s.subsets)))].sort();
  const subsets: Record<string, SubsetStats> = {};
  for (const name of names) {
    const series = (pick: (c: SubsetCounters) => number): Sample[] =>
      scrapes.filter((s) => s.subsets[name]).map((s) => ({ atMs: s.atMs, value: pick(s.subsets[name]) }));
    const rate = (pick: (c: SubsetCounters) => number) => extrapolatedRate(series(pick), atMs, windowMs);
    const rps = rate((c) => c.requests);
    if (rps === undefined) continue;
    const errorsRps = rate((c) => c.errors) ?? 0;
    const buckets = [...ISTIO_DURATION_BUCKETS, Number.POSITIVE_INFINITY].map((upperBound, i) => ({
      upperBound,
      count: rate((c) => c.buckets[i]) ?? 0,
    }));
    const latest = scrapes.filter((s) => s.atMs <= atMs && s.subsets[name]).at(-1)?.subsets[name];
    const busy = rate((c) => c.busySlotSeconds);
    subsets[name] = subsetFigures({
      rps,
      errorsRps,
      quantiles: QUANTILES.map((q) => (rps > 0 ? histogramQuantile(q, buckets) : undefined)),
      cpuUtilization: busy === undefined || !latest ? undefined : busy / latest.slots,
      replicas: latest?.replicas ?? 0,
    });
  }
  const requested = extrapolatedRate(
    scrapes.map((s) => ({ atMs: s.atMs, value: s.clientRequests })),
    atMs,
    windowMs,
  );
  return {
    atMs,
    windowMs,
    subsets,
    replicas: {},
    stale: Object.keys(subsets).length === 0,
    extraLoad:
      requested === undefined
        ? undefined
        : extraLoadOf(
            Object.values(subsets).reduce((n, s) => n + s.rps, 0),
            requested,
          ),
  };
}

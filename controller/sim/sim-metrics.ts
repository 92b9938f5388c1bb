/**
 * The simulator's MetricsSource. By default it answers as the controller's Prometheus source
 * would: the traffic, latency and CPU queries' PromQL (rate over the window, histogram_quantile
 * over Istio's buckets, summed by version) evaluated over the counters the simulated Prometheus
 * scraped, so its figures lag the data plane by up to a scrape interval and carry the buckets'
 * resolution. "exact" hands over the simulator's own HDR figures for the last control interval,
 * which is what the bench compares against to show what production telemetry costs.
 */

import { ISTIO_DURATION_BUCKETS } from "../metrics/istio-buckets.js";
import type { Observation } from "../metrics/observation.js";
import { observationFromPods, type PodRates } from "../metrics/pod-figures.js";
import { extrapolatedRate } from "../metrics/promql-math.js";
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

/**
 * What the controller's queries return over these scrapes at `atMs`: per pod, `rate()` of each
 * series; per version, their sum over the pods outside the quarantine `lane`, then
 * `histogram_quantile` over the summed buckets (pod-figures.ts, as the Prometheus source does). A
 * pod with fewer than two scrapes in the window has no rate, so it is missing, as it would be
 * from PromQL's answer; with no version at all the observation is stale.
 */
export function observeScrapes(
  scrapes: readonly Scrape[],
  atMs: number,
  windowMs: number,
  lane: readonly string[] = [],
): Observation {
  const pods = new Map<string, PodRates>();
  const bounds = [...ISTIO_DURATION_BUCKETS, Number.POSITIVE_INFINITY];
  for (const pod of [...new Set(scrapes.flatMap((s) => Object.keys(s.pods)))].sort(ordinal)) {
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
    const busy = rate((c) => c.busySlotSeconds);
    pods.set(pod, {
      subset: latest.subset,
      rps,
      errorsRps: rate((c) => c.errors) ?? 0,
      buckets: new Map(bounds.map((b, i) => [b, rate((c) => c.buckets[i]) ?? 0])),
      cpuUsed: busy,
      cpuLimit: busy === undefined ? undefined : latest.slots,
    });
  }
  return observationFromPods(pods, {
    atMs,
    windowMs,
    lane,
    requestedRps: extrapolatedRate(
      scrapes.map((s) => ({ atMs: s.atMs, value: s.clientRequests })),
      atMs,
      windowMs,
    ),
  });
}

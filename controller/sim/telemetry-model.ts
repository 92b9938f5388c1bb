/**
 * How the simulated control loop sees the mesh and reaches it. The defaults are production's:
 * histogram_quantile over Istio's buckets, rates over the controller's window from counters
 * Prometheus scraped every 15 s (the tree's PodMonitor), and a routing change that reaches the
 * proxies a few seconds after it is written. "exact" is the simulator's older, sharper view,
 * kept to measure what production's view costs.
 */
import { ENVOY_SCRAPE_INTERVAL_SECONDS } from "../../api/optimizer.js";
import { defaultWindowMs } from "../metrics/window.js";
import type { Percentiles } from "./sim-metrics.js";

export interface TelemetryModel {
  /** @default "buckets" */
  readonly percentiles: Percentiles;
  /** @default 15 s, as the tree scrapes the sidecars */
  readonly scrapeIntervalMs: number;
  /** When the first scrape happens. @default a phase drawn from the run's seed */
  readonly scrapeOffsetMs?: number;
  /** The rate() window. @default the controller's: two intervals, at least four scrapes */
  readonly windowMs?: number;
  /**
   * From the write to the proxies using the routing. istiod debounces pushes for 100 ms to 10 s
   * (PILOT_DEBOUNCE_AFTER, PILOT_DEBOUNCE_MAX) and the push itself takes longer on a large mesh.
   * @default 3 s
   */
  readonly propagationDelayMs: number;
}

export const PRODUCTION_TELEMETRY: TelemetryModel = {
  percentiles: "buckets",
  scrapeIntervalMs: ENVOY_SCRAPE_INTERVAL_SECONDS * 1000,
  propagationDelayMs: 3000,
};

/** The window a loop with this interval reads under this model. */
export function windowOf(model: TelemetryModel, intervalMs: number): number {
  if (model.windowMs !== undefined) return model.windowMs;
  return model.percentiles === "exact" ? intervalMs : defaultWindowMs(intervalMs, model.scrapeIntervalMs);
}

/**
 * The views the bench compares, from the simulator's sharpest to production's: each adds one of
 * the things a real controller lives with.
 */
export function telemetryLadder(intervalMs: number): { name: string; model: TelemetryModel }[] {
  return [
    {
      name: "exact percentiles, no lag, instant routing",
      model: {
        percentiles: "exact",
        scrapeIntervalMs: intervalMs,
        windowMs: intervalMs,
        propagationDelayMs: 0,
      },
    },
    {
      name: "bucketed percentiles, no lag, instant routing",
      model: {
        percentiles: "buckets",
        scrapeIntervalMs: intervalMs,
        scrapeOffsetMs: 0,
        windowMs: intervalMs,
        propagationDelayMs: 0,
      },
    },
    {
      name: "bucketed, scraped and windowed as production, instant routing",
      model: { ...PRODUCTION_TELEMETRY, propagationDelayMs: 0 },
    },
    {
      name: "bucketed, scraped and windowed, with propagation delay (the default)",
      model: PRODUCTION_TELEMETRY,
    },
  ];
}

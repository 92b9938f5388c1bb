import { ENVOY_SCRAPE_INTERVAL_SECONDS } from "../../api/optimizer.js";

/**
 * The telemetry window a decision reads when none is set: two control intervals, and never less
 * than four scrapes, since `rate()` needs two samples in its window and gets few and noisy ones
 * below four (Prometheus' own advice). The controller and the simulator's runner both use it.
 */
export function defaultWindowMs(
  intervalMs: number,
  scrapeIntervalMs = ENVOY_SCRAPE_INTERVAL_SECONDS * 1000,
): number {
  return Math.max(2 * intervalMs, 4 * scrapeIntervalMs);
}

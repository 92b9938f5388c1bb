/** How the bandits turn a latency distribution's reported quantiles into "fast" outcomes. */

/**
 * Share of requests faster than `thresholdMs`, read off the reported quantiles by linear
 * interpolation of the latency distribution through (p50, 0.5), (p95, 0.95) and (p99, 0.99).
 */
export function fractionFaster(thresholdMs: number, p50: number, p95: number, p99: number): number {
  if (thresholdMs >= p99) return Math.min(1, 0.99 + (0.01 * (thresholdMs - p99)) / Math.max(p99, 1e-9));
  if (thresholdMs >= p95) return 0.95 + (0.04 * (thresholdMs - p95)) / Math.max(p99 - p95, 1e-9);
  if (thresholdMs >= p50) return 0.5 + (0.45 * (thresholdMs - p50)) / Math.max(p95 - p50, 1e-9);
  return (0.5 * thresholdMs) / Math.max(p50, 1e-9);
}

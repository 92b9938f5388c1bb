/** How the bandits turn a latency distribution's reported quantiles into "fast" outcomes. */
import type { WorkloadStats } from "../metrics/observation.js";

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

/**
 * One interval's evidence for a bandit arm (a subset, a pod): its tries, capped so that a busy
 * arm cannot freeze its posterior, and how many of them were fast and successful. Undefined
 * without tries or quantiles.
 */
export function fastOutcome(
  stats: WorkloadStats,
  windowMs: number,
  cap: number,
  thresholdMs: number,
): { successes: number; trials: number } | undefined {
  const trials = Math.min(cap, Math.round((stats.rps * windowMs) / 1000));
  const { p50Ms, p95Ms, p99Ms } = stats;
  if (trials === 0 || p50Ms === undefined || p95Ms === undefined || p99Ms === undefined) return undefined;
  const fast = fractionFaster(thresholdMs, p50Ms, p95Ms, p99Ms);
  return { trials, successes: Math.round(trials * (1 - (stats.errorRatio ?? 0)) * fast) };
}

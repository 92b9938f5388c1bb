import type { OutlierDetection } from "./model.js";
import type { ReplicaState } from "./replica.js";

/** Envoy's default panic threshold: below this share of available hosts, balance over all of them. */
const PANIC_THRESHOLD = 0.5;
/** Envoy's cap on one ejection's length. */
const MAX_EJECTION_MS = 300_000;

/**
 * Consecutive-5xx outlier detection per subset, as Envoy does it: a host that fails
 * `consecutive5xxErrors` times in a row is ejected for base x (times ejected), unless that would
 * put the subset's ejected share at or above `maxEjectionPercent` (one host may always go).
 */
export function recordOutcome(
  replica: ReplicaState,
  failed: boolean,
  now: number,
  subset: readonly ReplicaState[],
  config: OutlierDetection | undefined,
): void {
  if (!failed) {
    replica.consecutiveFailures = 0;
    return;
  }
  replica.consecutiveFailures++;
  if (!config || replica.consecutiveFailures < config.consecutive5xxErrors || now < replica.ejectedUntil)
    return;
  const ejected = subset.reduce((n, r) => n + (now < r.ejectedUntil ? 1 : 0), 0);
  if ((ejected * 100) / subset.length >= config.maxEjectionPercent && ejected > 0) return;
  replica.ejections++;
  replica.ejectedUntil = now + Math.min(config.baseEjectionTimeMs * replica.ejections, MAX_EJECTION_MS);
  replica.consecutiveFailures = 0;
}

/** Hosts a request may go to: the non-ejected ones, or all of them in panic mode. */
export function availableHosts(subset: readonly ReplicaState[], now: number): readonly ReplicaState[] {
  let ejected = 0;
  for (const r of subset) if (now < r.ejectedUntil) ejected++;
  if (ejected === 0) return subset;
  const healthy = subset.filter((r) => now >= r.ejectedUntil);
  return healthy.length / subset.length < PANIC_THRESHOLD ? subset : healthy;
}

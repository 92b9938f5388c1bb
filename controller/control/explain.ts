/**
 * The words of an Event: what changed and why, in one line an operator reads in `kubectl
 * describe`, for example "moved 10% from v2 to v1: v2 p99 240 ms > SLO 100 ms; reward -0.80".
 */
import type { Observation } from "../metrics/observation.js";
import { ordinal } from "../ordinal.js";
import type { Objectives, RoutingKnobs } from "../policy/policy.js";
import type { RewardTerms } from "../policy/reward.js";

function ms(v: number | undefined): string {
  return v === undefined ? "unknown" : `${Math.round(v)} ms`;
}

/** What changed between two routings, in words; empty when nothing did. */
export function describeChange(from: RoutingKnobs, to: RoutingKnobs): string[] {
  const parts: string[] = [];
  const losers = Object.keys(from.weights)
    .filter((s) => (to.weights[s] ?? 0) < from.weights[s])
    .sort();
  const gainers = Object.keys(to.weights)
    .filter((s) => to.weights[s] > (from.weights[s] ?? 0))
    .sort();
  if (losers.length > 0 && gainers.length > 0) {
    const moved = losers.reduce((n, s) => n + from.weights[s] - (to.weights[s] ?? 0), 0);
    parts.push(`moved ${moved}% from ${losers.join(", ")} to ${gainers.join(", ")}`);
  }
  if (from.algorithm !== to.algorithm) parts.push(`load balancer ${from.algorithm} -> ${to.algorithm}`);
  if (Boolean(from.outlierDetection) !== Boolean(to.outlierDetection))
    parts.push(`outlier detection ${to.outlierDetection ? "on" : "off"}`);
  if (
    Boolean(from.retries?.hedge) !== Boolean(to.retries?.hedge) ||
    from.retries?.perTryTimeoutMs !== to.retries?.perTryTimeoutMs
  ) {
    parts.push(
      to.retries?.hedge
        ? `hedging after ${to.retries.perTryTimeoutMs} ms`
        : to.retries
          ? `retries ${to.retries.attempts} x ${to.retries.perTryTimeoutMs} ms`
          : "hedging off",
    );
  }
  const lane = (k: RoutingKnobs) => k.lane?.quarantined ?? [];
  const entered = lane(to).filter((p) => !lane(from).includes(p));
  const left = lane(from).filter((p) => !lane(to).includes(p));
  if (entered.length > 0) parts.push(`quarantined ${entered.join(", ")}`);
  if (left.length > 0) parts.push(`returned ${left.join(", ")} from the lane`);
  if (lane(to).length > 0 && (from.lane?.probePercent ?? 0) !== (to.lane?.probePercent ?? 0))
    parts.push(`lane probes ${to.lane?.probePercent ?? 0}%`);
  const choice = (k: RoutingKnobs) =>
    k.leastRequest
      ? k.leastRequest.fullScan
        ? "full scan"
        : `${k.leastRequest.choiceCount} choices`
      : "2 choices";
  if (choice(from) !== choice(to)) parts.push(`least-request ${choice(from)} -> ${choice(to)}`);
  return parts;
}

/** Why, from the observation: the subsets outside the SLO, or that all are within it. */
export function describeWhy(observation: Observation, o: Objectives, reward?: RewardTerms): string {
  const reasons: string[] = [];
  for (const [name, s] of Object.entries(observation.subsets).sort(([a], [b]) => ordinal(a, b))) {
    if (s.p99Ms !== undefined && s.p99Ms > o.p99LatencyMs)
      reasons.push(`${name} p99 ${ms(s.p99Ms)} > SLO ${ms(o.p99LatencyMs)}`);
    if (s.errorRatio !== undefined && s.errorRatio > o.errorRate)
      reasons.push(
        `${name} errors ${(s.errorRatio * 100).toFixed(2)}% > budget ${(o.errorRate * 100).toFixed(2)}%`,
      );
  }
  if (reasons.length === 0)
    reasons.push(
      `every subset within SLO (p99 ${ms(o.p99LatencyMs)}, errors ${(o.errorRate * 100).toFixed(2)}%)`,
    );
  return `${reasons.join(", ")}${reward ? `; reward ${reward.total.toFixed(2)}` : ""}`;
}

export function eventMessage(
  from: RoutingKnobs,
  to: RoutingKnobs,
  observation: Observation,
  o: Objectives,
  reward?: RewardTerms,
) {
  const change = describeChange(from, to);
  return `${change.length > 0 ? change.join("; ") : "no change"}: ${describeWhy(observation, o, reward)}`;
}

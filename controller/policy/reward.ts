/**
 * The multi-objective reward: R = w_latency * f(p99 / SLO) - w_error * g(errors / budget) - w_cost * h(cost).
 *
 * f rewards headroom under the latency objective and penalizes overshoot, g charges for spending
 * the error budget, and h for cost above the cheapest subset. Each term is bounded, so no single
 * bad interval can swamp what a policy has learned, and each is reported separately.
 */
import type { Observation } from "../metrics/observation.js";
import type { Objectives } from "./policy.js";

export interface RewardTerms {
  readonly latency: number;
  readonly errors: number;
  readonly cost: number;
  readonly total: number;
}

/** f: 1 at zero latency, 0 at the objective, down to -2 at three times it. */
export function latencyScore(ratio: number): number {
  return Math.max(-2, 1 - ratio);
}

/** g: the share of the error budget spent, capped at 5 budgets. */
export function errorPenalty(ratio: number): number {
  return Math.min(5, Math.max(0, ratio));
}

/** Request-weighted p99 and error ratio across subsets, with unmeasured figures left out. */
export function aggregate(observation: Observation): { rps: number; p99Ms?: number; errorRatio?: number } {
  let rps = 0;
  let p99Weighted = 0;
  let p99Rps = 0;
  let errWeighted = 0;
  let errRps = 0;
  for (const s of Object.values(observation.subsets)) {
    rps += s.rps;
    if (s.p99Ms !== undefined) {
      p99Weighted += s.p99Ms * s.rps;
      p99Rps += s.rps;
    }
    if (s.errorRatio !== undefined) {
      errWeighted += s.errorRatio * s.rps;
      errRps += s.rps;
    }
  }
  return {
    rps,
    p99Ms: p99Rps > 0 ? p99Weighted / p99Rps : undefined,
    errorRatio: errRps > 0 ? errWeighted / errRps : undefined,
  };
}

/** The reward of an interval; undefined when the observation cannot support one. */
export function reward(observation: Observation, objectives: Objectives): RewardTerms | undefined {
  if (observation.stale) return undefined;
  const { p99Ms, errorRatio, rps } = aggregate(observation);
  if (p99Ms === undefined || errorRatio === undefined || rps === 0) return undefined;
  const wl = objectives.latencyWeight ?? 1;
  const we = objectives.errorWeight ?? 1;
  const wc = objectives.costWeight ?? 0;
  const latency = wl * latencyScore(p99Ms / objectives.p99LatencyMs);
  const errors = -we * errorPenalty(errorRatio / objectives.errorRate);
  let cost = 0;
  if (wc > 0 && objectives.subsetCost) {
    const prices = Object.values(objectives.subsetCost);
    const cheapest = Math.min(...prices);
    let spent = 0;
    for (const [name, s] of Object.entries(observation.subsets))
      spent += (s.rps / rps) * ((objectives.subsetCost[name] ?? cheapest) / cheapest - 1);
    cost = -wc * Math.min(5, spent);
  }
  return { latency, errors, cost, total: latency + errors + cost };
}

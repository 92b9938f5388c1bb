/**
 * The multi-objective reward: R = w_latency * f(p99 / SLO) - w_error * g(errors / budget) - w_cost * h(cost).
 *
 * f rewards headroom under the latency objective and penalizes overshoot, g charges for spending
 * the error budget, and h for cost above the cheapest subset. Each term is bounded, so no single
 * bad interval can swamp what a policy has learned, and each is reported separately.
 */
import type { Observation, SubsetStats } from "../metrics/observation.js";
import type { Objectives } from "./policy.js";

export interface RewardTerms {
  readonly latency: number;
  readonly errors: number;
  readonly cost: number;
  readonly total: number;
}

/**
 * f: 1 at zero latency, 0 at the objective, then -ln(ratio) beyond it, down to -5 (about 150 times
 * the objective). Past the SLO the score keeps falling with the log of the latency, so a policy
 * still learns the difference between twice the objective and a client timeout at twenty times
 * it, where a linear score capped at -2 had gone flat. The two pieces meet at the objective with
 * the same slope.
 */
export function latencyScore(ratio: number): number {
  return ratio <= 1 ? 1 - ratio : Math.max(-5, -Math.log(ratio));
}

/** g: the share of the error budget spent, capped at 5 budgets. */
export function errorPenalty(ratio: number): number {
  return Math.min(5, Math.max(0, ratio));
}

/** Request-weighted p95, p99 and error ratio across subsets, with unmeasured figures left out. */
export function aggregate(observation: Observation): {
  rps: number;
  p95Ms?: number;
  p99Ms?: number;
  errorRatio?: number;
} {
  const subsets = Object.values(observation.subsets);
  const weighted = (pick: (s: SubsetStats) => number | undefined): number | undefined => {
    let sum = 0;
    let rps = 0;
    for (const s of subsets) {
      const v = pick(s);
      if (v === undefined) continue;
      sum += v * s.rps;
      rps += s.rps;
    }
    return rps > 0 ? sum / rps : undefined;
  };
  return {
    rps: subsets.reduce((n, s) => n + s.rps, 0),
    p95Ms: weighted((s) => s.p95Ms),
    p99Ms: weighted((s) => s.p99Ms),
    errorRatio: weighted((s) => s.errorRatio),
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
